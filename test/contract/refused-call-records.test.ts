/**
 * What a CI user finds for a call that failed: the RequestId the SDK's error carries is in the default text access log
 * line and in the function's timeline (refused invocations, injected invocation and API faults, async calls refused at
 * once); FC's own errors with a 5xx status (an injected fault, a throttle) are ordinary answers in the log, never an
 * "internal error" with a stack. Manual clock, official SDK, a server started through start() with the text log.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { adminApi } from '../helpers/fc-api.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = () => 1' }]).toString('base64');

describe('the request ids of refused calls, and 5xx answers in the log', () => {
  const lines: string[] = [];
  const admin = adminApi(() => local.fc.url);
  const create = (name: string) =>
    local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
  const invoke = (name: string, headers?: Record<string, string>) =>
    local.client.invokeFunctionWithOptions(name, new $FC.InvokeFunctionHeaders(headers ? { commonHeaders: headers } : {}), new $FC.InvokeFunctionRequest({ body: event('x') }), {} as never);
  const timeline = async (name: string) => (await admin('GET', `/functions/${name}/timeline`)).timeline as Array<{ kind: string; event: string; detail?: Record<string, unknown> }>;
  const fault = (match: object, effect: object) => admin('POST', '/faults', { match, effect, times: 1 });

  // Code packages take 1 s of clock time to prepare, so a new function is Pending (412) until the test advances.
  const local = localfcWithClient({ clock: 'manual', log: 'text', timing: { codePreparationMs: 1000 } }, { logLine: (l) => lines.push(l) });
  beforeEach(async () => {
    await admin('POST', '/reset');
    lines.length = 0;
  });

  it('a 412 FunctionNotActive: its RequestId is in the access line and in the rejected entry', async () => {
    await create('pending-fn');
    const err = await sdkError(invoke('pending-fn'));
    assert.equal(err.code, 'FunctionNotActive');
    const id = err.data.RequestId;
    assert.ok(lines.some((l) => new RegExp(`^POST /2023-03-30/functions/pending-fn/invocations 412 InvokeFunction \\d+ms ${id}$`).test(l)), lines.join('\n'));
    const rejected = (await timeline('pending-fn')).find((t) => t.event === 'rejected');
    assert.deepEqual(rejected?.detail, { requestId: id, code: 'FunctionNotActive', status: 412 });
  });

  it('an async call refused at once is in the timeline with its id too', async () => {
    await create('pending-async');
    const err = await sdkError(invoke('pending-async', { 'x-fc-invocation-type': 'Async' }));
    assert.equal(err.statusCode, 412);
    const rejected = (await timeline('pending-async')).find((t) => t.event === 'rejected');
    assert.deepEqual(rejected?.detail, { requestId: err.data.RequestId, code: 'FunctionNotActive', status: 412 });
  });

  it('injected 5xx faults (invocation throttle, crash, API error): ordinary answers, ids in the log and the fault entries', async () => {
    await create('orders');
    await local.fc.localfc.advanceClock(1000);
    await fault({ phase: 'invocation', functionName: 'orders' }, { type: 'throttle' });
    const throttled = await sdkError(invoke('orders'));
    assert.equal(throttled.statusCode, 503);
    await fault({ phase: 'invocation', functionName: 'orders' }, { type: 'crash' });
    const crashed = await sdkError(invoke('orders'));
    assert.equal(crashed.statusCode, 502);
    await fault({ phase: 'api', functionName: 'orders', operation: 'GetFunction' }, { type: 'error', code: 'ServiceUnavailable', status: 503 });
    const apiFailed = await sdkError(local.client.getFunction('orders', new $FC.GetFunctionRequest({})));
    assert.equal(apiFailed.statusCode, 503);


    assert.deepEqual(lines.filter((l) => l.startsWith('internal error')), [], 'FC errors are not internal errors');
    assert.ok(!lines.some((l) => /^\s+at /.test(l)), `no stack in the log: ${lines.join('\n')}`);
    for (const [err, line] of [
      [throttled, 'POST /2023-03-30/functions/orders/invocations 503 InvokeFunction'],
      [crashed, 'POST /2023-03-30/functions/orders/invocations 502 InvokeFunction'],
      [apiFailed, 'GET /2023-03-30/functions/orders 503 GetFunction'],
    ] as const) {
      assert.ok(lines.some((l) => l.startsWith(line) && l.endsWith(` ${err.data.RequestId}`)), `${line} … ${err.data.RequestId} in:\n${lines.join('\n')}`);
    }
    const entries = (await timeline('orders')).filter((t) => t.kind === 'fault' || t.event === 'rejected');
    assert.deepEqual(
      entries.map((t) => [t.event, t.detail?.requestId, t.detail?.code]),
      [
        ['fault.invocation', throttled.data.RequestId, undefined],
        ['rejected', throttled.data.RequestId, 'ResourceThrottled'],
        ['fault.invocation', crashed.data.RequestId, undefined],
        ['rejected', crashed.data.RequestId, 'BadResponse'],
        ['fault.api', apiFailed.data.RequestId, undefined],
      ],
    );
  });

  it('a successful call\'s access line stays as it was (its id is on the invoke line)', async () => {
    await create('fine');
    await local.fc.localfc.advanceClock(1000);
    await invoke('fine');
    assert.ok(lines.some((l) => /^POST \/2023-03-30\/functions\/fine\/invocations 200 InvokeFunction \d+ms$/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /^invoke fine:LATEST \S+ instance /.test(l)), lines.join('\n'));
  });
});
