/**
 * GetFunction shows every change at once, whatever it asked for before: its JSON is kept rendered per function record
 * and shown revision (api/routes/functions.ts), so each kind of change is checked right after a GetFunction of the
 * same function: an update, tags, the state moving on the clock, a version and an alias against LATEST, and a layer
 * deleted from under a function (its size then shows 0). Real server, plain HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
let fc: RunningLocalfc;
before(async () => {
  fc = await start({ clock: 'manual', timing: { codePreparationMs: 1000, updateMs: 1000 } });
});
after(() => fc.stop());

async function call(method: string, path: string, body?: unknown): Promise<Record<string, unknown>> {
  const res = await fetch(`${fc.url}/2023-03-30${path}`, { method, ...(body === undefined ? {} : { headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) }) });
  const text = await res.text();
  assert.ok(res.ok, `${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
}
const get = (name: string, qualifier?: string) => call('GET', `/functions/${name}${qualifier ? `?qualifier=${qualifier}` : ''}`);

it('shows the state, an update, tags, versions and aliases right after they change', async () => {
  const created = await call('POST', '/functions', { functionName: 'f', runtime: 'nodejs20', handler: 'index.handler', description: 'one', code: { zipFile: zip } });
  assert.equal((await get('f')).state, 'Pending');
  await fc.localfc.advanceClock(1000);
  assert.equal((await get('f')).state, 'Active');

  await call('PUT', '/functions/f', { description: 'two' });
  const updating = await get('f');
  assert.equal(updating.description, 'two');
  assert.equal(updating.lastUpdateStatus, 'InProgress');
  await fc.localfc.advanceClock(1000);
  assert.equal((await get('f')).lastUpdateStatus, 'Successful');

  await call('POST', '/tags-v2', { ResourceType: 'function', ResourceId: [created.functionArn], Tag: [{ Key: 'team', Value: 'a' }] });
  assert.deepEqual((await get('f')).tags, [{ Key: 'team', Value: 'a' }]);

  await call('POST', '/functions/f/versions', { description: 'v1' });
  await call('PUT', '/functions/f', { description: 'three' });
  await fc.localfc.advanceClock(1000);
  await call('POST', '/functions/f/aliases', { aliasName: 'prod', versionId: '1' });
  for (let i = 0; i < 2; i++) {
    assert.equal((await get('f', '1')).description, 'two');
    assert.equal((await get('f')).description, 'three');
    assert.equal((await get('f', 'prod')).description, 'two');
    assert.equal((await get('f', 'LATEST')).description, 'three');
  }
});

it('a deleted layer shows size 0 in a function that still names it', async () => {
  const layer = await call('POST', '/layers/lib/versions', { code: { zipFile: zip }, compatibleRuntime: ['nodejs20'] });
  await call('POST', '/functions', { functionName: 'g', runtime: 'nodejs20', handler: 'index.handler', layers: [layer.layerVersionArn], code: { zipFile: zip } });
  const before = (await get('g')).layers as Array<{ size: number }>;
  assert.ok(before[0]!.size > 0);
  await call('DELETE', '/layers/lib/versions/1');
  assert.deepEqual((await get('g')).layers, [{ arn: layer.layerVersionArn, size: 0 }]);
});
