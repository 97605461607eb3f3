/**
 * Context, logging and errors as FC's runtime pages document them, with handlers written as those pages write them,
 * through the official SDK on the process backend: Node.js (CJS, ESM) and Python loggers in FC's format, the context's
 * service/tracing/function fields, the qualifier reaching a version's or alias's instances (and fault rules that name
 * it), a failing initializer's 200 + InitializationError, and a web server's non-JSON answer to InvokeFunction.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, localfcWithClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';
import { waitFor } from '../helpers/wait.ts';

const zip = (files: Record<string, string>) => createZip(Object.entries(files).map(([path, data]) => ({ path, data }))).toString('base64');
/** FC's log line: `<ISO time> <requestId> [LEVEL] message`. */
const fcLine = (requestId: string, level: string, message: string) => new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z ${requestId} \\[${level}\\] ${message}$`, 'm');

describe('context, logging and errors (process backend, official SDK)', () => {
  const create = (functionName: string, runtime: string, files: Record<string, string>, extra: Record<string, unknown> = {}) =>
    local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName, runtime, handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip(files) }), ...extra }) }));
  const invoke = async (name: string, qualifier?: string) => {
    const res = await local.client.invokeFunctionWithOptions(
      name,
      new $FC.InvokeFunctionRequest({ body: event('{"key":"value"}'), ...(qualifier ? { qualifier } : {}) }),
      new $FC.InvokeFunctionHeaders({ xFcLogType: 'Tail' }),
      {} as never,
    );
    const headers = res.headers!;
    return { status: res.statusCode!, headers, body: await readBody(res.body!), log: Buffer.from(headers['x-fc-log-result'] ?? '', 'base64').toString(), requestId: headers['x-fc-request-id']! };
  };

  const local = localfcWithClient({ clock: 'manual', backend: 'process' });

  it('Node.js (CommonJS): context.logger in FC format, context.service/tracing/function; the qualifier reaches a version and an alias', async () => {
    await create('node-ctx', 'nodejs20', {
      'index.js': `'use strict';
exports.handler = (event, context, callback) => {
  context.logger.info('hello world');
  callback(null, JSON.stringify({ fn: context.function, service: context.service, tracing: typeof context.tracing, env: process.env.FC_QUALIFIER, ver: process.env.FC_VER_ID }));
};
`,
    });
    await advanceClock(local.fc, 1000);
    const latest = await invoke('node-ctx');
    assert.match(latest.log, fcLine(latest.requestId, 'info', 'hello world'));
    assert.match(latest.log, /^FC Invoke Start RequestId: /, 'a built-in runtime frames the log tail');
    const seen = JSON.parse(latest.body) as { fn: Record<string, unknown>; service: Record<string, unknown>; tracing: string; env: string };
    assert.equal(seen.fn.name, 'node-ctx');
    assert.equal(seen.fn.qualifier, 'LATEST');
    assert.equal(seen.tracing, 'object');
    assert.deepEqual(seen.service, { logProject: '', logStore: '', qualifier: 'LATEST', versionId: 'LATEST' });
    assert.equal(seen.env, 'LATEST');

    await local.client.publishFunctionVersion('node-ctx', new $FC.PublishFunctionVersionRequest({ body: new $FC.PublishVersionInput({ description: 'v1' }) }));
    await local.client.createAlias('node-ctx', new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: 'prod', versionId: '1' }) }));
    const prod = await invoke('node-ctx', 'prod');
    const viaAlias = JSON.parse(prod.body) as typeof seen & { ver: string };
    assert.deepEqual(viaAlias.service, { logProject: '', logStore: '', qualifier: 'prod', versionId: '1' }, 'qualifier: what the caller named; versionId: what served');
    assert.equal(viaAlias.fn.qualifier, 'prod');
    assert.equal(viaAlias.env, '1', "the instance is version 1's own");
    assert.equal(viaAlias.ver, '1');
    assert.notEqual(prod.headers['x-fc-instance-id'], latest.headers['x-fc-instance-id'], 'a version runs its own instances');
  });

  it('Node.js and Python: context.function and context.credentials, with and without a role and an initializer', async () => {
    const node = `exports.init = (context, callback) => callback(null, '');
exports.handler = (event, context, callback) => callback(null, JSON.stringify({ fn: context.function, creds: context.credentials, region: context.region, accountId: context.accountId }));
`;
    const python = `def init(context):
    pass

def handler(event, context):
    import json
    f, c = context.function, context.credentials
    return json.dumps({'fn': {'name': f.name, 'handler': f.handler, 'memory': f.memory, 'timeout': f.timeout, 'initializer': f.initializer, 'initializationTimeout': f.initialization_timeout, 'qualifier': f.qualifier, 'versionId': f.version_id},
                       'creds': {'accessKeyId': c.access_key_id, 'accessKeySecret': c.access_key_secret, 'securityToken': c.security_token}, 'region': context.region, 'accountId': context.account_id})
`;
    const hooked = { passthrough: { role: 'acs:ram::1234567890123456:role/fc' }, instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({ initializer: new $FC.LifecycleHook({ handler: 'index.init', timeout: 7 }) }) };
    for (const [runtime, files] of [['nodejs20', { 'index.js': node }], ['python3.10', { 'index.py': python }]] as const) {
      const tag = runtime.replace(/\W/g, '');
      await create(`plain-${tag}`, runtime, files, { memorySize: 256, timeout: 9 });
      await create(`hooked-${tag}`, runtime, files, { memorySize: 1024, timeout: 20, role: hooked.passthrough.role, instanceLifecycleConfig: hooked.instanceLifecycleConfig });
    }
    await advanceClock(local.fc, 1000);
    for (const tag of ['nodejs20', 'python310']) {
      const plain = JSON.parse((await invoke(`plain-${tag}`)).body) as { fn: Record<string, unknown>; creds: Record<string, string>; region: string; accountId: string };
      assert.deepEqual(plain.fn, { name: `plain-${tag}`, handler: 'index.handler', memory: 256, timeout: 9, initializer: '', initializationTimeout: 3, qualifier: 'LATEST', versionId: 'LATEST' }, tag);
      assert.deepEqual(plain.creds, { accessKeyId: '', accessKeySecret: '', securityToken: '' }, `${tag}: no role, no credentials`);
      assert.ok(plain.region && plain.accountId, tag);
      const withHooks = JSON.parse((await invoke(`hooked-${tag}`)).body) as typeof plain;
      assert.deepEqual(withHooks.fn, { name: `hooked-${tag}`, handler: 'index.handler', memory: 1024, timeout: 20, initializer: 'index.init', initializationTimeout: 7, qualifier: 'LATEST', versionId: 'LATEST' }, tag);
      assert.deepEqual(withHooks.creds, { accessKeyId: 'LOCALFC_ACCESS_KEY_ID', accessKeySecret: 'LOCALFC_ACCESS_KEY_SECRET', securityToken: 'LOCALFC_SECURITY_TOKEN' }, `${tag}: a role's credentials`);
    }
  });

  it('Node.js (ESM) and Python: the runtime loggers print FC format', async () => {
    await create('esm', 'nodejs20', { 'index.mjs': `export const handler = async (event, context) => { context.logger.warn('careful'); return 'esm ok'; };\n` });
    await create('py-log', 'python3.10', {
      'index.py': `# -*- coding: utf-8 -*-
import logging

def handler(event, context):
    logger = logging.getLogger()
    logger.info('hello world')
    context.getLogger().error('from context')
    return 'py ok ' + context.service.qualifier + ' ' + str(context.tracing is not None)
`,
    });
    await advanceClock(local.fc, 1000);
    const esm = await invoke('esm');
    assert.equal(esm.body, 'esm ok');
    assert.match(esm.log, fcLine(esm.requestId, 'warn', 'careful'));
    const py = await invoke('py-log');
    assert.equal(py.body, 'py ok LATEST True');
    assert.match(py.log, fcLine(py.requestId, 'INFO', 'hello world'));
    assert.match(py.log, fcLine(py.requestId, 'ERROR', 'from context'));
  });

  it('a failing initializer: 200, x-fc-error-type InitializationError, the error in the body; fault rules naming an alias fire at its cold start', async () => {
    await create('bad-init', 'nodejs20', {
      'index.js': `exports.initialize = (context, callback) => callback(new Error('db unreachable'));\nexports.handler = (event, context, callback) => callback(null, 'never');\n`,
    }, { instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({ initializer: new $FC.LifecycleHook({ handler: 'index.initialize', timeout: 5 }) }) });
    await create('aliased', 'nodejs20', { 'index.js': `exports.handler = (event, context, callback) => callback(null, 'fine');\n` });
    await advanceClock(local.fc, 1000);
    const res = await invoke('bad-init');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-fc-error-type'], 'InitializationError');
    assert.equal((JSON.parse(res.body) as { errorMessage: string }).errorMessage, 'db unreachable');

    await local.client.publishFunctionVersion('aliased', new $FC.PublishFunctionVersionRequest({ body: new $FC.PublishVersionInput({}) }));
    await local.client.createAlias('aliased', new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: 'prod', versionId: '1' }) }));
    const rule = await fetch(`${local.fc.url}/_localfc/faults`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ match: { phase: 'coldStart', functionName: 'aliased', qualifier: 'prod' }, effect: { type: 'error', code: 'ColdStartBroke', status: 503 } }) });
    assert.ok(rule.ok, await rule.text());
    assert.equal((await invoke('aliased')).body, 'fine', 'LATEST is not prod');
    const failed = await local.client.invokeFunction('aliased', new $FC.InvokeFunctionRequest({ qualifier: 'prod', body: event('x') })).catch((e: { code: string }) => e);
    assert.equal((failed as { code: string }).code, 'ColdStartBroke');
  });

  it('initializer and preStop output stays in the function timeline after the instance is gone; hook request ids look like invocation ids', async () => {
    await create('hooked', 'nodejs20', {
      'index.js': `exports.initialize = (context, callback) => { console.log('warming up ' + context.requestId); callback(null, ''); };
exports.preStop = (context, callback) => { console.log('bye ' + context.requestId); callback(null, ''); };
exports.handler = (event, context, callback) => callback(null, 'served');
`,
    }, { instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({ initializer: new $FC.LifecycleHook({ handler: 'index.initialize', timeout: 5 }), preStop: new $FC.LifecycleHook({ handler: 'index.preStop', timeout: 5 }) }) });
    await advanceClock(local.fc, 1000);
    const served = await invoke('hooked');
    assert.equal(served.body, 'served');
    await advanceClock(local.fc, 600_000); // idle past instanceIdleMs: the instance is reclaimed, preStop first
    // The reclaim runs after the clock moved (stopping a process takes real time): wait until the instance is gone.
    const timeline = await waitFor('the reclaimed instance', async () => {
      const t = ((await (await fetch(`${local.fc.url}/_localfc/functions/hooked/timeline`)).json()) as { timeline: Array<{ event: string; detail?: { requestId?: string; output?: string } }> }).timeline;
      return t.some((e) => e.event === 'instance.stopped') ? t : undefined;
    });
    const idForm = /^1-[0-9a-f]+-[0-9a-f]{8}-[0-9a-f]{12}$/;
    assert.match(served.requestId, idForm);
    for (const [event, printed] of [['instance.initializer', 'warming up'], ['instance.preStop', 'bye']] as const) {
      const hook = timeline.find((t) => t.event === event);
      assert.ok(hook, `${event} in ${JSON.stringify(timeline.map((t) => t.event))}`);
      assert.match(hook.detail?.requestId ?? '', idForm);
      assert.match(hook.detail?.output ?? '', new RegExp(`${printed} ${hook.detail?.requestId}`));
    }
    assert.ok(timeline.some((t) => t.event === 'instance.stopped'), 'the instance is gone');
  });

  it('InvokeFunction on a web server that answers HTML (no /invoke route): the SDK gets the bytes, not a SyntaxError', async () => {
    const server = `require('http').createServer((req, res) => { res.writeHead(404, { 'content-type': 'text/html' }); res.end('<!DOCTYPE html><title>Error</title><pre>Cannot ' + req.method + ' ' + req.url + '</pre>'); }).listen(Number(process.env.FC_SERVER_PORT));\n`;
    await create('web', 'custom.debian10', { 'server.js': server }, { customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'] }) });
    await advanceClock(local.fc, 1000);
    const res = await invoke('web');
    assert.equal(res.status, 200);
    assert.equal(res.headers['x-fc-error-type'], 'UnhandledInvocationError');
    assert.equal(res.body, '<!DOCTYPE html><title>Error</title><pre>Cannot POST /invoke</pre>');
  });
});
