/**
 * Real handlers behind InvokeFunction with the process backend, driven by the official SDK: a built-in Node.js handler
 * with an initializer, a custom-runtime server, and update rollover to new code; no process left after stop().
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, localfcWithClient, withLocalfcClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const nodeZip = (greeting: string) =>
  createZip([
    { path: 'index.js', data: `let inits = 0;\nexports.init = (ctx, cb) => { inits++; cb(null, ''); };\nexports.handler = (ev, ctx, cb) => cb(null, JSON.stringify({ greeting: '${greeting}', event: ev.toString(), inits, fn: ctx.function.name }));\n` },
  ]).toString('base64');

const serverZip = createZip([
  {
    path: 'server.js',
    data: `require('http').createServer((req, res) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => res.end(req.url + ':' + b.toUpperCase())); }).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');\n`,
  },
]).toString('base64');

/** A custom runtime's server answering an event with it and how many times its instance was initialized. */
const countingServerZip = createZip([
  {
    path: 'server.js',
    data: `let inits = 0;\nrequire('http').createServer((req, res) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => { if (req.url === '/initialize') { inits++; return res.end(''); } res.end(JSON.stringify({ event: b, inits })); }); }).listen(Number(process.env.FC_SERVER_PORT));\n`,
  },
]).toString('base64');

describe('process backend through the SDK', () => {
  const advance = (ms: number) => advanceClock(local.fc, ms);
  const invoke = async (name: string, body: string) => {
    const res = await local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event(body) }));
    return { body: await readBody(res.body!), headers: res.headers! };
  };

  // The rollover test needs an update's InProgress window, during which the old code serves (off by default).
  const local = localfcWithClient({ clock: 'manual', backend: 'process', timing: { codePreparationMs: 1000 } });

  it('an instance that dies mid-invocation: that call gets the cloud error, the next one a fresh instance', async () => {
    const zip = createZip([{ path: 'index.js', data: `exports.handler = (ev, ctx, cb) => { if (ev.toString() === 'die') process.exit(7); cb(null, 'alive'); };\n` }]).toString('base64');
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'mortal', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
    await advance(1000);
    const before = await invoke('mortal', 'hi');
    assert.equal(before.body, 'alive');
    const died = await local.client.invokeFunction('mortal', new $FC.InvokeFunctionRequest({ body: event('die') })).then(
      async (r) => ({ status: r.statusCode, errorType: r.headers?.['x-fc-error-type'], body: await readBody(r.body!) }),
      (e: { statusCode: number; code: string }) => ({ status: e.statusCode, code: e.code }),
    );
    // However it is reported (an error response or an unhandled-error result), the call fails and says so.
    assert.ok(('errorType' in died && died.errorType === 'UnhandledInvocationError') || (died.status ?? 0) >= 500, JSON.stringify(died));
    const after = await invoke('mortal', 'hi');
    assert.equal(after.body, 'alive');
    assert.notEqual(after.headers['x-fc-instance-id'], before.headers['x-fc-instance-id'], 'the dead instance is replaced');
  });

  it('runs a built-in Node.js handler with its initializer, and rolls over to new code after an update', async () => {
    await local.client.createFunction(
      new $FC.CreateFunctionRequest({
        body: new $FC.CreateFunctionInput({
          functionName: 'greeter', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: nodeZip('hello') }),
          instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({ initializer: new $FC.LifecycleHook({ handler: 'index.init', timeout: 5 }) }),
        }),
      }),
    );
    await advance(1000);
    const first = JSON.parse((await invoke('greeter', 'ping')).body) as Record<string, unknown>;
    assert.deepEqual(first, { greeting: 'hello', event: 'ping', inits: 1, fn: 'greeter' });
    const second = JSON.parse((await invoke('greeter', 'again')).body) as Record<string, unknown>;
    assert.equal(second.inits, 1, 'the warm instance is reused and not initialised twice');

    await local.client.updateFunction('greeter', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ code: new $FC.InputCodeLocation({ zipFile: nodeZip('bonjour') }) }) }));
    assert.equal((JSON.parse((await invoke('greeter', 'x')).body) as { greeting: string }).greeting, 'hello', 'old code while InProgress');
    await advance(1000);
    assert.equal((JSON.parse((await invoke('greeter', 'x')).body) as { greeting: string }).greeting, 'bonjour');
  });

  it('runs a custom-runtime server on the port FC gives it', async () => {
    await local.client.createFunction(
      new $FC.CreateFunctionRequest({
        body: new $FC.CreateFunctionInput({
          functionName: 'custom', runtime: 'custom.debian10', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: serverZip }),
          customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'] }),
        }),
      }),
    );
    await advance(1000);
    assert.equal((await invoke('custom', 'abc')).body, '/invoke:ABC');
  });

  it('a zip whose handler file is missing deploys Active; each invocation fails with the runtime\'s ImportModuleError, as on FC', async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'nohandler', runtime: 'nodejs20', handler: 'missing.handler', code: new $FC.InputCodeLocation({ zipFile: nodeZip('x') }) }) }));
    await advance(1000);
    assert.equal((await local.client.getFunction('nohandler', new $FC.GetFunctionRequest({}))).body!.state, 'Active');
    const res = await invoke('nohandler', 'x');
    assert.equal(res.headers['x-fc-error-type'], 'UnhandledInvocationError');
    assert.deepEqual(JSON.parse(res.body).errorType, 'ImportModuleError');
    assert.match(JSON.parse(res.body).errorMessage, /Cannot find module 'missing'/);
    // The fix ships as an update, which goes through (it was left unapplied while deploys checked the file).
    await local.client.updateFunction('nohandler', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ handler: 'index.handler' }) }));
    await advance(1000);
    assert.equal((await local.client.getFunction('nohandler', new $FC.GetFunctionRequest({}))).body!.lastUpdateStatus, 'Successful');
    assert.equal((await invoke('nohandler', 'x')).headers['x-fc-error-type'], undefined);
  });

  it('a Python handler named by a dotted module path (src.main.handler) runs src/main.py, as importlib resolves it', async () => {
    const zip = createZip([{ path: 'src/main.py', data: 'def handler(event, context):\n    return "dotted:" + event.decode()\n' }]).toString('base64');
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'dotted', runtime: 'python3.10', handler: 'src.main.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
    await advance(1000);
    assert.equal((await invoke('dotted', 'ok')).body, 'dotted:ok');
  });
});

describe('process backend under a burst', () => {
  // A custom runtime: FC 3.0 runs built-in runtimes one request per instance whatever instanceConcurrency says.
  it('200 concurrent invocations of a custom runtime: none lost, at most ceil(200 / instanceConcurrency) instances, initializer once per instance', async () => {
    await withLocalfcClient({ clock: 'manual', backend: 'process' }, async ({ fc, client }) => {
      await client.createFunction(
        new $FC.CreateFunctionRequest({
          body: new $FC.CreateFunctionInput({
            functionName: 'burst', runtime: 'custom.debian10', handler: 'index.handler', instanceConcurrency: 50, code: new $FC.InputCodeLocation({ zipFile: countingServerZip }),
            customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'] }),
            instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({ initializer: new $FC.LifecycleHook({ handler: 'index.init', timeout: 5 }) }),
          }),
        }),
      );
      await advanceClock(fc, 1000);
      const results = await Promise.all(
        Array.from({ length: 200 }, async (_, i) => {
          const res = await client.invokeFunction('burst', new $FC.InvokeFunctionRequest({ body: event(`e${i}`) }));
          return { body: JSON.parse(await readBody(res.body!)) as { event: string; inits: number }, instance: res.headers!['x-fc-instance-id'] };
        }),
      );
      assert.deepEqual(results.map((r) => r.body.event).sort(), Array.from({ length: 200 }, (_, i) => `e${i}`).sort());
      assert.ok(results.every((r) => r.body.inits === 1));
      const instances = new Set(results.map((r) => r.instance)).size;
      assert.ok(instances >= 1 && instances <= 4, `${instances} instances for 200 requests at concurrency 50`);
    });
  });
});
