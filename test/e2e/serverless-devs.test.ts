/**
 * Serverless Devs' deploy of a Node.js code package, step by step with the clients it uses (devsapp/fc3): FC 2.0's
 * GetTempBucketToken through `@alicloud/fc2` (FC_CLIENT_CUSTOM_ENDPOINT), the zip's PutObject through `ali-oss` to
 * FC_CODE_TEMP_OSS_ENDPOINT, CreateFunction with `code: {ossBucketName, ossObjectName}` through the official FC 3.0 SDK,
 * invoke (the process backend runs the uploaded code), the same path again for an update, then delete. Plus layers
 * from OSS and the errors for a missing object.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { crc64 } from '../../src/code/crc64.ts';
import { createZip } from '../helpers/zip.ts';
import { advanceClock } from '../helpers/clock.ts';
import { $FC, event, readBody, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { fc2Client, ossClientFor } from '../helpers/serverless-devs.ts';

const handlerZip = (reply: string) => createZip([{ path: 'index.js', data: `exports.handler = (event, context, callback) => callback(null, ${JSON.stringify(reply)} + ':' + event.toString());\n` }]);

describe('Serverless Devs deploys a Node.js code package to localfc', () => {
  let dir: string;

  /** fc3's uploadCodeToTmpOss: token, then ali-oss put of the zip file to `<accountId>/<objectName>`. */
  const uploadCodeToTmpOss = async (zip: Buffer): Promise<{ ossBucketName: string; ossObjectName: string }> => {
    const fc2 = fc2Client(local.fc.url); // FC_CLIENT_CUSTOM_ENDPOINT=http://127.0.0.1:PORT
    const { data } = await fc2.getTempBucketToken();
    const file = join(dir, `${data.objectName}.zip`);
    await writeFile(file, zip);
    const ossObjectName = `${fc2.accountid}/${data.objectName}`;
    await ossClientFor(data, local.fc.url).put(ossObjectName, file); // FC_CODE_TEMP_OSS_ENDPOINT=http://127.0.0.1:PORT
    return { ossBucketName: data.ossBucket, ossObjectName };
  };
  const invoke = async (name: string, body: string) => readBody((await local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event(body) }))).body!);

  const local = localfcWithClient({ clock: 'manual', backend: 'process' });
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'localfc-sd-'));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('token → OSS upload → CreateFunction from OSS → invoke → update through the same path → delete', async () => {
    const v1 = handlerZip('v1');
    const code = await uploadCodeToTmpOss(v1);
    const created = (await local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'sd-app', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation(code) }),
    }))).body!;
    assert.equal(created.codeChecksum, crc64(v1));
    assert.equal(created.codeSize, v1.length);
    // Serverless Devs does not wait for code-package functions; localfc's default preparation delay may still apply here.
    await advanceClock(local.fc, 1000);
    assert.equal(await invoke('sd-app', 'ping'), 'v1:ping');

    const v2 = handlerZip('v2');
    await local.client.updateFunction('sd-app', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ code: new $FC.InputCodeLocation(await uploadCodeToTmpOss(v2)) }) }));
    await advanceClock(local.fc, 1000);
    assert.equal(await invoke('sd-app', 'again'), 'v2:again');
    const fn = (await local.client.getFunction('sd-app', new $FC.GetFunctionRequest({}))).body!;
    assert.equal(fn.codeChecksum, crc64(v2));

    await local.client.deleteFunction('sd-app');
    assert.equal((await sdkError(local.client.getFunction('sd-app', new $FC.GetFunctionRequest({})))).code, 'FunctionNotFound');
  });

  it('a layer version from OSS (CreateLayerVersion with ossBucketName/ossObjectName) serves its files to the function', async () => {
    const layerZip = createZip([{ path: 'nodejs/node_modules/greeting/index.js', data: 'module.exports = "from a layer";\n' }]);
    const layer = (await local.client.createLayerVersion('sd-lib', new $FC.CreateLayerVersionRequest({
      body: new $FC.CreateLayerVersionInput({ code: new $FC.InputCodeLocation(await uploadCodeToTmpOss(layerZip)), compatibleRuntime: ['nodejs20'] }),
    }))).body!;
    assert.equal(layer.codeChecksum, crc64(layerZip));
    const fnZip = createZip([{ path: 'index.js', data: `exports.handler = (e, c, cb) => cb(null, require('greeting'));\n` }]);
    await local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'sd-layered', runtime: 'nodejs20', handler: 'index.handler', layers: [layer.layerVersionArn!], code: new $FC.InputCodeLocation(await uploadCodeToTmpOss(fnZip)) }),
    }));
    await advanceClock(local.fc, 1000);
    assert.equal(await invoke('sd-layered', ''), 'from a layer');
  });

  it('a missing object or bucket is 403 AccessDenied "unable to access object"; half a location is 400; a non-zip object is taken and fails preparation', async () => {
    const body = (code: $FC.InputCodeLocation) => new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'sd-bad', runtime: 'nodejs20', handler: 'index.handler', code }) });
    const missing = await sdkError(local.client.createFunction(body(new $FC.InputCodeLocation({ ossBucketName: 'localfc-temp-code', ossObjectName: '1234567890123456/never-uploaded' }))));
    assert.equal(missing.statusCode, 403);
    assert.equal(missing.code, 'AccessDenied');
    assert.match(missing.data.Message, /unable to access object '1234567890123456\/never-uploaded' in bucket 'localfc-temp-code'/);
    const noBucket = await sdkError(local.client.createFunction(body(new $FC.InputCodeLocation({ ossBucketName: 'no-such-bucket', ossObjectName: 'code.zip' }))));
    assert.equal(noBucket.code, 'AccessDenied');
    const half = await sdkError(local.client.createFunction(body(new $FC.InputCodeLocation({ ossBucketName: 'localfc-temp-code' }))));
    assert.equal(half.statusCode, 400);
    assert.match(half.data.Message, /ossObjectName is missing/);
    // An object that is no zip is taken (FC does: Terraform's own example uploads print('hello')); preparing it fails.
    const notZip = await local.client.createFunction(body(new $FC.InputCodeLocation(await uploadCodeToTmpOss(Buffer.from('not a zip at all, just text')))));
    assert.deepEqual([notZip.body!.state, notZip.body!.stateReasonCode], ['Failed', 'InvalidZipFileException']);
    const layerMissing = await sdkError(local.client.createLayerVersion('sd-lib', new $FC.CreateLayerVersionRequest({
      body: new $FC.CreateLayerVersionInput({ code: new $FC.InputCodeLocation({ ossBucketName: 'localfc-temp-code', ossObjectName: 'gone.zip' }) }),
    })));
    assert.equal(layerMissing.code, 'AccessDenied');
  });
});
