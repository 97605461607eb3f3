/**
 * The simulated backend's log: an invocation's lines go to a caller who asked for them (Tail), as on the process
 * backend, and the instance's log holds its last invocations' lines whether or not anyone asked.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { SimulatedBackend } from '../../src/backends/simulated.ts';
import type { PreparedRevision } from '../../src/domain/ports/backend.ts';

it('log lines: in the result only with tailLogs, in the instance log for every invocation (the last 100)', async () => {
  const backend = new SimulatedBackend();
  const instance = await backend.startInstance({ key: 'f#1' } as PreparedRevision, 'c-1');
  const call = (requestId: string, tailLogs?: boolean) => backend.invoke(instance, { requestId, body: Buffer.from('{}'), headers: {}, kind: 'event', timeoutMs: 1000, ...(tailLogs ? { tailLogs } : {}) });
  const plain = await call('r-1');
  assert.equal(plain.logs, undefined);
  assert.equal((await call('r-2', true)).logs, 'FC Invoke Start RequestId: r-2\nFC Invoke End RequestId: r-2\n');
  assert.equal(backend.instanceLogs(instance), 'FC Invoke Start RequestId: r-1\nFC Invoke End RequestId: r-1\nFC Invoke Start RequestId: r-2\nFC Invoke End RequestId: r-2\n');
  for (let i = 3; i <= 250; i++) await call(`r-${i}`);
  const lines = backend.instanceLogs(instance).trimEnd().split('\n');
  assert.equal(lines.length, 200);
  assert.equal(lines[0], 'FC Invoke Start RequestId: r-151');
  assert.equal(lines.at(-1), 'FC Invoke End RequestId: r-250');
});
