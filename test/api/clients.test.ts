/**
 * New-user trials against a fresh localfc with default settings, as reference/fc3-definition/clients.json describes
 * the clients: Terraform's request sequence for a function + version + trigger (raw JSON with the keys Terraform adds,
 * no waiting on state), and the Go SDK's null-filled bodies; a code-package function is invocable as soon as
 * CreateFunction returns, a custom container stays Pending while its image is prepared.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../../src/code/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { goShaped } from '../helpers/definition.ts';

const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');

describe('real clients against default settings', () => {
  let fc: RunningLocalfc;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fc.url}/2023-03-30${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    assert.ok(res.status < 300, `${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  before(async () => {
    fc = await start({});
  });
  after(() => fc.stop());

  it('Terraform: function (with Tags), version right away, trigger polled for triggerId, update with functionName, read back', async () => {
    const fn = await ok('POST', '/functions', { functionName: 'tf', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile }, memorySize: 512, Tags: [{ Key: 'k', Value: 'v' }] });
    assert.equal(fn.state, 'Active');
    await ok('POST', '/tags-v2', { ResourceId: [fn.functionArn], ResourceType: 'function', Tag: [{ Key: 'k', Value: 'v' }] });
    const version = await ok('POST', '/functions/tf/versions', { description: 'v1' });
    const read = await ok('GET', `/functions/tf?qualifier=${String(version.versionId)}`);
    assert.equal(read.functionName, 'tf');
    const trigger = await ok('POST', '/functions/tf/triggers', { triggerName: 'web', triggerType: 'http', triggerConfig: '{"authType":"anonymous","methods":["GET"]}', qualifier: 'LATEST' });
    assert.ok(trigger.triggerId);
    assert.ok((await ok('GET', '/functions/tf/triggers/web')).triggerId);
    await ok('PUT', '/functions/tf', { functionName: 'tf', handler: 'index.handler', description: 'changed' });
    const after = await ok('GET', '/functions/tf');
    assert.equal(after.description, 'changed');
    assert.equal(after.lastUpdateStatus, 'Successful');
    assert.deepEqual(after.tags, [{ Key: 'k', Value: 'v' }]);
    assert.ok((await ok('POST', '/functions/tf/versions', { description: 'v2' })).versionId);
  });

  it('Go SDK: a null-filled CreateFunction body, then an invocation at once', async () => {
    await ok('POST', '/functions', goShaped('CreateFunctionInput', { functionName: 'go', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } }));
    const res = await fetch(`${fc.url}/2023-03-30/functions/go/invocations`, { method: 'POST', body: 'ping' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ping');
  });

  it('a custom container stays Pending while its image is prepared; Serverless Devs waits for it', async () => {
    const created = await ok('POST', '/functions', { functionName: 'box', runtime: 'custom-container', customContainerConfig: { image: 'registry.example.com/ns/app:v1' } });
    assert.equal(created.state, 'Pending');
    const invoke = await fetch(`${fc.url}/2023-03-30/functions/box/invocations`, { method: 'POST', body: 'x' });
    assert.equal(invoke.status, 412);
  });
});
