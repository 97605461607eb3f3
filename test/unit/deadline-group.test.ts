/**
 * One instance's call timeouts under one clock timer (the real clock's way): each call is still stopped at its own
 * timeout, counted from its own start; the timer names the earliest call and goes with the last one.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Clock, ManualClock } from '../../src/clock.ts';
import { DeadlineGroup } from '../../src/domain/deadline-group.ts';
import { InstancePool } from '../../src/domain/instances.ts';
import type { BackendInstance, InvocationRequest, InvocationResult, PreparedRevision } from '../../src/domain/ports/backend.ts';
import { SimulatedBackend } from '../../src/backends/simulated.ts';
import { sequentialIds } from '../../src/ids.ts';
import { sampleRevision } from '../helpers/fixtures.ts';

/** A manual clock the pool takes for the real one (kind 'real'), so time still moves only when advanced. */
function realKind(m: ManualClock): Clock {
  return {
    kind: 'real', now: () => m.now(), setTimer: (ms, label, fn) => m.setTimer(ms, label, fn), setDeadline: (ms, label, fn) => m.setDeadline(ms, label, fn),
    clearTimer: (id) => m.clearTimer(id), reschedule: (id, ms) => m.reschedule(id, ms), pendingTimers: () => m.pendingTimers(),
    advance: (ms) => m.advance(ms), horizon: () => m.horizon(), dispose: () => m.dispose(),
  };
}

describe('DeadlineGroup', () => {
  it('stops each call at its own time under one timer, moved earlier for an earlier one and on to the next when it fires', async () => {
    const clock = new ManualClock();
    const t0 = clock.now();
    const group = new DeadlineGroup(clock);
    const expired: string[] = [];
    const deadline = (requestId: string, ms: number) => ({ requestId, dueAt: clock.now() + ms, expire: () => void expired.push(`${requestId}@${clock.now() - t0}`) });
    const timers = () => clock.pendingTimers().map((t) => [t.label, t.dueAt - t0]);
    const a = deadline('a', 3000);
    const b = deadline('b', 4000);
    group.watch(a);
    group.watch(b);
    assert.deepEqual(timers(), [['invocation timeout a', 3000]], 'one timer, for the earliest');
    const z = deadline('z', 2000);
    group.watch(z);
    assert.deepEqual(timers(), [['invocation timeout z', 2000]], 'moved earlier');
    // z answers in time: the timer stays for its time, finds nothing due then, and moves on to a.
    group.unwatch(z);
    assert.deepEqual(timers(), [['invocation timeout z', 2000]]);
    await clock.advance(2000);
    assert.deepEqual(expired, []);
    assert.deepEqual(timers(), [['invocation timeout a', 3000]]);
    await clock.advance(999);
    assert.deepEqual(expired, []);
    await clock.advance(1);
    assert.deepEqual(expired, ['a@3000']);
    assert.deepEqual(timers(), [['invocation timeout b', 4000]]);
    group.unwatch(a);
    group.unwatch(b);
    assert.deepEqual(timers(), [], 'the last call out takes the timer');
    await clock.advance(5000);
    assert.deepEqual(expired, ['a@3000']);
  });

  it('stops every call whose time has passed when the timer fires', async () => {
    const clock = new ManualClock();
    const group = new DeadlineGroup(clock);
    const expired: string[] = [];
    for (const id of ['a', 'b', 'c']) group.watch({ requestId: id, dueAt: clock.now() + 1000, expire: () => void expired.push(id) });
    group.watch({ requestId: 'd', dueAt: clock.now() + 1001, expire: () => void expired.push('d') });
    await clock.advance(1000);
    assert.deepEqual(expired, ['a', 'b', 'c']);
    assert.deepEqual(clock.pendingTimers().map((t) => t.label), ['invocation timeout d']);
    clock.dispose();
  });
});

/** Calls whose id starts with `hang` answer only once their deadline has passed. */
class HangingBackend extends SimulatedBackend {
  readonly expired: string[] = [];
  constructor(private readonly clock: Clock) {
    super();
  }
  override async invoke(i: BackendInstance, r: InvocationRequest): Promise<InvocationResult> {
    if (!r.requestId.startsWith('hang')) return super.invoke(i, r);
    await new Promise<void>((resolve) => r.deadline!.onExpiry(() => (this.expired.push(`${r.requestId}@${this.clock.now()}`), resolve())));
    return { status: 504, headers: {}, body: Buffer.alloc(0) };
  }
}

describe('instance pool on the real clock: one timeout timer per instance', () => {
  it("times out each of an instance's concurrent calls at its own timeout from its own start", async () => {
    const manual = new ManualClock();
    const clock = realKind(manual);
    const backend = new HangingBackend(clock);
    const pool = new InstancePool(backend, clock, sequentialIds(), { instanceIdleMs: 60_000, maxInstancesPerFunction: 1, freeze: false });
    const revision = { ...sampleRevision, config: { ...sampleRevision.config, runtime: 'custom.debian10', instanceConcurrency: 4 } };
    const prepared: PreparedRevision = await backend.prepare({
      fn: { functionName: 'f', functionArn: 'acs:fc:r:a:functions/f', region: 'r', accountId: 'a', qualifier: 'LATEST' }, revision, log: () => {}, signal: new AbortController().signal,
    });
    const call = (requestId: string) => pool.invoke(prepared, { requestId, body: Buffer.from('x'), headers: {}, kind: 'event', timeoutMs: 3000 });
    try {
      await call('warm');
      const t0 = manual.now();
      const at = (ms: number) => t0 + ms;
      const invocationTimers = () => manual.pendingTimers().filter((t) => t.label.startsWith('invocation timeout')).map((t) => [t.label, t.dueAt - t0]);
      const a = call('hang-a');
      await manual.advance(1000);
      const b = call('hang-b');
      await manual.advance(0);
      assert.deepEqual(invocationTimers(), [['invocation timeout hang-a', 3000]], 'one timer for both calls');
      await manual.advance(2000);
      assert.deepEqual(backend.expired, [`hang-a@${at(3000)}`]);
      assert.equal((await a).status, 504);
      assert.deepEqual(invocationTimers(), [['invocation timeout hang-b', 4000]]);
      await manual.advance(999);
      assert.deepEqual(backend.expired, [`hang-a@${at(3000)}`]);
      await manual.advance(1);
      assert.deepEqual(backend.expired, [`hang-a@${at(3000)}`, `hang-b@${at(4000)}`]);
      assert.equal((await b).status, 504);
      assert.deepEqual(invocationTimers(), [], 'the timer went with the last call');
    } finally {
      await pool.drainAll();
      manual.dispose();
    }
  });
});
