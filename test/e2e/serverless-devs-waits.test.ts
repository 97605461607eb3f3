/**
 * What Serverless Devs (devsapp/fc3, reference/fc3-definition/clients.json `serverlessDevs`) waits for and reads back,
 * driven unchanged through the official SDK against localfc: its wait loop for custom containers (GetFunction every 2 s
 * while state is Pending or lastUpdateStatus InProgress; 3 Failed reads throw), and its provision-config steps of
 * `s deploy` (put, wait until current reaches the target; a later deploy without the config deletes it and polls
 * GetProvisionConfig until current is 0, failing on any error) and of `s remove`. The 2 s and 5 s sleeps between polls
 * are manual-clock advances.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { advanceClock } from '../helpers/clock.ts';
import { $FC, event, readBody, localfcWithClient } from '../helpers/sdk.ts';

const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');

/** fc3's FC_CONTAINER_ACCELERATED_TIMEOUT (40 min) in polls 2 s apart. */
const MAX_STATE_POLLS = (40 * 60) / 2;

describe('Serverless Devs waits and read-backs against localfc', () => {
  const local = localfcWithClient({ clock: 'manual' });

  /** fc3 src/resources/fc/index.ts untilFunctionStateOK, with `sleep(2)` as a 2 s clock advance; returns the polls made. */
  const untilFunctionStateOK = async (functionName: string): Promise<number> => {
    let failedTimes = 0;
    for (let polls = 1; polls <= MAX_STATE_POLLS; polls++) {
      const body = (await local.client.getFunction(functionName, new $FC.GetFunctionRequest({}))).body!;
      if (body.state === 'Pending' || body.lastUpdateStatus === 'InProgress') {
        await advanceClock(local.fc, 2000);
      } else if (body.state === 'Failed') {
        if (++failedTimes >= 3) throw new Error(`retry to wait function state ok failed reach 3 times, function State=${body.state}`);
        await advanceClock(local.fc, 2000);
      } else {
        return polls;
      }
    }
    throw new Error('retry to wait function state ok timeout');
  };

  /** fc3 impl/client.ts getFunctionProvisionConfig: a body without functionArn is "no config"; errors propagate. */
  const getFunctionProvisionConfig = async (functionName: string, qualifier: string): Promise<Record<string, unknown>> => {
    const { body } = (await local.client.getProvisionConfig(functionName, new $FC.GetProvisionConfigRequest({ qualifier }))).toMap() as { body: Record<string, unknown> };
    return body.functionArn ? body : {};
  };

  /** fc3 deploy/impl/provision_config.ts: getRemote (errors read as {}), then put and wait, or remove and poll. */
  const deployProvisionConfig = async (functionName: string, localConfig: Record<string, unknown>): Promise<string[]> => {
    const steps: string[] = [];
    const qualifier = 'LATEST';
    let remote: Record<string, unknown>;
    try {
      const { current: _c, functionArn: _a, currentError: _e, ...rest } = await getFunctionProvisionConfig(functionName, qualifier);
      remote = rest;
    } catch {
      remote = {};
    }
    if (Object.keys(localConfig).length > 0) {
      await local.client.putProvisionConfig(functionName, new $FC.PutProvisionConfigRequest({ qualifier, body: new $FC.PutProvisionConfigInput(localConfig) }));
      steps.push('put');
      const realTarget = (localConfig.defaultTarget ?? localConfig.target) as number;
      for (let i = 0; i < 180 && realTarget > 0; i++) {
        const { current } = await getFunctionProvisionConfig(functionName, qualifier);
        if (current === realTarget) return [...steps, `ready after ${i + 1}`];
        await advanceClock(local.fc, 5000);
      }
      throw new Error('provision config never became ready');
    }
    if (Object.keys(remote).length === 0) return [...steps, 'nothing to remove'];
    await local.client.deleteProvisionConfig(functionName, new $FC.DeleteProvisionConfigRequest({ qualifier }));
    steps.push('delete');
    for (let i = 0; i < 12; i++) {
      // An error here is rethrown by fc3: the deploy fails.
      const { current } = await getFunctionProvisionConfig(functionName, qualifier);
      if (current === 0 || !current) return [...steps, `removed after ${i + 1}`];
      await advanceClock(local.fc, 5000);
    }
    return [...steps, 'timeout waiting for removal (fc3 warns and goes on)'];
  };

  it('custom container: Pending while the image is prepared, the wait loop passes, then it serves; the same after an update with fc3 defaults', async () => {
    const created = await local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'box', runtime: 'custom-container', memorySize: 1024, cpu: 1, customContainerConfig: new $FC.CustomContainerConfig({ image: 'registry.example.com/ns/app:v1', port: 9000 }) }),
    }));
    assert.equal(created.body!.state, 'Pending');
    const polls = await untilFunctionStateOK('box');
    assert.ok(polls > 1, `the loop saw Pending first (${polls} polls)`);
    const ready = (await local.client.getFunction('box', new $FC.GetFunctionRequest({}))).body!;
    assert.deepEqual([ready.state, ready.lastUpdateStatus], ['Active', 'Successful']);
    const res = await local.client.invokeFunction('box', new $FC.InvokeFunctionRequest({ body: event('hi') }));
    assert.equal(res.statusCode, 200);
    await readBody(res.body!);

    // fc3's update: the container config with command/entrypoint defaulted to [], plus its empty-config defaults
    // that clear cloud-side settings (clients.json updateBodyDefaults).
    await local.client.updateFunction('box', new $FC.UpdateFunctionRequest({
      body: new $FC.UpdateFunctionInput({
        customContainerConfig: new $FC.CustomContainerConfig({ image: 'registry.example.com/ns/app:v2', port: 9000, command: [], entrypoint: [] }),
        vpcConfig: new $FC.VPCConfig({ securityGroupId: '', vSwitchIds: [], vpcId: '' }),
        tracingConfig: new $FC.TracingConfig({}),
        ossMountConfig: new $FC.OSSMountConfig({ mountPoints: [] }),
        nasConfig: new $FC.NASConfig({ groupId: 0, userId: 0, mountPoints: [] }),
        logConfig: new $FC.LogConfig({ project: '', logstore: '', enableRequestMetrics: false, enableInstanceMetrics: false, logBeginRule: 'None' }),
        environmentVariables: {},
        layers: [],
        instanceIsolationMode: 'SHARE',
        sessionAffinity: 'NONE',
      }),
    }));
    assert.equal((await local.client.getFunction('box', new $FC.GetFunctionRequest({}))).body!.lastUpdateStatus, 'InProgress');
    assert.ok((await untilFunctionStateOK('box')) > 1, 'the loop saw InProgress first');
    const updated = (await local.client.getFunction('box', new $FC.GetFunctionRequest({}))).body!;
    assert.deepEqual([updated.state, updated.lastUpdateStatus, updated.customContainerConfig?.image], ['Active', 'Successful', 'registry.example.com/ns/app:v2']);
  });

  it('a code package is not waited for: Active when CreateFunction returns, the loop passes on its first read', async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'zip', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile }) }) }));
    assert.equal(await untilFunctionStateOK('zip'), 1);
  });

  it('s deploy with a provision config, then without it (removed and polled), then again without; s remove', async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'warm', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile }) }) }));
    assert.deepEqual(await getFunctionProvisionConfig('warm', 'LATEST'), {}, 'no config yet: a 200 without functionArn');

    assert.deepEqual(await deployProvisionConfig('warm', { defaultTarget: 1, alwaysAllocateCPU: false }), ['put', 'ready after 1']);
    assert.equal((await getFunctionProvisionConfig('warm', 'LATEST')).functionArn, `${(await local.client.getFunction('warm', new $FC.GetFunctionRequest({}))).body!.functionArn}/LATEST`);

    assert.deepEqual(await deployProvisionConfig('warm', {}), ['delete', 'removed after 1']);
    assert.deepEqual(await deployProvisionConfig('warm', {}), ['nothing to remove']);

    // s remove: DeleteProvisionConfig, then GetProvisionConfig until current is 0 or absent.
    await deployProvisionConfig('warm', { target: 1 });
    await local.client.deleteProvisionConfig('warm', new $FC.DeleteProvisionConfigRequest({ qualifier: 'LATEST' }));
    const { current } = await getFunctionProvisionConfig('warm', 'LATEST');
    assert.ok(current === 0 || !current);
    await local.client.deleteFunction('warm');
  });
});
