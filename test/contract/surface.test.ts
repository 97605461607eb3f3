/**
 * The rest of the function surface through the official SDK: provision and scaling configs kept warm by the pool,
 * ListInstances, tags, GetFunctionCode, layers (and a layer's module used by a real handler), unsupported operations.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { type RunningLocalfc } from '../../src/index.ts';
import { $FC, type FcClient, event, readBody, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const code = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]);
const layerZip = (body: string) => createZip([{ path: 'nodejs/node_modules/greet/index.js', data: body }]).toString('base64');

async function createActive(fc: RunningLocalfc, client: FcClient, name: string, extra: Partial<$FC.CreateFunctionInput> = {}, zip = code): Promise<void> {
  await client.createFunction(new $FC.CreateFunctionRequest({
    body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip.toString('base64') }), ...extra }),
  }));
  await advanceClock(fc, 1000);
}

describe('function surface through the official SDK (simulated backend)', () => {
  const instances = async (name: string) => (await local.client.listInstances(name, new $FC.ListInstancesRequest({}))).body!.instances ?? [];

  // A server per test: no test sees another's functions, configs or layers, so each runs alone or in any order.
  const local = localfcWithClient({ clock: 'manual' }, undefined, { each: true });

  it('a provision config starts its target instances; ListInstances shows them and current matches', async () => {
    await createActive(local.fc, local.client, 'warm');
    assert.deepEqual(await instances('warm'), []);
    const put = await local.client.putProvisionConfig('warm', new $FC.PutProvisionConfigRequest({
      body: new $FC.PutProvisionConfigInput({ defaultTarget: 2, alwaysAllocateCPU: true, scheduledActions: [new $FC.ScheduledAction({ name: 'peak', scheduleExpression: 'cron(0 0 9 * * *)', target: 5 })] }),
    }));
    assert.equal(put.body!.target, 2);
    assert.equal(put.body!.current, 2);
    assert.equal(put.body!.scheduledActions![0]!.name, 'peak');
    assert.match(put.body!.functionArn!, /functions\/warm\/LATEST$/);
    const listed = await instances('warm');
    assert.equal(listed.length, 2);
    for (const i of listed) assert.equal(i.versionId, '0', 'the definition: instances under LATEST report version 0');

    // Provisioned instances are not reclaimed however long they idle.
    await advanceClock(local.fc, 3_600_000);
    assert.equal((await instances('warm')).length, 2);
    const got = await local.client.getProvisionConfig('warm', new $FC.GetProvisionConfigRequest({}));
    assert.equal(got.body!.current, 2);
    const all = await local.client.listProvisionConfigs(new $FC.ListProvisionConfigsRequest({}));
    assert.deepEqual(all.body!.provisionConfigs!.map((p) => [p.functionArn?.endsWith('/warm/LATEST'), p.current]), [[true, 2]]);

    // An invocation uses a warm instance: no new one.
    await local.client.invokeFunction('warm', new $FC.InvokeFunctionRequest({ body: event('x') }));
    assert.equal((await instances('warm')).length, 2);

    await local.client.deleteProvisionConfig('warm', new $FC.DeleteProvisionConfigRequest({}));
    const gone = await local.client.getProvisionConfig('warm', new $FC.GetProvisionConfigRequest({}));
    assert.deepEqual(gone.body!.toMap(), { target: 0, current: 0 }, 'no config: 200 without functionArn (clients.json provision)');
    await advanceClock(local.fc, 600_000);
    assert.deepEqual(await instances('warm'), [], 'without the config they idle out');
  });

  it('the warm instances follow an update to the new revision', async () => {
    await createActive(local.fc, local.client, 'warm');
    await local.client.putProvisionConfig('warm', new $FC.PutProvisionConfigRequest({ body: new $FC.PutProvisionConfigInput({ target: 1 }) }));
    const before = (await instances('warm')).map((i) => i.instanceId);
    assert.equal(before.length, 1);
    await local.client.updateFunction('warm', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ description: 'v2' }) }));
    await advanceClock(local.fc, 1000);
    const afterUpdate = (await instances('warm')).map((i) => i.instanceId);
    assert.equal(afterUpdate.length, 1);
    assert.notDeepEqual(afterUpdate, before);
    await local.client.deleteProvisionConfig('warm', new $FC.DeleteProvisionConfigRequest({}));
  });

  it('scaling config CRUD; minInstances kept warm', async () => {
    await createActive(local.fc, local.client, 'warm');
    const put = await local.client.putScalingConfig('warm', new $FC.PutScalingConfigRequest({
      body: new $FC.PutScalingConfigInput({ minInstances: 3, horizontalScalingPolicies: [new $FC.ScalingPolicy({ name: 'cpu', metricType: 'CPUUtilization', metricTarget: 0.6, minInstances: 3, maxInstances: 10 })] }),
    }));
    assert.equal(put.body!.minInstances, 3);
    assert.equal(put.body!.currentInstances, 3);
    assert.equal(put.body!.horizontalScalingPolicies![0]!.maxInstances, 10);
    assert.equal((await instances('warm')).length, 3);
    const listed = await local.client.listScalingConfigs(new $FC.ListScalingConfigsRequest({ functionName: 'warm' }));
    assert.equal(listed.body!.scalingConfigs!.length, 1);
    await local.client.deleteScalingConfig('warm', new $FC.DeleteScalingConfigRequest({}));
    assert.equal((await sdkError(local.client.getScalingConfig('warm', new $FC.GetScalingConfigRequest({})))).code, 'ScalingConfigNotFound');
    assert.equal((await sdkError(local.client.putScalingConfig('nope', new $FC.PutScalingConfigRequest({ body: new $FC.PutScalingConfigInput({ minInstances: 1 }) })))).code, 'FunctionNotFound');
  });

  it('tags: tag by ARN, list, untag; reserved fault tags are validated and take effect', async () => {
    await createActive(local.fc, local.client, 'warm');
    const arn = (await local.client.getFunction('warm', new $FC.GetFunctionRequest({}))).body!.functionArn!;
    await local.client.tagResources(new $FC.TagResourcesRequest({ body: new $FC.TagResourcesInput({ resourceType: 'function', resourceId: [arn], tag: [new $FC.Tag({ key: 'team', value: 'a' }), new $FC.Tag({ key: 'env', value: 'dev' })] }) }));
    const listed = await local.client.listTagResources(new $FC.ListTagResourcesRequest({ resourceType: 'function', resourceId: [arn] }));
    assert.deepEqual(listed.body!.tagResources!.map((t) => [t.resourceId, t.tagKey, t.tagValue]), [[arn, 'team', 'a'], [arn, 'env', 'dev']]);
    const byTag = await local.client.listTagResources(new $FC.ListTagResourcesRequest({ resourceType: 'function', tag: [new $FC.ListTagResourcesRequestTag({ key: 'env', value: 'dev' })], limit: 1 }));
    assert.equal(byTag.body!.tagResources!.length, 1);
    assert.ok(byTag.body!.nextToken, 'a second page');
    await local.client.untagResources(new $FC.UntagResourcesRequest({ resourceType: 'function', resourceId: ['warm'], tagKey: ['team'] }));
    assert.deepEqual((await local.client.getFunction('warm', new $FC.GetFunctionRequest({}))).body!.tags!.map((t) => t.key), ['env']);

    const bad = await sdkError(local.client.tagResources(new $FC.TagResourcesRequest({ body: new $FC.TagResourcesInput({ resourceId: ['warm'], tag: [new $FC.Tag({ key: 'localfc:fault:invocation', value: 'nonsense' })] }) })));
    assert.equal(bad.code, 'InvalidArgument');
    await local.client.tagResources(new $FC.TagResourcesRequest({ body: new $FC.TagResourcesInput({ resourceId: ['warm'], tag: [new $FC.Tag({ key: 'localfc:fault:invocation', value: 'throttle' })] }) }));
    const faulted = await sdkError(local.client.invokeFunction('warm', new $FC.InvokeFunctionRequest({ body: event('x') })));
    assert.equal(faulted.code, 'ResourceThrottled');
    await local.client.untagResources(new $FC.UntagResourcesRequest({ resourceId: ['warm'], all: true }));
    assert.deepEqual((await local.client.getFunction('warm', new $FC.GetFunctionRequest({}))).body!.tags, []);
    assert.equal((await sdkError(local.client.tagResources(new $FC.TagResourcesRequest({ body: new $FC.TagResourcesInput({ resourceId: ['nope'], tag: [new $FC.Tag({ key: 'k', value: 'v' })] }) })))).code, 'FunctionNotFound');
  });

  it('GetFunctionCode: the URL downloads exactly the uploaded zip; the checksum is codeChecksum', async () => {
    await createActive(local.fc, local.client, 'warm');
    const res = await local.client.getFunctionCode('warm', new $FC.GetFunctionCodeRequest({}));
    const fn = (await local.client.getFunction('warm', new $FC.GetFunctionRequest({}))).body!;
    assert.equal(res.body!.checksum, fn.codeChecksum);
    const download = await fetch(res.body!.url!);
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), code);
    const forged = await fetch(res.body!.url!.replace(/Signature=[0-9a-f]+/, 'Signature=00'));
    assert.equal(forged.status, 403);
  });

  it('layers: create versions, get, get by ARN, ACL, list layers and versions to the last page, delete', async () => {
    const v1 = await local.client.createLayerVersion('libs', new $FC.CreateLayerVersionRequest({ body: new $FC.CreateLayerVersionInput({ code: new $FC.InputCodeLocation({ zipFile: layerZip('v1') }), compatibleRuntime: ['nodejs20'], description: 'first' }) }));
    assert.equal(v1.body!.version, 1);
    assert.match(v1.body!.layerVersionArn!, /^acs:fc:cn-hangzhou:\d+:layers\/libs\/versions\/1$/);
    assert.match(v1.body!.codeChecksum!, /^\d+$/);
    assert.deepEqual(v1.body!.compatibleRuntime, ['nodejs20']);
    for (const n of [2, 3]) await local.client.createLayerVersion('libs', new $FC.CreateLayerVersionRequest({ body: new $FC.CreateLayerVersionInput({ code: new $FC.InputCodeLocation({ zipFile: layerZip(`v${n}`) }) }) }));
    await local.client.createLayerVersion('other', new $FC.CreateLayerVersionRequest({ body: new $FC.CreateLayerVersionInput({ code: new $FC.InputCodeLocation({ zipFile: layerZip('o') }) }) }));

    assert.equal((await local.client.getLayerVersion('libs', '1')).body!.description, 'first');
    const byArn = await local.client.getLayerVersionByArn(v1.body!.layerVersionArn!);
    assert.equal(byArn.body!.codeSize, v1.body!.codeSize);
    const downloaded = Buffer.from(await (await fetch(byArn.body!.code!.location!)).arrayBuffer());
    assert.equal(downloaded.toString('base64'), layerZip('v1'));

    const versions: number[] = [];
    let startVersion: number | undefined;
    do {
      const page = await local.client.listLayerVersions('libs', new $FC.ListLayerVersionsRequest({ limit: 2, ...(startVersion ? { startVersion: String(startVersion) } : {}) }));
      versions.push(...page.body!.layers!.map((l) => l.version!));
      startVersion = page.body!.nextVersion;
    } while (startVersion !== undefined);
    assert.deepEqual(versions, [1, 2, 3]);

    const names: string[] = [];
    let nextToken: string | undefined;
    do {
      const page = await local.client.listLayers(new $FC.ListLayersRequest({ limit: 1, ...(nextToken ? { nextToken } : {}) }));
      names.push(...page.body!.layers!.map((l) => `${l.layerName}:${l.version}`));
      nextToken = page.body!.nextToken;
    } while (nextToken);
    assert.deepEqual(names, ['libs:3', 'other:1']);

    await local.client.putLayerACL('libs', new $FC.PutLayerACLRequest({ public: 'true' }));
    assert.equal((await local.client.getLayerVersion('libs', '2')).body!.acl, '1');
    assert.deepEqual((await local.client.listLayers(new $FC.ListLayersRequest({ public: 'true' }))).body!.layers!.map((l) => l.layerName), ['libs']);

    await local.client.deleteLayerVersion('libs', '2');
    const gone = await sdkError(local.client.getLayerVersion('libs', '2'));
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.code, 'LayerNotFound');
    const v4 = await local.client.createLayerVersion('libs', new $FC.CreateLayerVersionRequest({ body: new $FC.CreateLayerVersionInput({ code: new $FC.InputCodeLocation({ zipFile: layerZip('v4') }) }) }));
    assert.equal(v4.body!.version, 4, 'version numbers are not reused');
  });

  it('a function naming a layer that does not exist is refused; an existing one is shown with its size', async () => {
    const missing = await sdkError(local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'layered', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: code.toString('base64') }), layers: ['acs:fc:cn-hangzhou:1234567890123456:layers/libs/versions/99'] }),
    })));
    assert.equal(missing.code, 'LayerNotFound');
    const arn = (await local.client.createLayerVersion('libs', new $FC.CreateLayerVersionRequest({ body: new $FC.CreateLayerVersionInput({ code: new $FC.InputCodeLocation({ zipFile: layerZip('v1') }) }) }))).body!;
    const created = await local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'layered', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: code.toString('base64') }), layers: [arn.layerVersionArn!] }),
    }));
    assert.deepEqual(created.body!.layers!.map((l) => [l.arn, l.size]), [[arn.layerVersionArn, arn.codeSize]]);
  });

  it('operations localfc does not emulate answer with the cloud error shape naming them', async () => {
    const err = await sdkError(local.client.listSessions('any', new $FC.ListSessionsRequest({})));
    assert.equal(err.statusCode, 400);
    assert.equal(err.code, 'NotSupported');
    assert.match(err.data.Message, /ListSessions/);
    assert.match(err.data.RequestId, /^1-/);
    const regions = await local.client.describeRegions(new $FC.DescribeRegionsRequest({}));
    assert.equal(regions.body!.regions!.region![0]!.regionId, 'cn-hangzhou');
  });

  it('deleting a function removes its configs (one at target 0: one that holds instances refuses it, test/api/clients.test.ts)', async () => {
    await createActive(local.fc, local.client, 'short');
    await local.client.putProvisionConfig('short', new $FC.PutProvisionConfigRequest({ body: new $FC.PutProvisionConfigInput({ target: 0 }) }));
    await local.client.deleteFunction('short');
    const listed = await local.client.listProvisionConfigs(new $FC.ListProvisionConfigsRequest({ functionName: 'short' }));
    assert.deepEqual(listed.body!.provisionConfigs, []);
  });
});

describe('layers under the process backend (Node.js and Python)', () => {
  const local = localfcWithClient({ clock: 'manual', backend: 'process' });

  it('a nodejs handler requires a module from a layer (nodejs/node_modules on NODE_PATH)', async () => {
    const layer = await local.client.createLayerVersion('greet', new $FC.CreateLayerVersionRequest({
      body: new $FC.CreateLayerVersionInput({ code: new $FC.InputCodeLocation({ zipFile: layerZip('module.exports = (n) => `hello ${n}`;') }), compatibleRuntime: ['nodejs20'] }),
    }));
    const handler = createZip([{ path: 'index.js', data: 'const greet = require("greet"); exports.handler = (e, c, cb) => cb(null, greet(e.toString()))' }]);
    await createActive(local.fc, local.client, 'greeter', { layers: [layer.body!.layerVersionArn!] }, handler);
    assert.equal((await local.client.getFunction('greeter', new $FC.GetFunctionRequest({}))).body!.state, 'Active');
    const res = await local.client.invokeFunction('greeter', new $FC.InvokeFunctionRequest({ body: event('fc') }));
    assert.equal(await readBody(res.body!), 'hello fc');
  });

  it('a python3.10 handler imports a module from a layer (python/ on PYTHONPATH)', async () => {
    const layer = await local.client.createLayerVersion('pygreet', new $FC.CreateLayerVersionRequest({
      body: new $FC.CreateLayerVersionInput({
        code: new $FC.InputCodeLocation({ zipFile: createZip([{ path: 'python/greet.py', data: 'def hello():\n    return "hello from the layer"\n' }]).toString('base64') }),
        compatibleRuntime: ['python3.10'],
      }),
    }));
    const arn = layer.body!.layerVersionArn!;
    const handler = createZip([{ path: 'index.py', data: 'import greet\n\ndef handler(event, context):\n    return greet.hello()\n' }]);
    await createActive(local.fc, local.client, 'pygreeter', { runtime: 'python3.10', layers: [arn] }, handler);
    const fn = (await local.client.getFunction('pygreeter', new $FC.GetFunctionRequest({}))).body!;
    assert.equal(fn.state, 'Active', fn.stateReason);
    assert.deepEqual(fn.layers!.map((l) => l.arn), [arn]);
    const res = await local.client.invokeFunction('pygreeter', new $FC.InvokeFunctionRequest({ body: event('{}') }));
    assert.equal(res.headers!['x-fc-error-type'], undefined);
    assert.equal(await readBody(res.body!), 'hello from the layer');
  });
});

describe('scaling config scheduled policies on the manual clock', () => {
  const instances = async (name: string) => (await local.client.listInstances(name, new $FC.ListInstancesRequest({}))).body!.instances ?? [];
  const scaling = async (name: string) => (await local.client.getScalingConfig(name, new $FC.GetScalingConfigRequest({}))).body!;
  // Through the admin API, as a test outside the process would.
  const advanceTo = async (iso: string) => {
    const res = await fetch(`${local.fc.url}/_localfc/clock/advance`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms: Date.parse(iso) - local.fc.localfc.clock.now() }),
    });
    assert.equal(res.status, 200);
  };
  const scheduleTimers = () => local.fc.localfc.clock.pendingTimers().filter((t) => t.label.startsWith('scaling schedule'));

  const local = localfcWithClient({ clock: 'manual' }); // 2024-01-01T00:00:00Z
  before(async () => {
    await createActive(local.fc, local.client, 'shift');
  });

  it('raises the warm target to 3 at 09:00 and back to minInstances at 18:00', async () => {
    const put = await local.client.putScalingConfig('shift', new $FC.PutScalingConfigRequest({
      body: new $FC.PutScalingConfigInput({
        minInstances: 1,
        scheduledPolicies: [
          new $FC.ScheduledPolicy({ name: 'day', scheduleExpression: 'cron(0 0 9 * * *)', target: 3 }),
          new $FC.ScheduledPolicy({ name: 'night', scheduleExpression: 'cron(0 0 18 * * *)', target: 1 }),
        ],
      }),
    }));
    assert.equal(put.body!.targetInstances, 1);
    assert.equal(put.body!.scheduledPolicies![0]!.name, 'day');
    assert.equal((await instances('shift')).length, 1);

    await advanceTo('2024-01-01T09:00:01Z');
    assert.equal((await instances('shift')).length, 3);
    const day = await scaling('shift');
    assert.deepEqual([day.minInstances, day.targetInstances, day.currentInstances], [1, 3, 3]);

    // The extra two are released at 18:00 and idle out after instanceIdleMs (10 min).
    await advanceTo('2024-01-01T18:30:00Z');
    assert.equal((await instances('shift')).length, 1);
    const night = await scaling('shift');
    assert.deepEqual([night.minInstances, night.targetInstances, night.currentInstances], [1, 1, 1]);

    await advanceTo('2024-01-02T09:00:00Z');
    assert.equal((await scaling('shift')).targetInstances, 3, 'every day again');
  });

  it('an invalid expression is refused; deleting the config or the function clears its timer', async () => {
    const bad = await sdkError(local.client.putScalingConfig('shift', new $FC.PutScalingConfigRequest({
      body: new $FC.PutScalingConfigInput({ minInstances: 1, scheduledPolicies: [new $FC.ScheduledPolicy({ name: 'five', scheduleExpression: 'cron(0 9 * * *)', target: 2 })] }),
    })));
    assert.equal(bad.code, 'InvalidArgument');
    assert.match(bad.data.Message, /five/);

    assert.equal(scheduleTimers().length, 1);
    await local.client.deleteScalingConfig('shift', new $FC.DeleteScalingConfigRequest({}));
    assert.equal(scheduleTimers().length, 0);

    await local.client.putScalingConfig('shift', new $FC.PutScalingConfigRequest({
      body: new $FC.PutScalingConfigInput({ scheduledPolicies: [new $FC.ScheduledPolicy({ name: 'off', scheduleExpression: 'cron(0 0 9 * * *)', target: 0 })] }),
    }));
    assert.equal(scheduleTimers().length, 1);
    // A config that keeps no instance now does not hold the function (ResidentScalingConfigExists otherwise).
    await local.client.deleteFunction('shift');
    assert.equal(scheduleTimers().length, 0);
  });
});
