/**
 * A built-in Python 3 handler with an initializer, run by the process backend and driven by the official SDK: the
 * returned value comes back, an exception sets x-fc-error-type, and the log tail carries what the handler printed.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, type FcClient, event, readBody, localfcWithClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const code = createZip([
  {
    path: 'index.py',
    data: `import json
inits = 0

def initialize(context):
    global inits
    inits += 1
    print('initialized', context.function.name)

def handler(event, context):
    ev = json.loads(event)
    print('handling', ev['name'], 'in', context.request_id)
    if ev.get('fail'):
        raise ValueError('bad name ' + ev['name'])
    return {'hello': ev['name'], 'inits': inits, 'fn': context.function.name}
`,
  },
]).toString('base64');

describe('Python 3 handler through the SDK (process backend)', () => {
  const invoke = async (body: unknown, tail = false) => {
    const res = await local.client.invokeFunctionWithOptions(
      'py',
      new $FC.InvokeFunctionRequest({ body: event(JSON.stringify(body)) }),
      new $FC.InvokeFunctionHeaders(tail ? { xFcLogType: 'Tail' } : {}),
      {} as Parameters<FcClient['invokeFunctionWithOptions']>[3],
    );
    return { body: await readBody(res.body!), headers: res.headers! };
  };

  const local = localfcWithClient({ clock: 'manual', backend: 'process' });
  before(async () => {
    await local.client.createFunction(
      new $FC.CreateFunctionRequest({
        body: new $FC.CreateFunctionInput({
          functionName: 'py', runtime: 'python3.10', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: code }),
          instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({ initializer: new $FC.LifecycleHook({ handler: 'index.initialize', timeout: 5 }) }),
        }),
      }),
    );
    await advanceClock(local.fc, 1000);
  });

  it('returns what the handler returned, initializer run once', async () => {
    const first = await invoke({ name: 'ana' });
    assert.deepEqual(JSON.parse(first.body), { hello: 'ana', inits: 1, fn: 'py' });
    assert.equal(first.headers['x-fc-error-type'], undefined);
    // The bootstrap's own HTTP server stays out of the answer (it named itself BaseHTTP/0.6 Python/3.x).
    assert.equal(first.headers.server, undefined);
    const second = await invoke({ name: 'bo' });
    assert.deepEqual(JSON.parse(second.body), { hello: 'bo', inits: 1, fn: 'py' });
  });

  it('an exception sets x-fc-error-type and the body names it', async () => {
    const r = await invoke({ name: 'zed', fail: true });
    assert.equal(r.headers['x-fc-error-type'], 'UnhandledInvocationError');
    const body = JSON.parse(r.body) as { errorMessage: string; errorType: string };
    assert.equal(body.errorMessage, 'bad name zed');
    assert.equal(body.errorType, 'ValueError');
  });

  it('x-fc-log-type: Tail returns what the handler printed', async () => {
    const r = await invoke({ name: 'cy' }, true);
    const encoded = r.headers['x-fc-log-result'];
    assert.ok(encoded, 'x-fc-log-result is set');
    const logs = Buffer.from(encoded, 'base64').toString('utf8');
    assert.match(logs, /handling cy in /);
    assert.match(logs, /FC Invoke Start RequestId: /);
    assert.doesNotMatch(logs, /handling bo/, 'only this invocation');
  });
});
