/**
 * What localfc keeps of a busy function's history: its timeline shows every state transition and the last 500 other
 * entries (invocations, faults, instance starts), and a simulated instance's log the last 100 invocations, however
 * many came before (the oldest are dropped in batches, unseen).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { advanceClock } from '../helpers/clock.ts';
import { createZip } from '../helpers/zip.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');

describe('history limits of a busy function', () => {
  let fc: RunningLocalfc;
  const ids: string[] = [];
  before(async () => {
    fc = await start({ clock: 'manual' });
    const res = await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'busy', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip } }) });
    assert.equal(res.status, 200, await res.text());
    await advanceClock(fc, 1000);
    // 720 calls: past both limits, and past the point where the oldest are dropped (at least once for each).
    for (let i = 0; i < 720; i++) {
      const r = await fetch(`${fc.url}/2023-03-30/functions/busy/invocations`, { method: 'POST', body: `call ${i}`, signal: AbortSignal.timeout(60_000) });
      assert.equal(await r.text(), `call ${i}`);
      ids.push(r.headers.get('x-fc-request-id')!);
    }
  });
  after(() => fc.stop());

  it('the timeline keeps the state history and shows the last 500 invocations, ending with the last one', async () => {
    for (const extra of [0, 1]) {
      const { timeline } = (await (await fetch(`${fc.url}/_localfc/functions/busy/timeline`)).json()) as { timeline: Array<{ kind: string; event: string; state?: string; detail?: { requestId?: string } }> };
      assert.equal(timeline.length, 502);
      // The deploy (Pending, then Active) is still there, 721 invocations later.
      assert.deepEqual(timeline.slice(0, 2).map((t) => [t.event, t.state]), [['create', 'Pending'], ['prepared', 'Active']]);
      assert.deepEqual(timeline.slice(2).map((t) => t.detail?.requestId), ids.slice(-500));
      if (extra) break;
      // One more call: still 500, the window moved by one.
      const r = await fetch(`${fc.url}/2023-03-30/functions/busy/invocations`, { method: 'POST', body: 'one more' });
      await r.arrayBuffer();
      ids.push(r.headers.get('x-fc-request-id')!);
    }
  });

  it("a simulated instance's log holds the last 100 invocations", async () => {
    const { instances } = (await (await fetch(`${fc.url}/_localfc/functions/busy/instances`)).json()) as { instances: Array<{ instanceId: string }> };
    assert.equal(instances.length, 1);
    const logs = await (await fetch(`${fc.url}/_localfc/functions/busy/instances/${instances[0]!.instanceId}/logs`)).text();
    const started = [...logs.matchAll(/FC Invoke Start RequestId: (\S+)/g)].map((m) => m[1]);
    assert.deepEqual(started, ids.slice(-100));
  });
});
