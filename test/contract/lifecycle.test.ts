/**
 * The whole cycle through the official SDK against a real server on an ephemeral port, on the manual clock:
 * create → Pending → Active → update (InProgress, old code serves) → Successful → invoke → list → delete.
 * Each test creates the functions it uses, so any one of them runs alone (--test-name-pattern) or in any order.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const zipA = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "A")' }]).toString('base64');
const zipB = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "B")' }]).toString('base64');

describe('function lifecycle through the official SDK', () => {
  const advance = (ms: number) => advanceClock(local.fc, ms);
  const get = async (name: string) => (await local.client.getFunction(name, new $FC.GetFunctionRequest({}))).body!;
  const createActive = async (functionName: string, extra: Partial<$FC.CreateFunctionInput> = {}) => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName, runtime: 'nodejs18', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zipA }), ...extra }) }));
    await advance(1000);
  };

  // The Pending and InProgress windows for code packages (off by default, as on FC) are what this file tests.
  const local = localfcWithClient({ clock: 'manual', timing: { codePreparationMs: 1000 } });

  it('create returns Pending; GetFunction shows Pending, then Active after the preparation delay', async () => {
    const created = await local.client.createFunction(
      new $FC.CreateFunctionRequest({
        body: new $FC.CreateFunctionInput({ functionName: 'cycle', runtime: 'nodejs18', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zipA }), tags: [new $FC.Tag({ key: 'team', value: 'a' })] }),
      }),
    );
    assert.equal(created.body!.state, 'Pending');
    assert.equal(created.body!.stateReasonCode, 'Creating');
    assert.equal(created.body!.lastUpdateStatus, 'InProgress');
    assert.match(created.body!.functionArn!, /^acs:fc:cn-hangzhou:\d+:functions\/cycle$/);
    assert.match(created.body!.codeChecksum!, /^\d+$/);
    assert.deepEqual(created.body!.tags!.map((t) => [t.key, t.value]), [['team', 'a']]);
    assert.equal((await get('cycle')).state, 'Pending');

    const err = await sdkError(local.client.invokeFunction('cycle', new $FC.InvokeFunctionRequest({ body: event('x') })));
    assert.equal(err.statusCode, 412);
    assert.equal(err.code, 'FunctionNotActive');
    assert.match(err.data.Message, /Pending/);

    // Terraform updates a function right after creating it, without waiting: accepted; it stays Pending (Creating)
    // and the newest configuration is the one prepared, from the update on.
    await advance(500);
    const early = await local.client.updateFunction('cycle', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ description: 'x' }) }));
    assert.deepEqual([early.body!.state, early.body!.stateReasonCode, early.body!.lastUpdateStatus, early.body!.description], ['Pending', 'Creating', 'InProgress', 'x']);

    await advance(999);
    assert.equal((await get('cycle')).state, 'Pending', 'the first preparation was superseded, not finished');
    await advance(1);
    const active = await get('cycle');
    assert.equal(active.state, 'Active');
    assert.equal(active.lastUpdateStatus, 'Successful');
    assert.equal(active.stateReasonCode, undefined);
    assert.equal(active.description, 'x');
  });

  it('invokes the simulated handler: echo, with FC invocation headers', async () => {
    await createActive('echo');
    const res = await local.client.invokeFunctionWithOptions('echo', new $FC.InvokeFunctionRequest({ body: event('{"hello":"fc"}') }), new $FC.InvokeFunctionHeaders({ xFcLogType: 'Tail' }), {} as never);
    assert.equal(await readBody(res.body!), '{"hello":"fc"}');
    assert.equal(res.statusCode, 200);
    assert.match(res.headers!['x-fc-request-id']!, /^1-/);
    assert.equal(res.headers!['x-fc-code-checksum'], (await get('echo')).codeChecksum);
    assert.match(Buffer.from(res.headers!['x-fc-log-result']!, 'base64').toString(), /FC Invoke Start RequestId/);
  });

  it('update: InProgress while the old code keeps serving, then Successful and the new code serves', async () => {
    await createActive('updated');
    const before = await get('updated');
    const upd = await local.client.updateFunction('updated', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ code: new $FC.InputCodeLocation({ zipFile: zipB }), timeout: 10 }) }));
    assert.equal(upd.body!.lastUpdateStatus, 'InProgress');
    assert.equal(upd.body!.state, 'Active');
    assert.equal(upd.body!.timeout, 10);
    assert.notEqual(upd.body!.codeChecksum, before.codeChecksum);

    const during = await local.client.invokeFunction('updated', new $FC.InvokeFunctionRequest({ body: event('x') }));
    assert.equal(during.headers!['x-fc-code-checksum'], before.codeChecksum, 'the old code serves while InProgress');
    // A second update supersedes the one in progress: its preparation starts again with the newest configuration.
    await advance(500);
    const second = await local.client.updateFunction('updated', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ description: 'y' }) }));
    assert.deepEqual([second.body!.lastUpdateStatus, second.body!.description, second.body!.timeout], ['InProgress', 'y', 10]);
    await advance(999);
    assert.equal((await get('updated')).lastUpdateStatus, 'InProgress', 'the first update was superseded, not finished');
    const stillOld = await local.client.invokeFunction('updated', new $FC.InvokeFunctionRequest({ body: event('x') }));
    assert.equal(stillOld.headers!['x-fc-code-checksum'], before.codeChecksum);

    await advance(1);
    const after = await get('updated');
    assert.equal(after.lastUpdateStatus, 'Successful');
    assert.equal(after.description, 'y');
    const now = await local.client.invokeFunction('updated', new $FC.InvokeFunctionRequest({ body: event('x') }));
    assert.equal(now.headers!['x-fc-code-checksum'], upd.body!.codeChecksum);
  });

  it('lists with prefix and limit, paging with nextToken until it is absent', async () => {
    for (const n of ['page-1', 'page-2', 'page-3', 'other']) {
      await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: n, runtime: 'python3.10', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zipA }), ...(n === 'page-2' ? { tags: [new $FC.Tag({ key: 'team', value: 'paging' })] } : {}) }) }));
    }
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = await local.client.listFunctions(new $FC.ListFunctionsRequest({ prefix: 'page-', limit: 2, ...(nextToken ? { nextToken } : {}) }));
      seen.push(...page.body!.functions!.map((f) => f.functionName!));
      for (const f of page.body!.functions!) {
        // FC's ListFunctions page: state fields come from GetFunction only.
        assert.deepEqual([f.state, f.stateReason, f.stateReasonCode, f.lastUpdateStatus, f.lastUpdateStatusReason, f.lastUpdateStatusReasonCode], [undefined, undefined, undefined, undefined, undefined, undefined], f.functionName);
        assert.ok(f.functionArn && f.runtime && f.codeChecksum, 'the rest of the function is listed');
        const got = await local.client.getFunction(f.functionName!, new $FC.GetFunctionRequest({}));
        assert.ok(got.body!.state && got.body!.lastUpdateStatus, 'GetFunction has them');
      }
      nextToken = page.body!.nextToken;
      pages++;
    } while (nextToken);
    assert.deepEqual(seen, ['page-1', 'page-2', 'page-3']);
    assert.equal(pages, 2);
    const byTag = await local.client.listFunctions(new $FC.ListFunctionsRequest({ tags: [new $FC.Tag({ key: 'team', value: 'paging' })] }));
    assert.deepEqual(byTag.body!.functions!.map((f) => f.functionName), ['page-2']);
  });

  it('errors come back in the cloud shape through the SDK', async () => {
    await createActive('taken');
    const missing = await sdkError(local.client.getFunction('nope', new $FC.GetFunctionRequest({})));
    assert.equal(missing.statusCode, 404);
    assert.equal(missing.code, 'FunctionNotFound');
    assert.match(missing.data.RequestId, /^1-/);
    const dup = await sdkError(local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'taken', runtime: 'nodejs18', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zipA }) }) })));
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.code, 'FunctionAlreadyExists');
    const noHandler = await sdkError(local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'x1', runtime: 'nodejs18' }) })));
    assert.equal(noHandler.code, 'InvalidArgument');
    assert.match(noHandler.data.Message, /handler/);
    const badName = await sdkError(local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: '9bad name', runtime: 'nodejs18', handler: 'h', code: new $FC.InputCodeLocation({ zipFile: zipA }) }) })));
    assert.equal(badName.code, 'InvalidArgument');
    assert.equal((await get('taken')).state, 'Active', 'failed calls leave other functions alone');
  });

  it('delete removes the function', async () => {
    await createActive('doomed');
    await local.client.deleteFunction('doomed');
    assert.equal((await sdkError(local.client.getFunction('doomed', new $FC.GetFunctionRequest({})))).code, 'FunctionNotFound');
  });
});
