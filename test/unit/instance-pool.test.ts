/**
 * The instance pool against a recording backend: freezing between invocations is on by default and can be turned off.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { BackendInstance, PreparedRevision } from '../../src/backends/backend.ts';
import { SimulatedBackend } from '../../src/backends/simulated.ts';
import { ManualClock } from '../../src/clock.ts';
import { InstancePool } from '../../src/domain/instances.ts';
import type { Revision } from '../../src/domain/model.ts';
import { sequentialIds } from '../../src/ids.ts';
import { sampleRevision } from '../helpers/fixtures.ts';

const revision: Revision = sampleRevision;

class RecordingBackend extends SimulatedBackend {
  readonly calls: string[] = [];
  override async freeze(i: BackendInstance): Promise<void> {
    this.calls.push(`freeze ${i.id}`);
  }
  override async thaw(i: BackendInstance): Promise<void> {
    this.calls.push(`thaw ${i.id}`);
  }
}

async function twoInvocations(freeze: boolean | undefined): Promise<string[]> {
  const backend = new RecordingBackend();
  const clock = new ManualClock();
  const pool = new InstancePool(backend, clock, sequentialIds(), { instanceIdleMs: 60_000, maxInstancesPerFunction: 1, ...(freeze === undefined ? {} : { freeze }) });
  const prepared: PreparedRevision = await backend.prepare({
    fn: { functionName: 'f', functionArn: 'acs:fc:r:a:functions/f', region: 'r', accountId: 'a', qualifier: 'LATEST' },
    revision,
    log: () => {},
    signal: new AbortController().signal,
  });
  const req = { requestId: 'r', body: Buffer.from('x'), headers: {}, kind: 'event' as const, timeoutMs: 3000 };
  const first = await pool.invoke(prepared, req);
  const second = await pool.invoke(prepared, req);
  assert.equal(first.instanceId, second.instanceId);
  assert.deepEqual([first.coldStart, second.coldStart], [true, false]);
  await pool.drainAll();
  clock.dispose();
  return backend.calls.map((c) => c.split(' ')[0]!);
}

describe('instance pool freezing', () => {
  it('freezes an instance between invocations and thaws it for the next one, by default', async () => {
    assert.deepEqual(await twoInvocations(undefined), ['freeze', 'thaw', 'freeze']);
  });

  it('leaves instances running when freezing is turned off', async () => {
    assert.deepEqual(await twoInvocations(false), []);
  });
});
