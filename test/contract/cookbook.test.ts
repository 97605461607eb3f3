/**
 * The README's fault cookbook, SDK-only column: each fault asked for by the function's own environment variables,
 * and what GetFunction / InvokeFunction show afterwards. Manual clock: no sleeps.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';
import { waitFor } from '../helpers/wait.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = () => 1' }]).toString('base64');

describe('fault cookbook, the SDK-only way', () => {
  const advance = (ms: number) => advanceClock(local.fc, ms);
  const get = async (name: string) => (await local.client.getFunction(name, new $FC.GetFunctionRequest({}))).body!;
  const create = (name: string, env: Record<string, string>, extra: Partial<$FC.CreateFunctionInput> = {}) =>
    local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }), environmentVariables: env, ...extra }) }));
  const update = (name: string, env: Record<string, string>) =>
    local.client.updateFunction(name, new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ environmentVariables: env }) }));
  const invoke = (name: string) => local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('x') }));
  const faultEvents = async (name: string) =>
    ((await (await fetch(`${local.fc.url}/_localfc/functions/${name}/timeline`)).json()) as { timeline: Array<{ event: string; detail?: { source?: string } }> }).timeline
      .filter((t) => t.event.startsWith('fault.'))
      .map((t) => `${t.event}:${t.detail?.source}`);

  // The cookbook's recipes act in the Pending window of code packages, which is off by default.
  const local = localfcWithClient({ clock: 'manual', timing: { codePreparationMs: 1000 } });
  beforeEach(() => local.fc.localfc.functions.reset());

  it('slow preparation: Pending for the extra clock time, then Active', async () => {
    await create('slow', { LOCALFC_FAULT_PREPARATION: 'latency:30000' });
    await advance(30_000);
    assert.equal((await get('slow')).state, 'Pending');
    await advance(1_000);
    assert.equal((await get('slow')).state, 'Active');
    assert.deepEqual(await faultEvents('slow'), ['fault.preparation:function']);
  });

  it('a timed hold: Pending (invoke refused) until the hold ends', async () => {
    await create('held', { LOCALFC_FAULT_PREPARATION: 'hold:60000' });
    await advance(30_000);
    const fn = await get('held');
    assert.equal(fn.state, 'Pending');
    assert.equal(fn.lastUpdateStatus, 'InProgress');
    assert.equal((await sdkError(invoke('held'))).code, 'FunctionNotActive');
    await advance(60_000);
    assert.equal((await get('held')).state, 'Active');
  });

  it('an update carrying LOCALFC_FAULT_UPDATE fails; the previous configuration keeps serving and showing', async () => {
    await create('upd', { STAGE: 'one' });
    await advance(1_000);
    await update('upd', { STAGE: 'two', LOCALFC_FAULT_UPDATE: 'error:InvalidConfiguration' });
    await advance(1_000);
    const fn = await get('upd');
    assert.equal(fn.state, 'Active');
    assert.equal(fn.lastUpdateStatus, 'Failed');
    assert.equal(fn.lastUpdateStatusReasonCode, 'InvalidConfiguration');
    assert.deepEqual(fn.environmentVariables, { STAGE: 'one' });
    assert.equal((await invoke('upd')).statusCode, 200);
  });

  it('an update held InProgress: the new configuration shows; a second update supersedes it and goes through', async () => {
    await create('upd-held', {});
    await advance(1_000);
    await update('upd-held', { LOCALFC_FAULT_UPDATE: 'hold:60000' });
    await advance(10_000);
    const fn = await get('upd-held');
    assert.equal(fn.lastUpdateStatus, 'InProgress');
    assert.equal(fn.environmentVariables?.LOCALFC_FAULT_UPDATE, 'hold:60000');
    assert.equal((await invoke('upd-held')).statusCode, 200);
    await update('upd-held', { STAGE: 'next' });
    await advance(1_000);
    const next = await get('upd-held');
    assert.deepEqual([next.lastUpdateStatus, next.environmentVariables], ['Successful', { STAGE: 'next' }]);
  });

  it('a creation held Pending is superseded by an update (as Terraform sends one at once); the configuration of the update becomes Active', async () => {
    await create('held-then-updated', { LOCALFC_FAULT_PREPARATION: 'hold:60000' });
    await advance(10_000);
    const upd = await update('held-then-updated', { STAGE: 'two' });
    assert.deepEqual([upd.body!.state, upd.body!.stateReasonCode], ['Pending', 'Creating']);
    await advance(1_000);
    const fn = await get('held-then-updated');
    assert.deepEqual([fn.state, fn.lastUpdateStatus, fn.environmentVariables], ['Active', 'Successful', { STAGE: 'two' }]);
    assert.equal((await invoke('held-then-updated')).statusCode, 200);
  });

  it('the image phase fails a custom container at deploy time', async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({
      functionName: 'img', runtime: 'custom-container', handler: 'x',
      customContainerConfig: new $FC.CustomContainerConfig({ image: 'registry.example.com/ns/app:v1', port: 9000 }),
      environmentVariables: { LOCALFC_FAULT_IMAGE: 'error:ImageDeleted' },
    }) }));
    await advance(5_000);
    const fn = await get('img');
    assert.equal(fn.state, 'Failed');
    assert.equal(fn.stateReasonCode, 'ImageDeleted');
    assert.deepEqual(await faultEvents('img'), ['fault.image:function']);
  });

  it('inactive: the invocation fails with 412 and the function restores through Pending', async () => {
    await create('idle', { LOCALFC_FAULT_INVOCATION: 'inactive' });
    await advance(1_000);
    assert.equal((await sdkError(invoke('idle'))).code, 'FunctionNotActive');
    const fn = await get('idle');
    assert.equal(fn.state, 'Pending');
    assert.equal(fn.stateReasonCode, 'Restoring');
    await advance(1_000);
    assert.equal((await get('idle')).state, 'Active');
    // The function's own `inactive` fires once for the configuration carrying it: restored, the function serves.
    assert.equal((await invoke('idle')).statusCode, 200);
    assert.equal((await get('idle')).state, 'Active');
  });

  it('throttle and crash: the invocation fails, GetFunction is unchanged', async () => {
    await create('thr', { LOCALFC_FAULT_INVOCATION: 'throttle' });
    await create('boom', { LOCALFC_FAULT_INVOCATION: 'crash' });
    await advance(1_000);
    const thr = await sdkError(invoke('thr'));
    assert.equal(thr.statusCode, 503);
    assert.equal(thr.code, 'ResourceThrottled');
    const boom = await sdkError(invoke('boom'));
    assert.equal(boom.statusCode, 502);
    assert.equal(boom.code, 'BadResponse');
    assert.equal((await get('thr')).state, 'Active');
    assert.equal((await get('boom')).state, 'Active');
  });

  it('slow cold start: only the call that starts an instance waits for the clock', async () => {
    await create('cold', { LOCALFC_FAULT_COLD_START: 'latency:2000:clock' });
    await advance(1_000);
    let done = false;
    const first = invoke('cold').then((r) => ((done = true), r));
    // The call is parked on the clock: wait until its timer exists, then show it does not finish without time moving.
    await waitFor('the cold start to park on its latency timer', async () => (local.fc.localfc.clock.pendingTimers().some((t) => t.label === 'coldStart latency fault') ? true : undefined));
    assert.equal(done, false);
    await advanceClock(local.fc, 2_000);
    assert.equal((await first).statusCode, 200);
    assert.equal((await invoke('cold')).statusCode, 200);
  });

  it('initializer failure: 200 with x-fc-error-type InitializationError and the error in the body, as FC answers', async () => {
    await create('init', { LOCALFC_FAULT_INITIALIZER: 'error:InitializationError:db unreachable' }, {
      instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({ initializer: new $FC.LifecycleHook({ handler: 'index.init', timeout: 3 }) }),
    });
    await advance(1_000);
    const res = await invoke('init');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers!['x-fc-error-type'], 'InitializationError');
    assert.deepEqual(JSON.parse(await readBody(res.body!)), { errorMessage: 'db unreachable', errorType: 'InitializationError' });
  });
});
