/**
 * Handler mistakes on the process backend answer as FC answers them, through the official SDK: a function error
 * (200, x-fc-error-type, an error JSON body the SDK returns), never an API error the SDK throws. A Python handler
 * that calls sys.exit(), and a Node.js one that calls process.exit(), get FC's "Process exited unexpectedly before
 * completing request" and the next call a new instance; a result the runtime cannot serialise (a Python set, an
 * object, the coroutine of an `async def`; a circular object or BigInt in Node.js) is the handler's TypeError, in FC's
 * error shape, and the instance lives on. Real server, real interpreters.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, localfcWithClient } from '../helpers/sdk.ts';

const python = `import sys

class Thing(object):
    pass

async def coro(event, context):
    return 'async py'

def handler(event, context):
    what = event.decode()
    print('doing', what)
    if what == 'exit':
        sys.exit(2)
    if what == 'set':
        return {1, 2}
    if what == 'object':
        return Thing()
    return 'alive'
`;

const node = `exports.handler = async (event) => {
  const what = event.toString();
  console.log('doing', what);
  if (what === 'exit') process.exit(3);
  if (what === 'circular') { const o = {}; o.self = o; return o; }
  if (what === 'bigint') return { n: 1n };
  return 'alive';
};
`;

describe('handler mistakes answer as FC does (process backend, SDK)', () => {
  const invoke = async (name: string, body: string) => {
    const res = await local.client.invokeFunctionWithOptions(name, new $FC.InvokeFunctionRequest({ body: event(body) }), new $FC.InvokeFunctionHeaders({ xFcLogType: 'Tail' }), {} as never);
    const h = res.headers!;
    return { status: res.statusCode, errorType: h['x-fc-error-type'], instanceId: h['x-fc-instance-id'], text: await readBody(res.body!), log: Buffer.from(String(h['x-fc-log-result'] ?? ''), 'base64').toString() };
  };
  const create = (functionName: string, runtime: string, path: string, data: string, handler = 'index.handler') =>
    local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName, runtime, handler, code: new $FC.InputCodeLocation({ zipFile: createZip([{ path, data }]).toString('base64') }) }) }));

  const local = localfcWithClient({ clock: 'manual', log: 'silent', backend: 'process', timing: { codePreparationMs: 0 } });
  before(async () => {
    await create('py', 'python3.10', 'index.py', python);
    await create('pyasync', 'python3.10', 'index.py', python, 'index.coro');
    await create('js', 'nodejs20', 'index.js', node);
  });

  it('Python sys.exit(): FC\'s process-exit error, the printed line in the tail, then a new instance', async () => {
    const alive = await invoke('py', 'hi');
    assert.equal(alive.text, 'alive');
    const died = await invoke('py', 'exit');
    assert.equal(died.status, 200);
    assert.equal(died.errorType, 'UnhandledInvocationError');
    assert.match(JSON.parse(died.text).errorMessage, /^Process exited unexpectedly before completing request \(duration: \d+ms\)$/, died.text);
    assert.deepEqual(Object.keys(JSON.parse(died.text)), ['errorMessage']);
    assert.match(died.log, /doing exit/);
    const again = await invoke('py', 'hi');
    assert.equal(again.text, 'alive');
    assert.notEqual(again.instanceId, alive.instanceId);
  });

  for (const [what, message] of [
    ['set', 'Object of type set is not JSON serializable'],
    ['object', 'Object of type Thing is not JSON serializable'],
  ] as const) {
    it(`a Python handler returning a ${what}: a TypeError function error, the instance lives on`, async () => {
      const alive = await invoke('py', 'hi');
      const res = await invoke('py', what);
      assert.equal(res.status, 200);
      assert.equal(res.errorType, 'UnhandledInvocationError');
      const body = JSON.parse(res.text);
      assert.equal(body.errorType, 'TypeError');
      assert.equal(body.errorMessage, message);
      assert.ok(Array.isArray(body.stackTrace));
      const after = await invoke('py', 'hi');
      assert.equal(after.instanceId, alive.instanceId, 'the instance was not lost');
    });
  }

  it('an async def Python handler: its coroutine cannot be returned, a TypeError function error', async () => {
    const res = await invoke('pyasync', 'x');
    assert.equal(res.errorType, 'UnhandledInvocationError');
    assert.equal(JSON.parse(res.text).errorMessage, 'Object of type coroutine is not JSON serializable');
  });

  it('Node.js process.exit(): FC\'s message, not an old output line', async () => {
    const alive = await invoke('js', 'hi');
    const died = await invoke('js', 'exit');
    assert.equal(died.errorType, 'UnhandledInvocationError');
    assert.deepEqual(Object.keys(JSON.parse(died.text)), ['errorMessage']);
    assert.match(JSON.parse(died.text).errorMessage, /^Process exited unexpectedly before completing request \(duration: \d+ms\)$/);
    assert.match(died.log, /doing exit/);
    assert.notEqual((await invoke('js', 'hi')).instanceId, alive.instanceId);
  });

  for (const what of ['circular', 'bigint']) {
    it(`a Node.js handler returning a ${what} value: a TypeError in FC's error JSON`, async () => {
      const res = await invoke('js', what);
      assert.equal(res.status, 200);
      assert.equal(res.errorType, 'UnhandledInvocationError');
      const body = JSON.parse(res.text);
      assert.equal(body.errorType, 'TypeError');
      assert.match(body.errorMessage, what === 'circular' ? /circular structure/ : /BigInt/);
      assert.ok(Array.isArray(body.stackTrace));
    });
  }
});
