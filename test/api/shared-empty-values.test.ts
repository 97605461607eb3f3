/**
 * Functions that set no environment variables, passthrough fields, layers or tags share one empty value each (issue
 * 16's memory row), and their versions and aliases are made on first use: what one function is given or publishes
 * never shows on another, and each still answers.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { createZip } from '../helpers/zip.ts';

const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');
let lf: RunningLocalfc;

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${lf.url}/2023-03-30${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
  const text = await res.text();
  assert.ok(res.status < 300, `${method} ${path}: ${res.status} ${text}`);
  return text ? (JSON.parse(text) as Record<string, unknown>) : {};
};
const create = (functionName: string) => call('POST', '/functions', { functionName, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } });

before(async () => {
  lf = await start({ port: 0, log: 'silent' });
});
after(() => lf.stop());

it('two functions without them share the empty values; setting them on one leaves the other as it was', async () => {
  await create('a');
  await create('b');
  const config = (name: string) => lf.localfc.functions.get(name).latest.config;
  assert.equal(config('a').environmentVariables, config('b').environmentVariables);
  assert.equal(config('a').passthrough, config('b').passthrough);
  assert.equal(config('a').layers, config('b').layers);
  assert.equal(lf.localfc.functions.get('a').tags, lf.localfc.functions.get('b').tags);

  await call('PUT', '/functions/a', { environmentVariables: { K: 'v' }, role: 'acs:ram::1:role/r', description: 'changed' });
  await call('POST', '/tags-v2', { ResourceId: [lf.localfc.functions.get('a').functionArn], ResourceType: 'function', Tag: [{ Key: 'k', Value: 'v' }] });
  const a = await call('GET', '/functions/a');
  const b = await call('GET', '/functions/b');
  assert.deepEqual(a.environmentVariables, { K: 'v' });
  assert.equal(a.role, 'acs:ram::1:role/r');
  assert.deepEqual(a.tags, [{ Key: 'k', Value: 'v' }]);
  assert.deepEqual(b.environmentVariables, {});
  assert.equal(b.role, undefined);
  assert.deepEqual(b.tags ?? [], []);
  assert.deepEqual(b.layers ?? [], []);

  // Versions and aliases of one function are its own.
  await call('POST', '/functions/a/versions', { description: 'v1' });
  await call('POST', '/functions/a/aliases', { aliasName: 'live', versionId: '1' });
  assert.equal(((await call('GET', '/functions/a/versions')).versions as unknown[]).length, 1);
  assert.deepEqual((await call('GET', '/functions/b/versions')).versions, []);
  assert.deepEqual((await call('GET', '/functions/b/aliases')).aliases, []);
  for (const [name, qualifier] of [['a', 'live'], ['a', 'LATEST'], ['b', 'LATEST']] as const) {
    const res = await fetch(`${lf.url}/2023-03-30/functions/${name}/invocations?qualifier=${qualifier}`, { method: 'POST', body: '{}' });
    assert.equal(res.status, 200, `${name}:${qualifier} ${await res.text()}`);
  }
});
