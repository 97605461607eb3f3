/**
 * The instance pool against a recording backend: an idle instance is frozen once the grace period has passed on the
 * clock (a burst pays nothing); freezing can be turned off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BackendInstance, InvocationDeadline, InvocationRequest, InvocationResult, PreparedRevision } from '../../src/domain/ports/backend.ts';
import { SimulatedBackend } from '../../src/backends/simulated.ts';
import { ManualClock, settle, sleep } from '../../src/clock.ts';
import { InstancePool } from '../../src/domain/instances.ts';
import type { Revision } from '../../src/domain/model.ts';
import { sequentialIds } from '../../src/ids.ts';
import { sampleRevision } from '../helpers/fixtures.ts';

const revision: Revision = sampleRevision;

class RecordingBackend extends SimulatedBackend {
  readonly calls: string[] = [];
  readonly stopped: string[] = [];
  /** Set: each invocation takes this long on the clock, then asks to be told of its deadline (`reads`) or not. */
  slow?: { clock: ManualClock; ms: number; reads: boolean; hangs?: boolean; seen?: InvocationDeadline; expiredAt?: number };
  override async invoke(i: BackendInstance, r: InvocationRequest): Promise<InvocationResult> {
    const slow = this.slow;
    if (slow) {
      await sleep(slow.clock, slow.ms, 'slow invocation');
      if (slow.reads) slow.seen = r.deadline;
      if (slow.hangs && slow.seen) {
        const deadline = slow.seen;
        await new Promise<void>((resolve) => deadline.onExpiry(() => ((slow.expiredAt = slow.clock.now()), resolve())));
        return { status: 504, headers: {}, body: Buffer.alloc(0) };
      }
    }
    return super.invoke(i, r);
  }
  override async stopInstance(i: BackendInstance): Promise<void> {
    this.stopped.push(i.id);
    return super.stopInstance(i);
  }
  override async freeze(i: BackendInstance): Promise<void> {
    this.calls.push(`freeze ${i.id}`);
  }
  override async thaw(i: BackendInstance): Promise<void> {
    this.calls.push(`thaw ${i.id}`);
  }
}

const req = { requestId: 'r', body: Buffer.from('x'), headers: {}, kind: 'event' as const, timeoutMs: 3000 };

async function setup(options: { freeze?: boolean; freezeGraceMs?: number }) {
  const backend = new RecordingBackend();
  const clock = new ManualClock();
  const pool = new InstancePool(backend, clock, sequentialIds(), { instanceIdleMs: 60_000, maxInstancesPerFunction: 1, ...options });
  const prepared: PreparedRevision = await backend.prepare({
    fn: { functionName: 'f', functionArn: 'acs:fc:r:a:functions/f', region: 'r', accountId: 'a', qualifier: 'LATEST' },
    revision,
    log: () => {},
    signal: new AbortController().signal,
  });
  const calls = () => backend.calls.map((c) => c.split(' ')[0]!);
  const done = async () => {
    await pool.drainAll();
    clock.dispose();
  };
  return { pool, clock, prepared, calls, done, backend };
}

async function twoInvocations(options: { freeze?: boolean; freezeGraceMs?: number }): Promise<string[]> {
  const { pool, prepared, calls, done } = await setup(options);
  const first = await pool.invoke(prepared, req);
  const second = await pool.invoke(prepared, req);
  assert.equal(first.instanceId, second.instanceId);
  assert.deepEqual([first.coldStart, second.coldStart], [true, false]);
  const out = calls();
  await done();
  return out;
}

describe('instance pool freezing', () => {
  it('back-to-back invocations within the grace period pay no freeze and no thaw', async () => {
    assert.deepEqual(await twoInvocations({}), []);
  });

  it('freezes an instance once it has been idle for the grace period (clock time), and thaws it for the next call', async () => {
    const { pool, clock, prepared, calls, done } = await setup({ freezeGraceMs: 100 });
    await pool.invoke(prepared, req);
    await clock.advance(99);
    assert.deepEqual(calls(), [], 'still running 99 ms after its response');
    await clock.advance(1);
    await pool.quiesce();
    assert.deepEqual(calls(), ['freeze'], 'frozen 100 ms after its response');
    await clock.advance(10_000);
    assert.deepEqual(calls(), ['freeze'], 'frozen once');
    await pool.invoke(prepared, req);
    assert.deepEqual(calls(), ['freeze', 'thaw']);
    await clock.advance(50);
    await pool.invoke(prepared, req);
    await clock.advance(99);
    assert.deepEqual(calls(), ['freeze', 'thaw'], 'each response starts the grace period anew');
    await clock.advance(1);
    await pool.quiesce();
    assert.deepEqual(calls(), ['freeze', 'thaw', 'freeze']);
    await done();
  });

  it('with a grace period of 0 freezes right after each invocation', async () => {
    assert.deepEqual(await twoInvocations({ freezeGraceMs: 0 }), ['freeze', 'thaw', 'freeze']);
  });

  it('leaves instances running when freezing is turned off', async () => {
    const { pool, clock, prepared, calls, done } = await setup({ freeze: false });
    await pool.invoke(prepared, req);
    await clock.advance(10_000);
    await pool.invoke(prepared, req);
    assert.deepEqual(calls(), []);
    await done();
  });

  it('the grace period and the reclaim countdown run from the last response: each call moves them on, one timer of each', async () => {
    const { pool, clock, prepared, calls, done, backend } = await setup({ freezeGraceMs: 100 });
    const t0 = clock.now();
    const { instanceId } = await pool.invoke(prepared, req);
    await clock.advance(60);
    await pool.invoke(prepared, req);
    const timers = () => clock.pendingTimers().map((t) => [t.label.split(' ')[0], t.dueAt - t0]);
    assert.deepEqual(timers(), [['freeze', 160], ['reclaim', 60_060]], 'due from the second response, once each');
    await clock.advance(99);
    assert.deepEqual(calls(), []);
    await clock.advance(1);
    await pool.quiesce();
    assert.deepEqual(calls(), ['freeze']);
    await clock.advance(59_000 - 100);
    await pool.invoke(prepared, req);
    await clock.advance(60_000 - 1);
    assert.deepEqual(backend.stopped, [], 'not reclaimed 60 s after an earlier response');
    await clock.advance(1);
    assert.deepEqual(backend.stopped, [instanceId], 'reclaimed 60 s after the last one');
    await done();
  });

  it('an invocation longer than the grace period is not frozen under it; its response starts the grace period', async () => {
    const { pool, clock, prepared, calls, done, backend } = await setup({ freezeGraceMs: 100 });
    await pool.invoke(prepared, req);
    await clock.advance(50);
    backend.slow = { clock, ms: 500, reads: false };
    const slow = pool.invoke(prepared, req);
    await clock.advance(499);
    await pool.quiesce();
    assert.deepEqual(calls(), [], 'the first response\'s grace period ended while the second call ran');
    await clock.advance(1);
    await slow;
    await clock.advance(99);
    await pool.quiesce();
    assert.deepEqual(calls(), []);
    await clock.advance(1);
    await pool.quiesce();
    assert.deepEqual(calls(), ['freeze'], '100 ms after the slow call answered');
    await done();
  });
});

describe('instance pool invocation timeout', () => {
  it('a backend that asks for its deadline late is still told at the timeout counted from the call\'s start; one that never asks arms nothing', async () => {
    const { pool, clock, prepared, done, backend } = await setup({ freeze: false });
    backend.slow = { clock, ms: 2000, reads: false };
    const t0 = clock.now();
    const unread = pool.invoke(prepared, req);
    await settle();
    assert.deepEqual(clock.pendingTimers().map((t) => t.label), ['slow invocation'], 'no deadline timer for a call that never asks');
    await clock.advance(2000);
    await unread;
    // A handler that hangs: it answers only once its deadline has passed, having asked for it 2 s into the call.
    backend.slow = { clock, ms: 2000, reads: true, hangs: true };
    const hung = pool.invoke(prepared, req);
    await clock.advance(2000);
    assert.equal(backend.slow.seen?.expired, false);
    const timers = () => clock.pendingTimers().map((t) => [t.label.replace(/ c-\w+$/, ''), t.dueAt - t0]);
    assert.deepEqual(timers(), [['invocation timeout r', 2000 + 3000], ['reclaim instance', 2000 + 60_000]]);
    await clock.advance(999);
    assert.equal(backend.slow.seen?.expired, false);
    await clock.advance(1);
    assert.equal(backend.slow.seen?.expired, true);
    assert.equal(backend.slow.expiredAt! - t0, 2000 + 3000, 'told 3000 ms (the timeout) after the call started');
    assert.equal((await hung).status, 504);
    assert.deepEqual(timers().map(([label]) => label), ['reclaim instance'], 'the deadline went with the call');
    await done();
  });
});

describe('instance pool: a warm instance with nothing to wait for', () => {
  it('settles the call without a promise when the backend answered at once; a cold start, a frozen or a lost instance are waited for', async () => {
    const { pool, clock, prepared, done, backend } = await setup({ freezeGraceMs: 100 });
    let lose = false;
    // The simulated backend's own invoke, which answers with the result itself (RecordingBackend's returns a promise).
    (backend as SimulatedBackend).invoke = (i, r) => {
      const result = SimulatedBackend.prototype.invoke.call(backend, i, r) as InvocationResult;
      return lose ? Object.assign({}, result, { instanceLost: true }) : result;
    };
    const cold = pool.invokeNow(prepared, req);
    assert.ok(cold instanceof Promise, 'a cold start is waited for');
    const first = await cold;
    const warm = pool.invokeNow(prepared, req);
    assert.ok(!(warm instanceof Promise), 'a warm call settles at once');
    assert.deepEqual([warm.instanceId, warm.coldStart, warm.body.toString()], [first.instanceId, false, 'x']);
    await clock.advance(100);
    await pool.quiesce();
    const thawed = pool.invokeNow(prepared, req);
    assert.ok(thawed instanceof Promise, 'a frozen instance is thawed first');
    await thawed;
    lose = true;
    const lost = pool.invokeNow(prepared, req);
    assert.ok(lost instanceof Promise, 'a lost instance is stopped before the call ends');
    assert.equal((await lost).instanceLost, true);
    assert.deepEqual(pool.list(), []);
    await done();
  });

  it('is handed the invocation at once (no await of settled steps); a frozen one is thawed first, as before', async () => {
    const { pool, clock, prepared, calls, done, backend } = await setup({ freezeGraceMs: 100 });
    let invoked = 0;
    const invoke = backend.invoke.bind(backend);
    backend.invoke = (i, r) => (invoked++, invoke(i, r));
    await pool.invoke(prepared, req); // cold start, then initialized
    const warm = pool.invoke(prepared, req);
    assert.equal(invoked, 2, 'the backend was called before pool.invoke returned');
    assert.equal((await warm).coldStart, false);
    await clock.advance(100);
    await pool.quiesce();
    assert.deepEqual(calls(), ['freeze']);
    const thawed = pool.invoke(prepared, req);
    assert.equal(invoked, 2, 'a frozen instance is thawed before the backend is called');
    await thawed;
    assert.equal(invoked, 3);
    assert.deepEqual(calls(), ['freeze', 'thaw']);
    await done();
  });

  it('on a backend that tells at once whether the instance ended: handed over at once while running, restarted first once ended', async () => {
    const { pool, prepared, done, backend } = await setup({ freezeGraceMs: 100 });
    let invoked = 0;
    let ended = false;
    const restarts: string[] = [];
    const invoke = backend.invoke.bind(backend);
    backend.invoke = (i, r) => (invoked++, invoke(i, r));
    Object.assign(backend, {
      ended: () => ended,
      restartInstance: async (i: BackendInstance) => {
        restarts.push(i.id);
        ended = false;
      },
    });
    const first = await pool.invoke(prepared, req);
    const warm = pool.invoke(prepared, req);
    assert.equal(invoked, 2, 'the backend was called before pool.invoke returned');
    await warm;
    ended = true;
    const restarted = pool.invoke(prepared, req);
    assert.equal(invoked, 2, 'an ended instance is started again before the backend is called');
    assert.equal((await restarted).instanceId, first.instanceId);
    assert.deepEqual(restarts, [first.instanceId]);
    assert.equal(invoked, 3);
    await done();
  });
});
