/**
 * A long jump of the manual clock over a frequent timer is a bounded catch-up, as health probes are: a day over
 * `@every 1s` fires the first MAX_CATCH_UP_FIRINGS firings and notes the skipped rest (it fired 86,400 invocations and
 * stalled every request for ~8 s), then the schedule goes on from the end of the jump.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { MAX_CATCH_UP_FIRINGS } from '../../src/domain/timer-scheduler.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';

type Entry = { at: number; event: string; detail?: { triggerName?: string; event?: string; skipped?: number; from?: string; until?: string } };

let fc: RunningLocalfc;
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${fc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  assert.equal(res.status, 200, await res.clone().text());
  return res.json() as Promise<Record<string, unknown>>;
};
const timeline = async (): Promise<Entry[]> => ((await (await fetch(`${fc.url}/_localfc/functions/tick/timeline`)).json()) as { timeline: Entry[] }).timeline;

before(async () => {
  fc = await start({ clock: 'manual' });
  await post('/2023-03-30/functions', { functionName: 'tick', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64') } });
  await post('/2023-03-30/functions/tick/triggers', { triggerName: 'sec', triggerType: 'timer', triggerConfig: JSON.stringify({ cronExpression: '@every 1s', payload: 'p', enable: true }) });
});
after(() => fc.stop());

it('advancing a day over @every 1s fires a bounded catch-up, notes what it skipped, and keeps the schedule', async () => {
  await post('/_localfc/clock/advance', { ms: 86_400_000 });
  const entries = await timeline();
  const fired = entries.filter((e) => e.event === 'trigger.fired');
  assert.equal(fired.length, MAX_CATCH_UP_FIRINGS + 1, 'the first firing and the catch-up after it');
  const times = fired.map((f) => (JSON.parse(f.detail!.event!) as { triggerTime: string }).triggerTime);
  assert.equal(times[0], '2024-01-01T00:00:01Z');
  assert.equal(times.at(-1), `2024-01-01T00:01:${String(MAX_CATCH_UP_FIRINGS + 1 - 60).padStart(2, '0')}Z`);
  const missed = entries.filter((e) => e.event === 'trigger.missed');
  assert.equal(missed.length, 1);
  assert.equal(missed[0]!.detail!.skipped, 86_400 - (MAX_CATCH_UP_FIRINGS + 1));
  assert.equal(missed[0]!.detail!.until, '2024-01-02T00:00:00.000Z');

  // From the end of the jump the timer keeps its one-second schedule.
  await post('/_localfc/clock/advance', { ms: 3000 });
  const after = (await timeline()).filter((e) => e.event === 'trigger.fired').slice(fired.length);
  assert.deepEqual(after.map((f) => (JSON.parse(f.detail!.event!) as { triggerTime: string }).triggerTime), ['2024-01-02T00:00:01Z', '2024-01-02T00:00:02Z', '2024-01-02T00:00:03Z']);
});
