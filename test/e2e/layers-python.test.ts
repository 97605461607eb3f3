/**
 * A Python handler importing a module from a layer under the process backend: the layer's `python/` directory is
 * FC's /opt/python, which localfc unpacks per revision and puts on PYTHONPATH.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../../src/code/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { $FC, type FcClient, event, readBody, sdkClient } from '../helpers/sdk.ts';

const layerZip = createZip([{ path: 'python/greet.py', data: 'def hello():\n    return "hello from the layer"\n' }]).toString('base64');
const handlerZip = createZip([{ path: 'index.py', data: 'import greet\n\ndef handler(event, context):\n    return greet.hello()\n' }]).toString('base64');

describe('layers under the process backend (python)', () => {
  let fc: RunningLocalfc;
  let client: FcClient;
  before(async () => {
    fc = await start({ clock: 'manual', backend: 'process' });
    client = sdkClient(fc.endpoint);
  });
  after(() => fc.stop());

  it('a python3.10 handler imports a module from a layer (python/ on PYTHONPATH)', async () => {
    const layer = await client.createLayerVersion('pygreet', new $FC.CreateLayerVersionRequest({
      body: new $FC.CreateLayerVersionInput({ code: new $FC.InputCodeLocation({ zipFile: layerZip }), compatibleRuntime: ['python3.10'] }),
    }));
    const arn = layer.body!.layerVersionArn!;
    await client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'pygreeter', runtime: 'python3.10', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: handlerZip }), layers: [arn] }),
    }));
    await fc.localfc.clock.advance(1000);
    await fc.localfc.functions.quiesce();
    const fn = (await client.getFunction('pygreeter', new $FC.GetFunctionRequest({}))).body!;
    assert.equal(fn.state, 'Active', fn.stateReason);
    assert.deepEqual(fn.layers!.map((l) => l.arn), [arn]);
    const res = await client.invokeFunction('pygreeter', new $FC.InvokeFunctionRequest({ body: event('{}') }));
    assert.equal(res.headers!['x-fc-error-type'], undefined);
    assert.equal(await readBody(res.body!), 'hello from the layer');
  });
});
