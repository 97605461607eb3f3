/**
 * Limits FC documents for fields localfc mostly stores (a new user's trial 4: F3, F4, F5, F8, F9, F10, F11), through
 * the official SDK: each refusal is the cloud's error shape, nothing the client created changes, and what real
 * clients send (Terraform's empty blocks, Serverless Devs' cleared blocks) still passes. Sources in docs/behaviour.md.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { $FC, type FcClient, sdkClient, sdkError } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');
const IMAGE = 'registry.example.com/ns/app:v1';

describe('documented limits of stored configuration (official SDK)', () => {
  let fc: RunningLocalfc;
  let client: FcClient;
  let n = 0;
  const create = (input: Record<string, unknown>) =>
    client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile }), ...input }) }));
  const refused = async (p: Promise<unknown>, message: RegExp, code = 'InvalidArgument') => {
    const e = await sdkError(p);
    assert.equal(e.statusCode, 400, e.data.Message);
    assert.equal(e.code, code);
    assert.match(e.data.Message, message);
    assert.ok(e.data.RequestId);
  };
  const fresh = async (input: Record<string, unknown> = {}) => {
    const functionName = `lim-${++n}`;
    await create({ functionName, ...input });
    await advanceClock(fc, 1000);
    return functionName;
  };
  const gone = async (functionName: string) => assert.equal((await sdkError(client.getFunction(functionName, new $FC.GetFunctionRequest({})))).code, 'FunctionNotFound');

  before(async () => {
    fc = await start({ clock: 'manual' });
    client = sdkClient(fc.endpoint);
  });
  after(() => fc.stop());

  it('gpuConfig only with custom-container, a GPU type, at most the card\'s memory (F8)', async () => {
    const gpu = (gpuType: string, gpuMemorySize: number) => new $FC.GPUConfig({ gpuType, gpuMemorySize });
    await refused(create({ functionName: 'gpu-zip', gpuConfig: gpu('fc.gpu.tesla.1', 8192), memorySize: 8192, cpu: 2 }), /gpuConfig is not allowed for runtime nodejs20/);
    await gone('gpu-zip');
    await refused(create({ functionName: 'gpu-custom', runtime: 'custom.debian10', gpuConfig: gpu('fc.gpu.tesla.1', 8192) }), /runtime custom\.debian10/);
    const container = { runtime: 'custom-container', handler: undefined, code: undefined, customContainerConfig: new $FC.CustomContainerConfig({ image: IMAGE }) };
    await refused(create({ functionName: 'gpu-t4', ...container, gpuConfig: gpu('fc.gpu.tesla.1', 32768) }), /at most 16384 MB/);
    await refused(create({ functionName: 'gpu-a10', ...container, gpuConfig: gpu('fc.gpu.ampere.1', 25600) }), /at most 24576 MB/);
    await refused(create({ functionName: 'gpu-bogus', ...container, gpuConfig: gpu('fc.gpu.bogus', 4096) }), /gpuType 'fc\.gpu\.bogus'/);
    await refused(create({ functionName: 'gpu-name', ...container, gpuConfig: gpu('nvidia', 4096) }), /gpuType 'nvidia'/);
    for (const [type, memory] of [['fc.gpu.tesla.1', 16384], ['fc.gpu.ampere.1', 24576], ['fc.gpu.ada.1', 49152]] as const) {
      const functionName = `gpu-${++n}`;
      await create({ functionName, ...container, gpuConfig: gpu(type, memory) });
      assert.deepEqual((await client.getFunction(functionName, new $FC.GetFunctionRequest({}))).body!.gpuConfig, gpu(type, memory));
    }
    // Terraform sends an empty gpuConfig for every function without one; that is "not set".
    await fresh({ gpuConfig: new $FC.GPUConfig({}) });
    // Updating a code-package function to a GPU is refused and leaves it as it was.
    const name = await fresh();
    await refused(client.updateFunction(name, new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ gpuConfig: gpu('fc.gpu.tesla.1', 4096) }) })), /gpuConfig/);
    assert.equal((await client.getFunction(name, new $FC.GetFunctionRequest({}))).body!.gpuConfig, undefined);
  });

  it('NAS mount points need a VPC; logBeginRule is None or DefaultRegex (F11)', async () => {
    const nas = new $FC.NASConfig({ mountPoints: [new $FC.NASMountConfig({ serverAddr: '1-a.cn-hangzhou.nas.aliyuncs.com:/', mountDir: '/mnt/nas' })] });
    const vpc = new $FC.VPCConfig({ vpcId: 'vpc-1', vSwitchIds: ['vsw-1'], securityGroupId: 'sg-1' });
    await refused(create({ functionName: 'nas-novpc', nasConfig: nas }), /nasConfig\.mountPoints need vpcConfig/);
    await gone('nas-novpc');
    const name = await fresh({ nasConfig: nas, vpcConfig: vpc });
    // Clearing the VPC while the mounts stay is refused; clearing both (Serverless Devs' empty blocks) is not.
    await refused(client.updateFunction(name, new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ vpcConfig: new $FC.VPCConfig({ vpcId: '', vSwitchIds: [], securityGroupId: '' }) }) })), /need vpcConfig/);
    assert.equal((await client.getFunction(name, new $FC.GetFunctionRequest({}))).body!.vpcConfig!.vpcId, 'vpc-1');
    await client.updateFunction(name, new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({
      vpcConfig: new $FC.VPCConfig({ vpcId: '', vSwitchIds: [], securityGroupId: '' }), nasConfig: new $FC.NASConfig({ groupId: 0, userId: 0, mountPoints: [] }),
      logConfig: new $FC.LogConfig({ project: '', logstore: '', logBeginRule: 'None' }), sessionAffinity: 'NONE', instanceIsolationMode: 'SHARE',
    }) }));
    await refused(create({ functionName: 'log-bogus', logConfig: new $FC.LogConfig({ project: 'p', logstore: 's', logBeginRule: 'Bogus' }) }), /logBeginRule 'Bogus' must be one of None, DefaultRegex/);
    await fresh({ logConfig: new $FC.LogConfig({ project: 'p', logstore: 's', logBeginRule: 'DefaultRegex' }) });
  });

  it('accelerationType and sessionAffinity take the values the definition lists (F4)', async () => {
    await refused(create({ functionName: 'acc', runtime: 'custom-container', handler: undefined, code: undefined, customContainerConfig: new $FC.CustomContainerConfig({ image: IMAGE, accelerationType: 'Bogus' }) }), /accelerationType/);
    await refused(create({ functionName: 'aff', sessionAffinity: 'BOGUS' }), /sessionAffinity/);
    for (const sessionAffinity of ['MCP_SSE', 'GENERATED_COOKIE', 'HEADER_FIELD', 'NONE']) await fresh({ sessionAffinity });
    await create({ functionName: `acc-${++n}`, runtime: 'custom-container', handler: undefined, code: undefined, customContainerConfig: new $FC.CustomContainerConfig({ image: IMAGE, accelerationType: 'None' }) });
  });

  it('tags: key up to 64 characters, value up to 128, no http(s):// or Chinese punctuation; list filters up to 20, untag up to 50 keys (F3)', async () => {
    const tag = (key: string, value: string) => new $FC.Tag({ key, value });
    await refused(create({ functionName: 'tag-key', tags: [tag('k'.repeat(65), 'v')] }), /longer than 64/);
    await refused(create({ functionName: 'tag-value', tags: [tag('k', 'v'.repeat(129))] }), /longer than 128/);
    await refused(create({ functionName: 'tag-url', tags: [tag('k', 'see http://x')] }), /http:\/\//);
    await refused(create({ functionName: 'tag-comma', tags: [tag('k，', 'v')] }), /Chinese punctuation/);
    await refused(create({ functionName: 'tag-stop', tags: [tag('k', '好。')] }), /Chinese punctuation/);
    await gone('tag-key');
    const name = await fresh({ tags: [tag('键'.repeat(64), 'v'.repeat(128)), tag('team', '中文·a-b_c:d/e')] });
    const arn = (await client.getFunction(name, new $FC.GetFunctionRequest({}))).body!.functionArn!;
    await refused(client.tagResources(new $FC.TagResourcesRequest({ body: new $FC.TagResourcesInput({ resourceType: 'function', resourceId: [arn], tag: [tag('k', 'x'.repeat(200))] }) })), /longer than 128/);
    const filters = Array.from({ length: 21 }, (_, i) => new $FC.ListTagResourcesRequestTag({ key: `k${i}`, value: 'v' }));
    await refused(client.listTagResources(new $FC.ListTagResourcesRequest({ resourceType: 'function', tag: filters })), /at most 20/);
    await client.listTagResources(new $FC.ListTagResourcesRequest({ resourceType: 'function', tag: filters.slice(0, 20) }));
    const keys = Array.from({ length: 51 }, (_, i) => `k${i}`);
    await refused(client.untagResources(new $FC.UntagResourcesRequest({ resourceType: 'function', resourceId: [arn], tagKey: keys })), /at most 50/);
    assert.equal((await client.getFunction(name, new $FC.GetFunctionRequest({}))).body!.tags!.length, 2);
    await client.untagResources(new $FC.UntagResourcesRequest({ resourceType: 'function', resourceId: [arn], tagKey: keys.slice(0, 49).concat('team') }));
    assert.equal((await client.getFunction(name, new $FC.GetFunctionRequest({}))).body!.tags!.length, 1);
  });

  it('provision and scaling configs take an alias or LATEST, not a version id (F5)', async () => {
    const name = await fresh();
    const version = (await client.publishFunctionVersion(name, new $FC.PublishFunctionVersionRequest({ body: new $FC.PublishVersionInput({}) }))).body!.versionId!;
    await refused(client.putProvisionConfig(name, new $FC.PutProvisionConfigRequest({ qualifier: version, body: new $FC.PutProvisionConfigInput({ target: 1 }) })), /qualifier '1' is a version/);
    await refused(client.putScalingConfig(name, new $FC.PutScalingConfigRequest({ qualifier: version, body: new $FC.PutScalingConfigInput({ minInstances: 1 }) })), /alias or LATEST/);
    assert.deepEqual((await client.listProvisionConfigs(new $FC.ListProvisionConfigsRequest({ functionName: name }))).body!.provisionConfigs, []);
    await client.createAlias(name, new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: 'prod', versionId: version }) }));
    await client.putProvisionConfig(name, new $FC.PutProvisionConfigRequest({ qualifier: 'prod', body: new $FC.PutProvisionConfigInput({ target: 0 }) }));
    await client.putScalingConfig(name, new $FC.PutScalingConfigRequest({ qualifier: 'LATEST', body: new $FC.PutScalingConfigInput({ minInstances: 0 }) }));
  });

  it('a target-tracking policy needs instance metrics on: 400 InstanceMetricsRequired (F9)', async () => {
    const policy = new $FC.TargetTrackingPolicy({ name: 'p', metricType: 'ProvisionedConcurrencyUtilization', metricTarget: 0.6, minCapacity: 1, maxCapacity: 5, startTime: '2024-01-01T00:00:00Z', endTime: '2030-01-01T00:00:00Z' });
    const put = (name: string) => client.putProvisionConfig(name, new $FC.PutProvisionConfigRequest({ qualifier: 'LATEST', body: new $FC.PutProvisionConfigInput({ target: 0, targetTrackingPolicies: [policy] }) }));
    const plain = await fresh();
    const e = await sdkError(put(plain));
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, 'InstanceMetricsRequired');
    assert.equal(e.data.Message, 'Target tracking policy required instance metrics enabled.');
    assert.deepEqual((await client.listProvisionConfigs(new $FC.ListProvisionConfigsRequest({ functionName: plain }))).body!.provisionConfigs, []);
    // Without policies (Terraform's [] included) nothing is required; with instance metrics on the policy is taken.
    await client.putProvisionConfig(plain, new $FC.PutProvisionConfigRequest({ qualifier: 'LATEST', body: new $FC.PutProvisionConfigInput({ target: 0, targetTrackingPolicies: [] }) }));
    const metered = await fresh({ logConfig: new $FC.LogConfig({ project: 'p', logstore: 's', enableInstanceMetrics: true }) });
    await put(metered);
  });

  it('an alias weight naming the alias\'s own version is 400 AdditionalVersionContainsMajorVersion (F10)', async () => {
    const name = await fresh();
    const version = (await client.publishFunctionVersion(name, new $FC.PublishFunctionVersionRequest({ body: new $FC.PublishVersionInput({}) }))).body!.versionId!;
    const e = await sdkError(client.createAlias(name, new $FC.CreateAliasRequest({ body: new $FC.CreateAliasInput({ aliasName: 'a', versionId: version, additionalVersionWeight: { [version]: 0.5 } }) })));
    assert.equal(e.statusCode, 400);
    assert.equal(e.code, 'AdditionalVersionContainsMajorVersion');
    assert.equal(e.data.Message, `additionalVersionWeight map[${version}:0.5] should not contain major version ${version}`);
    assert.equal((await sdkError(client.getAlias(name, 'a'))).code, 'AliasNotFound');
  });
});
