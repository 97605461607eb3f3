/**
 * The invocation path settles a warm call on the simulated backend without a promise (admitNow, runNow), and keeps
 * every rule of the awaited path: a refusal is a rejected promise (never thrown), a fault is applied before the call
 * runs, the guard's slot and the revision are let go when the call ends, and the call is in the timeline.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SimulatedBackend } from '../../src/backends/simulated.ts';
import { ManualClock } from '../../src/clock.ts';
import { FcError, errors } from '../../src/domain/errors.ts';
import type { FaultRule } from '../../src/domain/faults/engine.ts';
import type { AdmittedInvocation, FunctionService } from '../../src/domain/functions.ts';
import { InstancePool } from '../../src/domain/instances.ts';
import { type InvocationInput, InvocationService } from '../../src/domain/invocations.ts';
import { sequentialIds } from '../../src/ids.ts';
import { sampleRevision } from '../helpers/fixtures.ts';

it('a warm call settles at once; refusals reject, faults are waited for, slots and revisions are let go either way', async () => {
  const backend = new SimulatedBackend();
  const clock = new ManualClock();
  const pool = new InstancePool(backend, clock, sequentialIds(), { instanceIdleMs: 60_000, maxInstancesPerFunction: 1, freezeGraceMs: 100 });
  const prepared = await backend.prepare({
    fn: { functionName: 'f', functionArn: 'acs:fc:r:a:functions/f', region: 'r', accountId: 'a', qualifier: 'LATEST' },
    revision: sampleRevision, log: () => {}, signal: new AbortController().signal,
  });
  const notes: string[] = [];
  let held = 0;
  let slots = 0;
  let refuse = false;
  let fault: FaultRule | undefined;
  const functions = {
    admitInvocation(): AdmittedInvocation {
      if (refuse) throw errors.functionNotActive('f', 'Inactive', undefined);
      held++;
      return { record: {} as AdmittedInvocation['record'], prepared, revision: sampleRevision, resolvedQualifier: 'LATEST', leave: () => void held-- };
    },
    takeFault: () => {
      const taken = fault;
      fault = undefined;
      return taken;
    },
    note: (_name: string, _kind: string, event: string) => void notes.push(event),
  } as unknown as FunctionService;
  const guard = { acquire: () => (slots++, () => void slots--) };
  const invocations = new InvocationService({ functions, pool, clock, guard });
  const input = (requestId: string): InvocationInput => ({ functionName: 'f', qualifier: 'LATEST', requestId, body: Buffer.from('{"a":1}'), headers: { 'content-type': 'application/json' }, kind: 'event' });
  const call = async (requestId: string) => invocations.runNow(await invocations.admitNow('f', 'LATEST', requestId), input(requestId));

  assert.equal((await call('cold')).result.coldStart, true);
  const admitted = invocations.admitNow('f', 'LATEST', 'warm');
  assert.ok(!(admitted instanceof Promise), 'admitted at once without a fault');
  const outcome = invocations.runNow(admitted, input('warm'));
  assert.ok(!(outcome instanceof Promise), 'a warm call settles at once');
  assert.deepEqual([outcome.result.coldStart, outcome.result.body.toString(), outcome.result.headers['content-type']], [false, '{"a":1}', 'application/json']);
  assert.deepEqual([held, slots], [0, 0], 'the revision and the slot are let go when the call ends');

  fault = { id: 'r1', effect: { type: 'latency', ms: 50, clock: true } } as FaultRule;
  const delayed = invocations.admitNow('f', 'LATEST', 'delayed');
  assert.ok(delayed instanceof Promise, 'a latency fault is waited for');
  assert.deepEqual([held, slots], [1, 1], 'held through the fault');
  await clock.advance(50);
  const ran = await invocations.runNow(await delayed, input('delayed'));
  assert.equal(ran.result.status, 200);

  fault = { id: 'r2', effect: { type: 'error', code: 'FunctionNotFound' } } as FaultRule;
  await assert.rejects(Promise.resolve(invocations.admitNow('f', 'LATEST', 'faulted')), FcError);
  refuse = true;
  let refused: unknown;
  assert.doesNotThrow(() => (refused = invocations.admitNow('f', 'LATEST', 'refused')), 'a refusal is not thrown');
  assert.ok(refused instanceof Promise);
  await assert.rejects(refused, (e: unknown) => e instanceof FcError && e.code === 'FunctionNotActive');
  assert.deepEqual([held, slots], [0, 0]);
  assert.deepEqual(notes, ['invoked', 'invoked', 'invoked', 'rejected', 'rejected']);
  await pool.drainAll();
  clock.dispose();
});
