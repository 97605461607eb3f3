/**
 * Async invocation as tasks, async invoke and concurrency configs, and Disable/EnableFunctionInvocation, through the
 * official SDK on the manual clock (retries and latency faults move only when the test advances time).
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { waitFor } from '../helpers/wait.ts';
import { adminApi } from '../helpers/fc-api.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');

describe('async invocation, function configs and invocation restriction through the official SDK', () => {
  const admin = adminApi(() => local.fc.url);
  const advance = (ms: number) => admin('POST', '/clock/advance', { ms });
  const create = async (functionName: string) => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
    await advance(1000);
  };
  const invokeAsync = (name: string, body: string, taskId?: string) =>
    local.client.invokeFunctionWithOptions(name, new $FC.InvokeFunctionRequest({ body: event(body) }), new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Async', ...(taskId ? { xFcAsyncTaskId: taskId } : {}) }), {} as never);
  const task = async (name: string, id: string) => (await local.client.getAsyncTask(name, id, new $FC.GetAsyncTaskRequest({}))).body!;
  const putAsyncConfig = (name: string, input: Record<string, unknown>, qualifier?: string) =>
    local.client.putAsyncInvokeConfig(name, new $FC.PutAsyncInvokeConfigRequest({ ...(qualifier ? { qualifier } : {}), body: new $FC.PutAsyncInvokeConfigInput(input) }));
  const failNext = (functionName: string, times: number) =>
    admin('POST', '/faults', { match: { phase: 'invocation', functionName }, effect: { type: 'error', code: 'BadResponse', status: 502 }, times });

  const local = localfcWithClient({ clock: 'manual' });
  beforeEach(() => admin('POST', '/reset'));

  it('async invoke: 202 with the request id and the named task id; GetAsyncTask shows Succeeded with the payloads', async () => {
    await create('a1');
    const res = await invokeAsync('a1', '{"job":1}', 'job-1');
    assert.equal(res.statusCode, 202);
    assert.match(res.headers!['x-fc-request-id']!, /^1-/);
    assert.equal(res.headers!['x-fc-async-task-id'], 'job-1');
    await advance(0);
    const t = await task('a1', 'job-1');
    assert.equal(t.status, 'Succeeded');
    assert.equal(t.returnPayload, '{"job":1}');
    assert.equal(t.taskPayload, '{"job":1}');
    assert.equal(t.requestId, res.headers!['x-fc-request-id']);
    assert.equal(t.alreadyRetriedTimes, 0);
    assert.equal(t.qualifier, 'LATEST');
    assert.match(t.functionArn!, /functions\/a1$/);
    assert.match(t.instanceId!, /./);
    assert.deepEqual(t.events!.map((e) => e.status), ['Enqueued', 'Running', 'Succeeded']);

    const dup = await sdkError(invokeAsync('a1', 'x', 'job-1'));
    assert.equal(dup.statusCode, 409);
    const missing = await sdkError(local.client.getAsyncTask('a1', 'nope', new $FC.GetAsyncTaskRequest({})));
    assert.equal(missing.statusCode, 404);
    const noFn = await sdkError(invokeAsync('nobody', 'x'));
    assert.equal(noFn.code, 'FunctionNotFound');
  });

  it('a failing attempt is retried with backoff on the clock, up to maxAsyncRetryAttempts, then Failed with onFailure recorded (an MNS queue: not delivered, Invalid)', async () => {
    await create('a2');
    await putAsyncConfig('a2', {
      asyncTask: true,
      maxAsyncRetryAttempts: 1,
      destinationConfig: new $FC.DestinationConfig({ onFailure: new $FC.Destination({ destination: 'acs:mns:cn-hangzhou:123:/queues/dlq/messages' }) }),
    });
    await failNext('a2', 2);
    const res = await invokeAsync('a2', 'x');
    const id = res.headers!['x-fc-async-task-id']!;
    assert.match(id, /./, 'asyncTask: true names every task');
    await advance(0);
    let t = await task('a2', id);
    assert.equal(t.status, 'Retrying');
    assert.match(t.taskErrorMessage!, /BadResponse/);
    await advance(499);
    assert.equal((await task('a2', id)).status, 'Retrying', 'first retry is 0.5 s after the failure');
    await advance(1);
    t = await task('a2', id);
    assert.equal(t.status, 'Failed');
    assert.equal(t.alreadyRetriedTimes, 1);
    assert.equal(t.destinationStatus, 'Invalid', 'localfc cannot reach MNS: no delivery is claimed');
    const last = t.events!.at(-1)!;
    assert.equal(last.status, 'Failed');
    assert.deepEqual(JSON.parse(last.eventDetail!).DestinationType, 'onFailure');
    assert.match(last.eventDetail!, /queues\/dlq/);
    assert.match(JSON.parse(last.eventDetail!).DestinationError, /not delivered/);
  });

  it('a destination that is a function of localfc gets FC\'s destination event as an async invocation, on success and on failure', async () => {
    for (const name of ['src', 'dest', 'dlq']) await create(name);
    const arn = (await local.client.getFunction('src', new $FC.GetFunctionRequest({}))).body!.functionArn!;
    const [, , region, accountId] = arn.split(':');
    await putAsyncConfig('src', {
      maxAsyncRetryAttempts: 0,
      destinationConfig: new $FC.DestinationConfig({
        onSuccess: new $FC.Destination({ destination: `acs:fc:${region}:${accountId}:functions/dest` }),
        // Serverless Devs' fc3 templates leave the account out.
        onFailure: new $FC.Destination({ destination: `acs:fc:${region}::functions/dlq/LATEST` }),
      }),
    });
    const tasksOf = async (name: string) => (await local.client.listAsyncTasks(name, new $FC.ListAsyncTasksRequest({ includePayload: true }))).body!.tasks ?? [];

    await invokeAsync('src', 'hello', 'ok-1');
    await advance(0);
    const ok = await task('src', 'ok-1');
    assert.equal(ok.status, 'Succeeded');
    assert.equal(ok.destinationStatus, 'Succeeded');
    const [delivered] = await tasksOf('dest');
    assert.ok(delivered, 'dest was invoked');
    assert.equal(delivered.status, 'Succeeded', 'the destination ran (the simulated backend echoes the event)');
    const sent = JSON.parse(delivered.taskPayload!) as Record<string, unknown>;
    assert.match(String(sent.timestamp), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    assert.deepEqual({ ...sent, timestamp: 0 }, {
      timestamp: 0,
      requestContext: { requestId: ok.requestId, functionArn: arn, condition: '', approximateInvokeCount: 1 },
      requestPayload: 'hello',
      responseContext: { statusCode: 200, functionError: '' },
      responsePayload: 'hello',
    });
    assert.equal(JSON.parse(delivered.returnPayload!).requestPayload, 'hello');
    assert.equal((await tasksOf('dlq')).length, 0, 'onFailure is not sent a success');

    await failNext('src', 1);
    await invokeAsync('src', 'boom', 'fail-1');
    await advance(0);
    const failed = await task('src', 'fail-1');
    assert.equal(failed.status, 'Failed');
    assert.equal(failed.destinationStatus, 'Succeeded');
    const [dead] = await tasksOf('dlq');
    const event = JSON.parse(dead!.taskPayload!) as { requestContext: Record<string, unknown>; requestPayload: string; responseContext: Record<string, unknown>; responsePayload: string };
    assert.deepEqual(event.requestContext, { requestId: failed.requestId, functionArn: arn, condition: 'BadResponse', approximateInvokeCount: 1 });
    assert.equal(event.requestPayload, 'boom');
    assert.deepEqual(event.responseContext, { statusCode: 502, functionError: 'BadResponse' });
    assert.equal((await tasksOf('dest')).length, 1, 'onSuccess is not sent a failure');
  });

  it('an event that expires between retries goes to onFailure with condition EventAgeExceeded and the attempts made', async () => {
    for (const name of ['old', 'late']) await create(name);
    const arn = (await local.client.getFunction('old', new $FC.GetFunctionRequest({}))).body!.functionArn!;
    const [, , region, accountId] = arn.split(':');
    // The definition's examples write the account and 'functions' with a slash (acs:fc:cn-shanghai:1234/functions/my-func).
    await putAsyncConfig('old', { maxAsyncEventAgeInSeconds: 1, destinationConfig: new $FC.DestinationConfig({ onFailure: new $FC.Destination({ destination: `acs:fc:${region}:${accountId}/functions/late` }) }) });
    await failNext('old', 2);
    await invokeAsync('old', 'slow', 'e-1');
    await advance(0);
    await advance(500);
    await advance(1000); // the second retry is due 1.5 s after the call, past the event's 1 s
    const t = await task('old', 'e-1');
    assert.equal(t.status, 'Expired');
    assert.equal(t.destinationStatus, 'Succeeded');
    const [sent] = (await local.client.listAsyncTasks('late', new $FC.ListAsyncTasksRequest({ includePayload: true }))).body!.tasks!;
    const event = JSON.parse(sent!.taskPayload!) as { requestContext: { condition: string; approximateInvokeCount: number }; responseContext: Record<string, unknown> };
    assert.equal(event.requestContext.condition, 'EventAgeExceeded');
    assert.equal(event.requestContext.approximateInvokeCount, 2);
    assert.deepEqual(event.responseContext, { statusCode: 502, functionError: 'BadResponse' });
  });

  it('a destination function that does not exist: the delivery Failed, with the reason in the final event', async () => {
    await create('lonely');
    const arn = (await local.client.getFunction('lonely', new $FC.GetFunctionRequest({}))).body!.functionArn!;
    await putAsyncConfig('lonely', { destinationConfig: new $FC.DestinationConfig({ onSuccess: new $FC.Destination({ destination: arn.replace(/lonely$/, 'nobody') }) }) });
    await invokeAsync('lonely', 'x', 'l-1');
    await advance(0);
    const t = await task('lonely', 'l-1');
    assert.equal(t.status, 'Succeeded');
    assert.equal(t.destinationStatus, 'Failed');
    assert.match(JSON.parse(t.events!.at(-1)!.eventDetail!).DestinationError, /nobody/);
  });

  it('default config retries 3 times: two failures then Succeeded with alreadyRetriedTimes 2', async () => {
    await create('a3');
    await failNext('a3', 2);
    await invokeAsync('a3', 'ok', 't3');
    await advance(0);
    await advance(500);
    assert.equal((await task('a3', 't3')).status, 'Retrying');
    await advance(1000);
    const t = await task('a3', 't3');
    assert.equal(t.status, 'Succeeded');
    assert.equal(t.alreadyRetriedTimes, 2);
    assert.equal(t.returnPayload, 'ok');
  });

  it('StopAsyncTask stops a retrying task (no further attempts); a finished one cannot be stopped; a stopped id cannot be reused', async () => {
    await create('a4');
    await failNext('a4', 1);
    await invokeAsync('a4', 'x', 's1');
    await advance(0);
    assert.equal((await task('a4', 's1')).status, 'Retrying');
    await local.client.stopAsyncTask('a4', 's1', new $FC.StopAsyncTaskRequest({}));
    await advance(10_000);
    const t = await task('a4', 's1');
    assert.equal(t.status, 'Stopped');
    assert.equal(t.alreadyRetriedTimes, 0);
    const again = await sdkError(local.client.stopAsyncTask('a4', 's1', new $FC.StopAsyncTaskRequest({})));
    assert.equal(again.statusCode, 400);
    const reuse = await sdkError(invokeAsync('a4', 'x', 's1'));
    assert.equal(reuse.code, 'AsyncInvocationStopped');
  });

  it('expired: a retry due after maxAsyncEventAgeInSeconds is dropped as Expired', async () => {
    await create('a5');
    await putAsyncConfig('a5', { maxAsyncEventAgeInSeconds: 1, maxAsyncRetryAttempts: 5 });
    await failNext('a5', 10);
    await invokeAsync('a5', 'x', 'e1');
    await advance(0);
    await advance(500); // retry 1 at 0.5 s, fails
    await advance(1000); // retry 2 at 1.5 s: older than 1 s
    const t = await task('a5', 'e1');
    assert.equal(t.status, 'Expired');
    assert.equal(t.alreadyRetriedTimes, 1);
  });

  it("x-fc-invocation-type Task (Serverless Devs' stateful async): 202 with a task id, run as an async task", async () => {
    await create('k1');
    const invokeTask = (body: string, taskId?: string) =>
      local.client.invokeFunctionWithOptions('k1', new $FC.InvokeFunctionRequest({ body: event(body) }), new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Task', ...(taskId ? { xFcAsyncTaskId: taskId } : {}) }), {} as never);
    const res = await invokeTask('{"task":1}');
    assert.equal(res.statusCode, 202);
    const id = res.headers!['x-fc-async-task-id']!;
    assert.match(id, /^[0-9a-f-]{36}$/, 'unnamed, yet the task id comes back (no asyncTask config needed)');
    assert.equal(await readBody(res.body!), '', 'not run synchronously');
    await advance(0);
    const t = await task('k1', id);
    assert.equal(t.status, 'Succeeded');
    assert.equal(t.returnPayload, '{"task":1}');
    assert.equal((await invokeTask('x', 'named-task')).headers!['x-fc-async-task-id'], 'named-task');
  });

  it('clock/advance does not wait for an attempt parked on a latency fault; the next advance finishes it', async () => {
    await create('q1');
    await admin('POST', '/faults', { match: { phase: 'invocation', functionName: 'q1' }, effect: { type: 'latency', ms: 5000, clock: true }, times: 1 });
    await invokeAsync('q1', 'slow', 'p1');
    // A parked attempt counts as settled: had the advance waited for it, the wait's real-time cap would have ended
    // it with the attempt still busy, and stillBusy says so.
    assert.equal((await advance(0)).stillBusy, 0);
    assert.equal((await task('q1', 'p1')).status, 'Running');
    assert.ok(((await admin('GET', '/clock')).timers as Array<{ label: string }>).some((t) => t.label === 'invocation latency fault'));
    await advance(4999);
    assert.equal((await task('q1', 'p1')).status, 'Running', 'the timer is not due yet');
    await advance(1);
    const t = await task('q1', 'p1');
    assert.equal(t.status, 'Succeeded', 'settled before advance returned');
    assert.equal(t.returnPayload, 'slow');
  });

  it('ListAsyncTasks: newest first, pagination to the last page, status and prefix filters, includePayload', async () => {
    await create('a6');
    for (let i = 0; i < 5; i++) await invokeAsync('a6', `p${i}`, `t-${i}`);
    await failNext('a6', 1);
    await invokeAsync('a6', 'bad', 'u-0');
    await advance(0);
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = (await local.client.listAsyncTasks('a6', new $FC.ListAsyncTasksRequest({ limit: 4, ...(nextToken ? { nextToken } : {}) }))).body!;
      seen.push(...page.tasks!.map((t) => t.taskId!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.equal(pages, 2);
    assert.deepEqual(seen, ['u-0', 't-4', 't-3', 't-2', 't-1', 't-0']);
    const asc = (await local.client.listAsyncTasks('a6', new $FC.ListAsyncTasksRequest({ sortOrderByTime: 'asc', limit: 2 }))).body!;
    assert.deepEqual(asc.tasks!.map((t) => t.taskId), ['t-0', 't-1']);
    assert.equal(asc.tasks![0]!.taskPayload, undefined);
    const retrying = (await local.client.listAsyncTasks('a6', new $FC.ListAsyncTasksRequest({ status: 'Retrying' }))).body!;
    assert.deepEqual(retrying.tasks!.map((t) => t.taskId), ['u-0']);
    assert.equal(retrying.nextToken, undefined);
    const prefixed = (await local.client.listAsyncTasks('a6', new $FC.ListAsyncTasksRequest({ prefix: 't-', includePayload: true, limit: 1 }))).body!;
    assert.equal(prefixed.tasks![0]!.taskPayload, 'p4');
    assert.ok(prefixed.nextToken);
    await local.client.deleteFunction('a6');
    await create('a6');
    assert.deepEqual((await local.client.listAsyncTasks('a6', new $FC.ListAsyncTasksRequest({}))).body!.tasks, [], 'tasks go with their function');
  });

  it('async invoke configs: CRUD per qualifier and list pagination', async () => {
    await create('c1');
    await create('c2');
    const missing = await sdkError(local.client.getAsyncInvokeConfig('c1', new $FC.GetAsyncInvokeConfigRequest({})));
    assert.equal(missing.code, 'AsyncConfigNotExists');
    assert.equal(missing.statusCode, 404);
    const put = (await putAsyncConfig('c1', { maxAsyncRetryAttempts: 2, maxAsyncEventAgeInSeconds: 600, asyncTask: false })).body!;
    assert.equal(put.maxAsyncRetryAttempts, 2);
    assert.equal(put.maxAsyncEventAgeInSeconds, 600);
    assert.equal(put.asyncTask, false);
    assert.match(put.functionArn!, /functions\/c1$/);
    assert.match(put.createdTime!, /^2024-01-01T00:00:\d\dZ$/);
    const got = (await local.client.getAsyncInvokeConfig('c1', new $FC.GetAsyncInvokeConfigRequest({}))).body!;
    assert.equal(got.maxAsyncRetryAttempts, 2);
    await putAsyncConfig('c2', { maxAsyncRetryAttempts: 0 });
    await putAsyncConfig('c2', { maxAsyncRetryAttempts: 1 }, 'prod');
    const all: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = (await local.client.listAsyncInvokeConfigs(new $FC.ListAsyncInvokeConfigsRequest({ limit: 2, ...(nextToken ? { nextToken } : {}) }))).body!;
      all.push(...page.configs!.map((c) => `${c.functionArn!.split('/').pop()}:${c.maxAsyncRetryAttempts}`));
      nextToken = page.nextToken;
    } while (nextToken);
    assert.deepEqual(all, ['c1:2', 'c2:0', 'c2:1']);
    const onlyC2 = (await local.client.listAsyncInvokeConfigs(new $FC.ListAsyncInvokeConfigsRequest({ functionName: 'c2' }))).body!;
    assert.equal(onlyC2.configs!.length, 2);
    await local.client.deleteAsyncInvokeConfig('c2', new $FC.DeleteAsyncInvokeConfigRequest({ qualifier: 'prod' }));
    assert.equal((await local.client.listAsyncInvokeConfigs(new $FC.ListAsyncInvokeConfigsRequest({ functionName: 'c2' }))).body!.configs!.length, 1);
    const bad = await sdkError(putAsyncConfig('c1', { maxAsyncRetryAttempts: -1 }));
    assert.equal(bad.code, 'InvalidArgument');
  });

  it('reserved concurrency: CRUD, a second concurrent invoke over the limit gets 503 ResourceThrottled, 0 disables invocation', async () => {
    await create('r1');
    const none = await sdkError(local.client.getConcurrencyConfig('r1'));
    assert.equal(none.statusCode, 404);
    const put = (await local.client.putConcurrencyConfig('r1', new $FC.PutConcurrencyConfigRequest({ body: new $FC.PutConcurrencyInput({ reservedConcurrency: 1 }) }))).body!;
    assert.equal(put.reservedConcurrency, 1);
    assert.match(put.functionArn!, /functions\/r1$/);
    assert.equal((await local.client.getConcurrencyConfig('r1')).body!.reservedConcurrency, 1);
    assert.equal((await local.client.listConcurrencyConfigs(new $FC.ListConcurrencyConfigsRequest({}))).body!.configs!.length, 1);

    // Hold the first invocation open with a latency fault on the manual clock.
    await admin('POST', '/faults', { match: { phase: 'invocation', functionName: 'r1' }, effect: { type: 'latency', ms: 5000, clock: true }, times: 1 });
    const held = local.client.invokeFunction('r1', new $FC.InvokeFunctionRequest({ body: event('first') }));
    // Deterministic: wait (by round trips, not sleeps) until the first call sits on its latency timer.
    await waitFor('the first call to sit on its latency timer', async () => (((await admin('GET', '/clock')).timers as Array<{ label: string }>).some((t) => t.label === 'invocation latency fault') ? true : undefined));
    const over = await sdkError(local.client.invokeFunction('r1', new $FC.InvokeFunctionRequest({ body: event('second') })));
    assert.equal(over.statusCode, 503);
    assert.equal(over.code, 'ResourceThrottled');
    await advance(5000);
    assert.equal(await readBody((await held).body!), 'first');
    assert.equal(await readBody((await local.client.invokeFunction('r1', new $FC.InvokeFunctionRequest({ body: event('third') }))).body!), 'third', 'the slot was released');
    // A failed invocation releases its slot too.
    await failNext('r1', 1);
    await sdkError(local.client.invokeFunction('r1', new $FC.InvokeFunctionRequest({ body: event('x') })));
    await local.client.invokeFunction('r1', new $FC.InvokeFunctionRequest({ body: event('y') }));

    await local.client.putConcurrencyConfig('r1', new $FC.PutConcurrencyConfigRequest({ body: new $FC.PutConcurrencyInput({ reservedConcurrency: 0 }) }));
    const zero = await sdkError(local.client.invokeFunction('r1', new $FC.InvokeFunctionRequest({ body: event('x') })));
    assert.equal(zero.statusCode, 503);
    assert.match(zero.data.Message, /reservedConcurrency 0/);
    await local.client.deleteConcurrencyConfig('r1');
    await local.client.invokeFunction('r1', new $FC.InvokeFunctionRequest({ body: event('z') }));
  });

  it('disable refuses invocations and shows invocationRestriction; enable restores them', async () => {
    await create('d1');
    const off = await local.client.disableFunctionInvocation('d1', new $FC.DisableFunctionInvocationRequest({ reason: 'maintenance', abortOngoingRequest: true }));
    assert.equal(off.body!.success, true);
    const fn = (await local.client.getFunction('d1', new $FC.GetFunctionRequest({}))).body!;
    assert.equal(fn.invocationRestriction!.disable, true);
    assert.equal(fn.invocationRestriction!.reason, 'maintenance');
    const refused = await sdkError(local.client.invokeFunction('d1', new $FC.InvokeFunctionRequest({ body: event('x') })));
    assert.equal(refused.code, 'FunctionInvocationDisabled');
    const refusedAsync = await sdkError(invokeAsync('d1', 'x'));
    assert.equal(refusedAsync.code, 'FunctionInvocationDisabled');
    assert.equal((await local.client.enableFunctionInvocation('d1')).body!.success, true);
    assert.equal((await local.client.getFunction('d1', new $FC.GetFunctionRequest({}))).body!.invocationRestriction!.disable, false);
    assert.equal(await readBody((await local.client.invokeFunction('d1', new $FC.InvokeFunctionRequest({ body: event('back') }))).body!), 'back');
  });
});
