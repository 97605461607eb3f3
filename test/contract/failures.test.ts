/**
 * Every failure mode of the control plane, asked for from the admin API, start-up config and the SDK alone,
 * and seen through GetFunction with a reason. Manual clock: no sleeps.
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start } from '../../src/index.ts';
import { $FC, event, readBody, sdkClient, sdkError, localfcWithClient, withLocalfcClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';
import { waitFor } from '../helpers/wait.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = () => 1' }]).toString('base64');
const zip2 = createZip([{ path: 'index.js', data: 'exports.handler = () => 2' }]).toString('base64');

describe('failure modes', () => {
  const advance = async (ms: number) => admin('POST', '/clock/advance', { ms });
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${local.fc.url}/_localfc${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    const json = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw Object.assign(new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`), { status: res.status, json });
    return json;
  };
  const get = async (name: string) => (await local.client.getFunction(name, new $FC.GetFunctionRequest({}))).body!;
  const create = (name: string, extra: Partial<$FC.CreateFunctionInput> = {}) =>
    local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }), ...extra }) }));
  const createContainer = (name: string, image: string) =>
    local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'custom-container', handler: 'not-used', customContainerConfig: new $FC.CustomContainerConfig({ image, port: 9000 }) }) }));
  const invoke = (name: string) => local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('x') }));

  // Preparation and update windows for code packages (off by default) are where these failures happen.
  const local = localfcWithClient({ clock: 'manual', timing: { codePreparationMs: 1000 } });
  beforeEach(() => admin('POST', '/reset'));

  it('preparation failure from an admin fault rule: Failed with the chosen reason code', async () => {
    await admin('POST', '/faults', { match: { phase: 'preparation', functionName: 'broken-*' }, effect: { type: 'error', code: 'ImageAccessDenied', message: 'no pull permission' }, times: 1 });
    await create('broken-1');
    await create('fine-1');
    await advance(1000);
    const broken = await get('broken-1');
    assert.equal(broken.state, 'Failed');
    assert.equal(broken.stateReasonCode, 'ImageAccessDenied');
    assert.equal(broken.stateReason, 'no pull permission');
    assert.equal(broken.lastUpdateStatus, 'Failed');
    assert.equal((await get('fine-1')).state, 'Active');
    assert.equal((await sdkError(invoke('broken-1'))).code, 'FunctionNotActive');
    const timeline = (await admin('GET', '/functions/broken-1/timeline')).timeline as Array<{ event: string; state?: string }>;
    // The refused invoke is in the timeline too, with what the caller got.
    assert.deepEqual(timeline.map((t) => t.event), ['create', 'fault.preparation', 'prepareFailed', 'rejected']);
  });

  it('a failed update keeps the previous code serving and visible', async () => {
    await create('upd');
    await advance(1000);
    const before = await get('upd');
    await admin('POST', '/faults', { match: { phase: 'update' }, effect: { type: 'error', code: 'InvalidConfiguration' }, times: 1 });
    const upd = await local.client.updateFunction('upd', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ code: new $FC.InputCodeLocation({ zipFile: zip2 }), memorySize: 1024 }) }));
    assert.equal(upd.body!.lastUpdateStatus, 'InProgress');
    await advance(1000);
    const after = await get('upd');
    assert.equal(after.state, 'Active');
    assert.equal(after.lastUpdateStatus, 'Failed');
    assert.equal(after.lastUpdateStatusReasonCode, 'InvalidConfiguration');
    assert.equal(after.codeChecksum, before.codeChecksum);
    assert.equal(after.memorySize, before.memorySize);
    assert.equal((await invoke('upd')).headers!['x-fc-code-checksum'], before.codeChecksum);
  });

  it('hold keeps a function Pending until released, so "call B while A is Pending" fails every time', async () => {
    await admin('POST', '/faults', { match: { phase: 'preparation', functionName: 'held' }, effect: { type: 'hold' } });
    await create('held');
    await advance(60 * 60 * 1000);
    assert.equal((await get('held')).state, 'Pending');
    assert.equal((await sdkError(invoke('held'))).statusCode, 412);
    await admin('POST', '/functions/held/release');
    assert.equal((await get('held')).state, 'Active');
  });

  it('image deleted or tag overwritten: Failed naming the cause; an update recovers', async () => {
    const image = 'registry.example.com/team/app:v1';
    await admin('POST', '/registry/images', { image });
    const created = await createContainer('img', image);
    assert.match(created.body!.customContainerConfig!.resolvedImageUri!, /^registry\.example\.com\/team\/app@sha256:[0-9a-f]{64}$/);
    await advance(4999);
    assert.equal((await get('img')).state, 'Pending', 'containers take longer to prepare');
    await advance(1);
    assert.equal((await get('img')).state, 'Active');

    const pushed = await admin('POST', '/registry/images', { image });
    let fn = await get('img');
    assert.equal(fn.state, 'Failed');
    assert.equal(fn.stateReasonCode, 'ImageTagOverwritten');
    assert.match(fn.stateReason!, new RegExp(String(pushed.digest)));

    await local.client.updateFunction('img', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ customContainerConfig: new $FC.CustomContainerConfig({ image, port: 9000 }) }) }));
    fn = await get('img');
    assert.equal(fn.state, 'Pending');
    assert.equal(fn.customContainerConfig!.resolvedImageUri, `registry.example.com/team/app@${String(pushed.digest)}`);
    await advance(4999);
    assert.equal((await get('img')).state, 'Pending', 'a Failed container is prepared from scratch, with the image caching delay');
    await advance(1);
    assert.equal((await get('img')).state, 'Active');

    await admin('DELETE', `/registry/images?image=${encodeURIComponent(image)}`);
    fn = await get('img');
    assert.equal(fn.state, 'Failed');
    assert.equal(fn.stateReasonCode, 'ImageDeleted');
    const refused = await sdkError(createContainer('img2', image));
    assert.equal(refused.code, 'InvalidArgument');
    assert.match(refused.data.Message, /does not exist/);
  });

  it('an image deleted while the function is Pending fails its preparation', async () => {
    const image = 'registry.example.com/team/vanishing:v1';
    await createContainer('vanish', image);
    await admin('DELETE', `/registry/images?image=${encodeURIComponent(image)}`);
    assert.equal((await get('vanish')).state, 'Pending');
    await advance(5000);
    const fn = await get('vanish');
    assert.equal(fn.state, 'Failed');
    assert.equal(fn.stateReasonCode, 'ImageDeleted');
  });

  it('idle → Inactive (a custom container); invoking fails, re-prepares, and the function comes back Active', async () => {
    await createContainer('idle', 'registry.example.com/ns/idle:v1');
    await advance(5000);
    await invoke('idle');
    await advance(14 * 24 * 3600 * 1000);
    let fn = await get('idle');
    assert.equal(fn.state, 'Inactive');
    assert.equal(fn.stateReasonCode, 'Idle');
    const err = await sdkError(invoke('idle'));
    assert.equal(err.statusCode, 412);
    assert.match(err.data.Message, /Inactive/);
    fn = await get('idle');
    assert.equal(fn.state, 'Pending');
    assert.equal(fn.stateReasonCode, 'Restoring');
    await advance(5000);
    assert.equal((await get('idle')).state, 'Active');
    assert.equal((await invoke('idle')).statusCode, 200);
  });

  it('each invocation restarts the idle countdown: Inactive 14 days after the last invocation, with one idle timer due then', async () => {
    const DAY = 24 * 3600 * 1000;
    await createContainer('countdown', 'registry.example.com/ns/countdown:v1');
    await advance(5000);
    await invoke('countdown');
    await advance(10 * DAY);
    await invoke('countdown');
    const invokedAt = (await admin('GET', '/clock')).nowMs as number;
    await advance(10 * DAY);
    assert.equal((await get('countdown')).state, 'Active', '20 days after the first invocation, 10 after the last');
    const idleTimers = ((await admin('GET', '/clock')).timers as Array<{ label: string; dueAt: number }>).filter((t) => t.label === 'idle countdown');
    assert.deepEqual(idleTimers.map((t) => t.dueAt), [invokedAt + 14 * DAY], 'the live page lists one countdown, due 14 days after the last invocation');
    await advance(4 * DAY - 1);
    assert.equal((await get('countdown')).state, 'Active');
    await advance(1);
    const fn = await get('countdown');
    assert.equal(fn.state, 'Inactive');
    assert.equal(fn.stateReasonCode, 'Idle');
  });

  it('a code package never goes Inactive: a monthly timer trigger runs every month (FC documents states for reserved resources such as containers)', async () => {
    const DAY = 24 * 3600 * 1000;
    await create('monthly');
    await advance(1000);
    await local.client.createTrigger('monthly', new $FC.CreateTriggerRequest({ body: new $FC.CreateTriggerInput({ triggerName: 'bill', triggerType: 'timer', triggerConfig: JSON.stringify({ cronExpression: '0 0 0 1 * *', enable: true, payload: 'bill' }) }) }));
    for (let month = 0; month < 4; month++) await advance(31 * DAY);
    const fn = await get('monthly');
    assert.equal(fn.state, 'Active');
    const timeline = (await admin('GET', '/functions/monthly/timeline')).timeline as Array<{ event: string; detail?: { status?: number } }>;
    assert.deepEqual(timeline.filter((t) => t.event.startsWith('trigger.')).map((t) => t.event), ['trigger.fired', 'trigger.fired', 'trigger.fired', 'trigger.fired']);
    assert.equal(timeline.filter((t) => t.event === 'invoked' && t.detail?.status === 200).length, 4);
    assert.equal(((await admin('GET', '/clock')).timers as Array<{ label: string }>).filter((t) => t.label === 'idle countdown').length, 0, 'no countdown is armed for a code package');
    assert.equal((await invoke('monthly')).statusCode, 200);
  });

  it('a container whose provision config keeps an instance does not go Inactive; without the config it does, 14 days later', async () => {
    const DAY = 24 * 3600 * 1000;
    await createContainer('kept', 'registry.example.com/ns/kept:v1');
    await advance(5000);
    await local.client.putProvisionConfig('kept', new $FC.PutProvisionConfigRequest({ qualifier: 'LATEST', body: new $FC.PutProvisionConfigInput({ target: 1 }) }));
    await advance(30 * DAY);
    assert.equal((await get('kept')).state, 'Active');
    const provision = (await local.client.getProvisionConfig('kept', new $FC.GetProvisionConfigRequest({ qualifier: 'LATEST' }))).body!;
    assert.deepEqual([provision.target, provision.current], [1, 1]);
    assert.equal((await invoke('kept')).statusCode, 200);
    await local.client.deleteProvisionConfig('kept', new $FC.DeleteProvisionConfigRequest({ qualifier: 'LATEST' }));
    await advance(14 * DAY - 1);
    assert.equal((await get('kept')).state, 'Active');
    await advance(1);
    assert.equal((await get('kept')).state, 'Inactive');
  });

  it('forced Inactive through the admin API; a failing re-preparation leaves it Inactive', async () => {
    await create('force');
    await advance(1000);
    await admin('POST', '/functions/force/state', { state: 'Inactive' });
    assert.equal((await get('force')).state, 'Inactive');
    await admin('POST', '/faults', { match: { phase: 'preparation' }, effect: { type: 'error', code: 'InternalError' }, times: 1 });
    await sdkError(invoke('force'));
    await advance(1000);
    const fn = await get('force');
    assert.equal(fn.state, 'Inactive');
    assert.equal(fn.stateReasonCode, 'InternalError');
  });

  it('forced Inactive lets go of the running instances, as going idle does', async () => {
    const instances = async () => ((await admin('GET', '/functions/forced-idle/instances')).instances as unknown[]).length;
    await create('forced-idle');
    await advance(1000);
    assert.equal((await invoke('forced-idle')).statusCode, 200);
    assert.equal(await instances(), 1);
    await admin('POST', '/functions/forced-idle/state', { state: 'Inactive' });
    await advance(0); // waits for what the transition set off
    assert.equal(await instances(), 0, 'the instance of the revision that served is stopped');
    // Woken again, it serves on a new instance.
    await sdkError(invoke('forced-idle'));
    await advance(1000);
    assert.equal((await invoke('forced-idle')).statusCode, 200);
    assert.equal(await instances(), 1);
  });

  it('faults asked for with the SDK alone: reserved environment variable and tag on the function', async () => {
    await create('sdk-only', { environmentVariables: { LOCALFC_FAULT_PREPARATION: 'error:InvalidImage:bad manifest' } });
    await advance(1000);
    const fn = await get('sdk-only');
    assert.equal(fn.state, 'Failed');
    assert.equal(fn.stateReasonCode, 'InvalidImage');
    assert.equal(fn.stateReason, 'bad manifest');
    await create('sdk-hold', { tags: [new $FC.Tag({ key: 'localfc:fault:preparation', value: 'hold' })] });
    await advance(10_000);
    assert.equal((await get('sdk-hold')).state, 'Pending');
    const typo = await sdkError(create('sdk-typo', { environmentVariables: { LOCALFC_FAULT_PREPARATION: 'explode' } }));
    assert.equal(typo.code, 'InvalidArgument');
  });

  it('named scenarios are one call, scoped to a function, and expand to ordinary rules', async () => {
    await create('scen');
    await create('other');
    await advance(1000);
    const started = await admin('POST', '/scenarios/throttling?functionName=scen');
    assert.equal((started.rules as unknown[]).length, 1);
    assert.equal((await sdkError(invoke('scen'))).code, 'ResourceThrottled');
    assert.equal((await invoke('other')).statusCode, 200);
    const unknown = await admin('POST', '/scenarios/nope').catch((e: { status: number; json: { Code: string } }) => e);
    assert.equal((unknown as { status: number }).status, 400);
    assert.ok(((await admin('GET', '/scenarios')).scenarios as Array<{ name: string }>).some((x) => x.name === 'stuck-pending'));
  });

  it('cold-start and initializer faults fail the invocation with their reason code; the next cold start works', async () => {
    await create('hooks', { instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({ initializer: new $FC.LifecycleHook({ handler: 'index.init', timeout: 3 }) }) });
    await advance(1000);
    await admin('POST', '/faults', { match: { phase: 'initializer', functionName: 'hooks' }, effect: { type: 'error', code: 'InitializationError', message: 'init blew up' }, times: 1 });
    const init = await invoke('hooks');
    assert.equal(init.statusCode, 200, 'FC answers a failed initializer with 200 and x-fc-error-type');
    assert.equal(init.headers!['x-fc-error-type'], 'InitializationError');
    assert.equal((JSON.parse(await readBody(init.body!)) as { errorMessage: string }).errorMessage, 'init blew up');
    await admin('POST', '/faults', { match: { phase: 'coldStart', functionName: 'hooks' }, effect: { type: 'crash' }, times: 1 });
    const cold = await sdkError(invoke('hooks'));
    assert.equal(cold.code, 'CAExited');
    assert.equal(cold.statusCode, 412, "FC's status for CAExited (errors.json)");
    const ok = await invoke('hooks');
    assert.equal(ok.statusCode, 200);
    const events = ((await admin('GET', '/functions/hooks/timeline')).timeline as Array<{ event: string }>).map((t) => t.event);
    assert.deepEqual(events.filter((e) => e.startsWith('fault.') || e === 'failed' || e === 'invoked'), ['fault.initializer', 'invoked', 'fault.coldStart', 'failed', 'invoked']);
  });

  it('API-level faults in the chaos style: by operation, with an error status', async () => {
    await admin('POST', '/faults', { match: { phase: 'api', operation: 'ListFunctions' }, effect: { type: 'error', code: 'ServiceUnavailable', status: 503 }, times: 1 });
    const err = await sdkError(local.client.listFunctions(new $FC.ListFunctionsRequest({})));
    assert.equal(err.statusCode, 503);
    assert.equal(err.code, 'ServiceUnavailable');
    assert.ok((await local.client.listFunctions(new $FC.ListFunctionsRequest({}))).body!.functions);
    await create('chaos');
    await admin('POST', '/faults', { match: { phase: 'api', operation: 'GetFunction', functionName: 'chaos' }, effect: { type: 'error', code: 'ServiceUnavailable', status: 503 }, times: 1 });
    assert.equal((await sdkError(get('chaos'))).statusCode, 503);
    const timeline = (await admin('GET', '/functions/chaos/timeline')).timeline as Array<{ event: string; detail?: { operation?: string } }>;
    assert.equal(timeline.find((t) => t.event === 'fault.api')?.detail?.operation, 'GetFunction');
  });

  it('matches an API fault by the route for a client that sends no x-acs-action (Terraform, curl)', async () => {
    await create('bare');
    await admin('POST', '/faults', { match: { phase: 'api', operation: 'GetFunction', functionName: 'bare' }, effect: { type: 'error', code: 'ServiceUnavailable', status: 503 }, times: 1 });
    await admin('POST', '/faults', { match: { phase: 'api', operation: 'ListFunctions' }, effect: { type: 'error', code: 'ServiceUnavailable', status: 503 }, times: 1 });
    await admin('POST', '/faults', { match: { phase: 'api', operation: 'ListVpcBindings' }, effect: { type: 'error', code: 'ServiceUnavailable', status: 503 }, times: 1 });
    const bare = (method: string, path: string) => fetch(`${local.fc.url}/2023-03-30${path}`, { method, signal: AbortSignal.timeout(60_000) });
    const list = await bare('GET', '/functions');
    assert.equal(list.status, 503);
    assert.equal(((await list.json()) as { Code: string }).Code, 'ServiceUnavailable');
    assert.equal((await bare('GET', '/functions/bare')).status, 503);
    assert.equal((await bare('GET', '/functions/bare')).status, 200, 'the rule was spent once');
    assert.equal((await bare('GET', '/functions/bare/vpc-bindings')).status, 503, 'an operation localfc does not emulate matches by its route too');
  });
});

describe('one fault model: rules that take effect, and what happened to them', () => {
  const admin = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${local.fc.url}/_localfc${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
    return { status: res.status, json: (await res.json()) as Record<string, unknown> };
  };
  const create = (name: string, extra: Partial<$FC.CreateFunctionInput> = {}) =>
    local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }), ...extra }) }));
  const invoke = (name: string) => local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('x') }));

  const local = localfcWithClient({ clock: 'manual' });
  beforeEach(() => admin('POST', '/reset'));

  it('a rule whose effect its phase cannot carry out is refused, naming what the phase supports', async () => {
    const hold = await admin('POST', '/faults', { match: { phase: 'invocation' }, effect: { type: 'hold' } });
    assert.equal(hold.status, 400);
    assert.equal(hold.json.Code, 'InvalidArgument');
    assert.match(hold.json.Message as string, /the invocation phase cannot carry out the 'hold' effect: it supports error, latency, throttle, crash, inactive \('hold' works in preparation, update, image\)/);
    const throttle = await admin('POST', '/faults', { match: { phase: 'preparation' }, effect: { type: 'throttle' } });
    assert.equal(throttle.status, 400);
    assert.match(throttle.json.Message as string, /preparation phase cannot carry out the 'throttle' effect: it supports error, latency, hold/);
    // The SDK-only way is held to the same table.
    const tagged = await sdkError(create('tagged', { tags: [new $FC.Tag({ key: 'localfc:fault:preparation', value: 'throttle' })] }));
    assert.equal(tagged.code, 'InvalidArgument');
    assert.match(tagged.data.Message, /tag localfc:fault:preparation: the preparation phase cannot carry out the 'throttle' effect/);
    const listed = await admin('GET', '/faults');
    assert.deepEqual(listed.json.rules, [], 'nothing was added');
    const capabilities = (await admin('GET', '/faults/capabilities')).json.phases as Array<{ phase: string; effects: string[] }>;
    assert.deepEqual(capabilities.find((p) => p.phase === 'invocation')?.effects, ['error', 'latency', 'throttle', 'crash', 'inactive'], 'the same table refuses and is reported');
  });

  it('a rule without a phase acts only where its effect can: a crash is spent on an invocation, not on GetFunction', async () => {
    assert.equal((await admin('POST', '/faults', { match: { functionName: 'anyphase' }, effect: { type: 'crash' }, times: 1 })).status, 200);
    await create('anyphase');
    await advanceClock(local.fc, 1000);
    assert.equal((await local.client.getFunction('anyphase', new $FC.GetFunctionRequest({}))).body!.state, 'Active');
    const timeline = (await admin('GET', '/functions/anyphase/timeline')).json.timeline as Array<{ event: string }>;
    assert.deepEqual(timeline.filter((t) => t.event.startsWith('fault.')), [], 'not fired (nor logged) where it could do nothing');
    const crashed = await sdkError(invoke('anyphase'));
    assert.deepEqual([crashed.statusCode, crashed.code], [502, 'BadResponse']);
  });

  it('a times: N rule stays listed once spent, with its fired count', async () => {
    const added = (await admin('POST', '/faults', { match: { phase: 'invocation', functionName: 'twice' }, effect: { type: 'throttle' }, times: 2 })).json;
    assert.deepEqual([added.fired, added.remaining, added.spent], [0, 2, false]);
    await create('twice');
    await advanceClock(local.fc, 1000);
    for (let i = 0; i < 2; i++) assert.equal((await sdkError(invoke('twice'))).code, 'ResourceThrottled');
    assert.equal((await invoke('twice')).statusCode, 200, 'spent: no longer fires');
    const rule = ((await admin('GET', '/faults')).json.rules as Array<Record<string, unknown>>).find((r) => r.id === added.id);
    assert.ok(rule, 'still listed');
    assert.deepEqual([rule.fired, rule.remaining, rule.spent], [2, 0, true]);
  });

  it('the preparation-failure scenario on a code-package function does not talk about pulling an image', async () => {
    await admin('POST', '/scenarios/preparation-failure?functionName=zipped');
    await create('zipped');
    await advanceClock(local.fc, 1000);
    const fn = (await local.client.getFunction('zipped', new $FC.GetFunctionRequest({}))).body!;
    assert.equal(fn.state, 'Failed');
    assert.equal(fn.stateReasonCode, 'ImageAccessDenied');
    assert.doesNotMatch(fn.stateReason!, /pull|the image/i);
    assert.match(fn.stateReason!, /injected preparation failure \(ImageAccessDenied\) by fault rule fault-\d+/);
  });

  it('a latency fault on a call does not hang the caller on the manual clock; with clock: true it waits for the clock', async () => {
    await create('slowcall');
    await advanceClock(local.fc, 1000);
    await admin('POST', '/faults', { match: { phase: 'invocation', functionName: 'slowcall' }, effect: { type: 'latency', ms: 50 }, times: 1 });
    const before = local.fc.localfc.clock.now();
    assert.equal((await invoke('slowcall')).statusCode, 200, 'answered without anyone advancing the clock');
    assert.equal(local.fc.localfc.clock.now(), before);
    assert.deepEqual(local.fc.localfc.clock.pendingTimers().filter((t) => t.label.includes('latency')), []);

    await admin('POST', '/faults', { match: { phase: 'invocation', functionName: 'slowcall' }, effect: { type: 'latency', ms: 5000, clock: true }, times: 1 });
    let done = false;
    const parked = invoke('slowcall').then((r) => ((done = true), r));
    await waitFor('the call to park on its latency timer', async () => (local.fc.localfc.clock.pendingTimers().some((t) => t.label === 'invocation latency fault') ? true : undefined));
    assert.equal(done, false);
    await advanceClock(local.fc, 5000);
    assert.equal((await parked).statusCode, 200);
  });
});

describe('start-up faults and settings', () => {
  it('a fault given at start-up (env short form) fails the preparation of matching functions', async () => {
    await withLocalfcClient({ clock: 'manual', timing: { codePreparationMs: 1000 }, faultSpecs: ['preparation@doomed-*=error:ImageAccessDenied'] }, async ({ fc, client }) => {
      for (const n of ['doomed-a', 'ok-a']) {
        await client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: n, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
      }
      await advanceClock(fc, 1000);
      assert.equal((await client.getFunction('doomed-a', new $FC.GetFunctionRequest({}))).body!.stateReasonCode, 'ImageAccessDenied');
      assert.equal((await client.getFunction('ok-a', new $FC.GetFunctionRequest({}))).body!.state, 'Active');
    });
  });

  it('a scenario given at start-up holds every new function in Pending', async () => {
    await withLocalfcClient({ clock: 'manual', timing: { codePreparationMs: 1000 }, scenarios: ['stuck-pending'] }, async ({ fc, client }) => {
      await client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'stuck', runtime: 'nodejs20', handler: 'i.h', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
      await advanceClock(fc, 3600_000);
      assert.equal((await client.getFunction('stuck', new $FC.GetFunctionRequest({}))).body!.state, 'Pending');
    });
  });

  it('the server log says which instance served each invocation and whether it was a cold start', async () => {
    const lines: string[] = [];
    await withLocalfcClient({ clock: 'manual', log: 'text' }, async ({ fc, client }) => {
      await client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'logged', runtime: 'nodejs20', handler: 'i.h', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
      await advanceClock(fc, 1000);
      const first = await client.invokeFunction('logged', new $FC.InvokeFunctionRequest({ body: event('a') }));
      await client.invokeFunction('logged', new $FC.InvokeFunctionRequest({ body: event('b') }));
      const invokes = lines.filter((l) => l.startsWith('invoke logged:LATEST'));
      assert.equal(invokes.length, 2);
      assert.match(invokes[0]!, new RegExp(`instance ${first.headers!['x-fc-instance-id']} cold start status 200`));
      assert.match(invokes[1]!, /warm status 200/);
    }, { logLine: (l) => lines.push(l) });
  });

  it('two servers in one process do not share state', async () => {
    const [a, b] = await Promise.all([start({ clock: 'manual' }), start({ clock: 'manual' })]);
    try {
      await sdkClient(a.endpoint).createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'only-a', runtime: 'nodejs20', handler: 'i.h', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
      assert.equal((await sdkError(sdkClient(b.endpoint).getFunction('only-a', new $FC.GetFunctionRequest({})))).code, 'FunctionNotFound');
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });
});
