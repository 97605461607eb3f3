/**
 * New-user trials against a fresh localfc with default settings, as reference/fc3-definition/clients.json describes
 * the clients: Terraform's request sequence for a function + version + trigger (raw JSON with the keys Terraform adds,
 * no waiting on state), and the Go SDK's null-filled bodies; a code-package function is invocable as soon as
 * CreateFunction returns, a custom container stays Pending while its image is prepared.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { goShaped } from '../helpers/definition.ts';
import { crc64 } from '../../src/code/crc64.ts';

const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');

describe('real clients against default settings', () => {
  let fc: RunningLocalfc;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fc.url}/2023-03-30${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    const text = await res.text();
    return { status: res.status, body: (text ? JSON.parse(text) : {}) as Record<string, unknown> };
  };
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    assert.ok(res.status < 300, `${method} ${path} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };

  before(async () => {
    fc = await start({});
  });
  after(() => fc.stop());

  it('Terraform: function (with Tags), version right away, trigger polled for triggerId, update with functionName, read back', async () => {
    const fn = await ok('POST', '/functions', { functionName: 'tf', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile }, memorySize: 512, Tags: [{ Key: 'k', Value: 'v' }] });
    assert.equal(fn.state, 'Active');
    await ok('POST', '/tags-v2', { ResourceId: [fn.functionArn], ResourceType: 'function', Tag: [{ Key: 'k', Value: 'v' }] });
    const version = await ok('POST', '/functions/tf/versions', { description: 'v1' });
    const read = await ok('GET', `/functions/tf?qualifier=${String(version.versionId)}`);
    assert.equal(read.functionName, 'tf');
    const trigger = await ok('POST', '/functions/tf/triggers', { triggerName: 'web', triggerType: 'http', triggerConfig: '{"authType":"anonymous","methods":["GET"]}', qualifier: 'LATEST' });
    assert.ok(trigger.triggerId);
    assert.ok((await ok('GET', '/functions/tf/triggers/web')).triggerId);
    await ok('PUT', '/functions/tf', { functionName: 'tf', handler: 'index.handler', description: 'changed' });
    const after = await ok('GET', '/functions/tf');
    assert.equal(after.description, 'changed');
    assert.equal(after.lastUpdateStatus, 'Successful');
    assert.deepEqual(after.tags, [{ Key: 'k', Value: 'v' }]);
    assert.ok((await ok('POST', '/functions/tf/versions', { description: 'v2' })).versionId);
  });

  it('Terraform, code package: the empty nested blocks its create body carries read back without an image-acceleration status', async () => {
    const created = await ok('POST', '/functions', {
      functionName: 'tf-blocks', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile },
      gpuConfig: {}, logConfig: {}, customContainerConfig: { healthCheckConfig: {} }, customRuntimeConfig: { healthCheckConfig: {} },
      instanceLifecycleConfig: { preStop: {}, initializer: {} }, ossMountConfig: {}, vpcConfig: {}, Tags: [{ Key: 'k', Value: 'v' }],
    });
    for (const fn of [created, await ok('GET', '/functions/tf-blocks'), ((await ok('GET', '/functions?prefix=tf-blocks')).functions as Record<string, unknown>[])[0]!]) {
      assert.deepEqual(fn.customContainerConfig, { healthCheckConfig: {} });
    }
    const image = await ok('POST', '/functions', { functionName: 'tf-image', runtime: 'custom-container', customContainerConfig: { image: 'registry.example.com/ns/app:v1' } });
    assert.deepEqual((image.customContainerConfig as Record<string, unknown>).accelerationInfo, { status: 'Preparing' }, 'an image function still says it');
  });

  it('Terraform reads back what is not there: concurrency config 404 OnDemandConfigNotFound, provision config 200 target 0', async () => {
    await ok('POST', '/functions', { functionName: 'tf-read', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } });
    // DescribeFcv3ConcurrencyConfig maps exactly this code to "gone" (clients.json notFound.GetConcurrencyConfig).
    const concurrency = await call('GET', '/functions/tf-read/concurrency');
    assert.deepEqual([concurrency.status, concurrency.body.Code], [404, 'OnDemandConfigNotFound']);
    const deleteConcurrency = await call('DELETE', '/functions/tf-read/concurrency');
    assert.equal(deleteConcurrency.body.Code, 'OnDemandConfigNotFound');
    await ok('PUT', '/functions/tf-read/concurrency', { functionName: 'tf-read', reservedConcurrency: 3 });
    assert.equal((await ok('GET', '/functions/tf-read/concurrency')).reservedConcurrency, 3);
    // DescribeFcv3ProvisionConfig sends no qualifier, fails on any error and reads target 0 as "none".
    assert.deepEqual(await ok('GET', '/functions/tf-read/provision-config'), { target: 0, current: 0 });
    await ok('PUT', '/functions/tf-read/provision-config', { functionName: 'tf-read', target: 0 });
    const zero = await ok('GET', '/functions/tf-read/provision-config');
    assert.equal(zero.target, 0, 'acceptance tests set target 0 and read it back');
    assert.ok(zero.functionArn);
    const missing = await call('GET', '/functions/no-such/provision-config');
    assert.deepEqual([missing.status, missing.body.Code], [404, 'FunctionNotFound']);
  });

  it('a qualifier naming nothing: provision and scaling configs refuse it, a trigger and an async config store it for later calls; Terraform\'s provision read without qualifier reads LATEST', async () => {
    await ok('POST', '/functions', { functionName: 'tf-q', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } });
    for (const [path, body] of [['/functions/tf-q/provision-config?qualifier=prod', { functionName: 'tf-q', target: 1 }], ['/functions/tf-q/scaling-config?qualifier=prod', { minInstances: 1 }]] as const) {
      const refused = await call('PUT', path, body);
      assert.deepEqual([refused.status, refused.body.Code], [404, 'AliasNotFound'], path);
    }
    await ok('POST', '/functions/tf-q/triggers', { triggerName: 'web', triggerType: 'http', triggerConfig: '{"authType":"anonymous","methods":["GET"]}', qualifier: 'prod' });
    await ok('PUT', '/functions/tf-q/async-invoke-config?qualifier=prod', { functionName: 'tf-q', maxAsyncRetryAttempts: 1 });
    const calledThrough = await fetch(`${fc.url}/fcapp/tf-q/web`);
    assert.equal(((await calledThrough.json()) as { Code: string }).Code, 'AliasNotFound', 'the trigger resolves prod when it is called');

    await ok('POST', '/functions/tf-q/versions', { description: 'v1' });
    await ok('POST', '/functions/tf-q/aliases', { aliasName: 'prod', versionId: '1' });
    await ok('PUT', '/functions/tf-q/provision-config?qualifier=prod', { functionName: 'tf-q', target: 1 });
    assert.equal((await ok('GET', '/functions/tf-q/provision-config?qualifier=prod')).target, 1);
    // DescribeFcv3ProvisionConfig sends no qualifier: LATEST's (none), which Terraform reads as "not found".
    assert.deepEqual(await ok('GET', '/functions/tf-q/provision-config'), { target: 0, current: 0 });
    await ok('PUT', '/functions/tf-q/provision-config?qualifier=prod', { target: 0 });
  });

  it('Terraform destroy: the trigger before the function; DeleteFunction while a trigger remains is 409 FunctionNotEmpty', async () => {
    await ok('POST', '/functions', { functionName: 'tf-gone', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } });
    await ok('POST', '/functions/tf-gone/triggers', { triggerName: 'web', triggerType: 'http', triggerConfig: '{"authType":"anonymous","methods":["GET"]}' });
    const refused = await call('DELETE', '/functions/tf-gone');
    assert.deepEqual([refused.status, refused.body.Code], [409, 'FunctionNotEmpty']);
    assert.match(String(refused.body.Message), /function 'tf-gone' has active triggers \('web'\)/);
    assert.equal((await ok('GET', '/functions/tf-gone')).functionName, 'tf-gone', 'nothing was deleted');
    await ok('DELETE', '/functions/tf-gone/triggers/web');
    await ok('DELETE', '/functions/tf-gone');
    assert.equal((await call('GET', '/functions/tf-gone')).status, 404);
  });

  it('s remove: DeleteFunction while provisioned or resident instances are configured is 409 ProvisionConfigExist / ResidentScalingConfigExists; a config at 0 holds nothing', async () => {
    await ok('POST', '/functions', { functionName: 'warm-gone', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } });
    await ok('PUT', '/functions/warm-gone/provision-config?qualifier=LATEST', { target: 2 });
    const provisioned = await call('DELETE', '/functions/warm-gone');
    assert.deepEqual([provisioned.status, provisioned.body.Code], [409, 'ProvisionConfigExist']);
    assert.match(String(provisioned.body.Message), /function 'warm-gone' has provision config \(qualifier LATEST\)/);
    assert.equal((await ok('GET', '/functions/warm-gone/provision-config?qualifier=LATEST')).target, 2, 'nothing was deleted');
    // Terraform's acceptance tests set target 0 before destroy: such a config holds no instance.
    await ok('PUT', '/functions/warm-gone/provision-config?qualifier=LATEST', { target: 0 });
    await ok('PUT', '/functions/warm-gone/scaling-config?qualifier=LATEST', { minInstances: 1 });
    const resident = await call('DELETE', '/functions/warm-gone');
    assert.deepEqual([resident.status, resident.body.Code], [409, 'ResidentScalingConfigExists']);
    assert.equal((await ok('GET', '/functions/warm-gone')).functionName, 'warm-gone', 'nothing was deleted');
    await ok('DELETE', '/functions/warm-gone/scaling-config?qualifier=LATEST');
    await ok('DELETE', '/functions/warm-gone');
    assert.equal((await call('GET', '/functions/warm-gone')).status, 404);
  });

  it('tags: CreateFunction refuses reserved keys as TagResources does; a key given twice is kept once, with its last value', async () => {
    for (const Key of ['acs:x', 'aliyun', 'Aliyun-team']) {
      const refused = await call('POST', '/functions', { functionName: 'tagged', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile }, tags: [{ Key, Value: 'v' }] });
      assert.deepEqual([refused.status, refused.body.Code], [400, 'InvalidArgument'], Key);
      assert.match(String(refused.body.Message), /must not start with 'aliyun' or 'acs:'/);
    }
    assert.equal((await call('GET', '/functions/tagged')).status, 404, 'nothing was created');
    const fn = await ok('POST', '/functions', { functionName: 'tagged', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile }, tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: 'x' }, { Key: 'a', Value: '2' }] });
    assert.deepEqual(fn.tags, [{ Key: 'b', Value: 'x' }, { Key: 'a', Value: '2' }]);
    await ok('POST', '/tags-v2', { ResourceId: [fn.functionArn], ResourceType: 'function', Tag: [{ Key: 'c', Value: '1' }, { Key: 'c', Value: '3' }] });
    assert.deepEqual((await ok('GET', '/functions/tagged')).tags, [{ Key: 'b', Value: 'x' }, { Key: 'a', Value: '2' }, { Key: 'c', Value: '3' }]);
  });

  it('Terraform, custom container: port 0 for a port left out, then the update it sends at once while Pending', async () => {
    // alicloud_fcv3_function's create body as its code builds it: port copied from the schema's zero value, nested blocks empty.
    const body = { functionName: 'tf-box', runtime: 'custom-container', handler: 'index.handler', memorySize: 1024, cpu: 0.5,
      customContainerConfig: { healthCheckConfig: {}, image: 'registry.example.com/ns/app:v1', port: 0 },
      instanceLifecycleConfig: { preStop: { timeout: 3 }, initializer: { timeout: 3 } }, logConfig: { logBeginRule: 'None' } };
    const created = await ok('POST', '/functions', body);
    assert.deepEqual([created.state, (created.customContainerConfig as { port?: number }).port], ['Pending', 0]);
    // resourceAliCloudFcv3FunctionUpdate right after: instance_lifecycle_config has changed from the empty state.
    const updated = await ok('PUT', '/functions/tf-box', { functionName: 'tf-box', instanceLifecycleConfig: { preStop: { timeout: 3 }, initializer: { timeout: 3 } }, runtime: 'custom-container', handler: 'index.handler' });
    assert.deepEqual([updated.state, updated.stateReasonCode], ['Pending', 'Creating']);
    const bad = await call('POST', '/functions', { ...body, functionName: 'tf-box-bad', customContainerConfig: { image: 'registry.example.com/ns/app:v1', port: -1 } });
    assert.deepEqual([bad.status, bad.body.Code], [400, 'InvalidArgument']);
  });

  it('code.checksum is checked against the package (CRC-64, as FC\'s codeChecksum), on create, update and layers', async () => {
    const checksum = crc64(Buffer.from(zipFile, 'base64'));
    const fn = await ok('POST', '/functions', { functionName: 'summed', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile, checksum } });
    assert.equal(fn.codeChecksum, checksum);
    for (const [method, path, body] of [
      ['POST', '/functions', { functionName: 'summed-bad', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile, checksum: '123' } }],
      ['PUT', '/functions/summed', { code: { zipFile, checksum: '123' }, description: 'not applied' }],
      ['POST', '/layers/summed-layer/versions', { code: { zipFile, checksum: '123' }, compatibleRuntime: ['nodejs20'] }],
    ] as const) {
      const refused = await call(method, path, body);
      assert.deepEqual([refused.status, refused.body.Code], [400, 'InvalidArgument'], path);
      assert.match(String(refused.body.Message), new RegExp(`code.checksum '123' does not match the code package, whose CRC-64 is '${checksum}'`));
    }
    assert.equal((await ok('GET', '/functions/summed')).description, '', 'the refused update changed nothing');
    assert.equal((await call('GET', '/functions/summed-bad')).status, 404);
  });

  it('Terraform\'s own alicloud_fcv3_function example: code print(\'hello\') with its checksum is taken, and preparing it fails', async () => {
    // website/docs/r/fcv3_function.html.markdown uploads content "print('hello')" as FCV3Py39.zip, checksum 4270285996107335518.
    const created = await ok('POST', '/functions', {
      functionName: 'tf-example', description: 'Create', memorySize: 512, timeout: 3, runtime: 'custom.debian10', handler: 'index.handler', diskSize: 512, cpu: 0.5, instanceConcurrency: 2,
      customRuntimeConfig: { command: ['python', '-c', 'example'], args: ['app.py', 'xx', 'x'], port: 9000, healthCheckConfig: { httpGetUrl: '/ready', initialDelaySeconds: 1, periodSeconds: 10, successThreshold: 1, timeoutSeconds: 1, failureThreshold: 3 } },
      logConfig: { logBeginRule: 'None' }, instanceLifecycleConfig: { initializer: { timeout: 1, handler: 'index.init' }, preStop: { timeout: 1, handler: 'index.stop' } },
      environmentVariables: { EnvKey: 'EnvVal' }, internetAccess: true,
      code: { zipFile: Buffer.from("print('hello')").toString('base64'), checksum: '4270285996107335518' },
    });
    assert.equal(created.codeChecksum, '4270285996107335518');
    assert.deepEqual([created.state, created.stateReasonCode], ['Failed', 'InvalidZipFileException']);
  });

  it('ListFunctions filters by gpuType and resourceGroupId, as by runtime', async () => {
    await ok('POST', '/functions', { functionName: 'gpu-a', runtime: 'custom-container', customContainerConfig: { image: 'registry.example.com/ns/app:v1' }, gpuConfig: { gpuType: 'fc.gpu.tesla.1', gpuMemorySize: 2048 }, resourceGroupId: 'rg-x' });
    await ok('POST', '/functions', { functionName: 'gpu-b', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } });
    const names = async (query: string) => ((await ok('GET', `/functions?prefix=gpu-&${query}`)).functions as Array<{ functionName: string }>).map((f) => f.functionName);
    assert.deepEqual(await names('gpuType=fc.gpu.tesla.1'), ['gpu-a']);
    assert.deepEqual(await names('gpuType=fc.gpu.ampere.1'), []);
    assert.deepEqual(await names('resourceGroupId=rg-x'), ['gpu-a']);
    assert.deepEqual(await names('limit=10'), ['gpu-a', 'gpu-b']);
  });

  it('Go SDK: a null-filled CreateFunction body, then an invocation at once', async () => {
    await ok('POST', '/functions', goShaped('CreateFunctionInput', { functionName: 'go', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } }));
    const res = await fetch(`${fc.url}/2023-03-30/functions/go/invocations`, { method: 'POST', body: 'ping' });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'ping');
  });

  it('a custom container stays Pending while its image is prepared; Serverless Devs waits for it', async () => {
    const created = await ok('POST', '/functions', { functionName: 'box', runtime: 'custom-container', customContainerConfig: { image: 'registry.example.com/ns/app:v1' } });
    assert.equal(created.state, 'Pending');
    const invoke = await fetch(`${fc.url}/2023-03-30/functions/box/invocations`, { method: 'POST', body: 'x' });
    assert.equal(invoke.status, 412);
  });
});
