/**
 * VPC bindings through the official SDK and raw HTTP: bind, list and unbind as Terraform's alicloud_fcv3_vpc_binding
 * and `s remove` use them (clients.json), FC's error shape for bad input, bindings gone with their function, kept in a
 * data directory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { $FC, type FcClient, sdkError, localfcWithClient, withLocalfcClient } from '../helpers/sdk.ts';
import { createZip } from '../helpers/zip.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = () => 1' }]).toString('base64');
const createFunction = (client: FcClient, functionName: string) =>
  client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
const bind = (client: FcClient, functionName: string, vpcId: string) =>
  client.createVpcBinding(functionName, new $FC.CreateVpcBindingRequest({ body: new $FC.CreateVpcBindingInput({ vpcId }) }));
const bound = async (client: FcClient, functionName: string) => (await client.listVpcBindings(functionName)).body!.vpcIds;

describe('VPC bindings through the official SDK', () => {
  const local = localfcWithClient({ clock: 'manual' });

  it('binds, lists and unbinds VPCs of a function', async () => {
    await createFunction(local.client, 'vpc-fn');
    assert.deepEqual(await bound(local.client, 'vpc-fn'), []);
    assert.equal((await bind(local.client, 'vpc-fn', 'vpc-8vb8x8dggvr0a1')).statusCode, 204);
    await bind(local.client, 'vpc-fn', 'vpc-2ze2');
    await bind(local.client, 'vpc-fn', 'vpc-8vb8x8dggvr0a1');
    assert.deepEqual(await bound(local.client, 'vpc-fn'), ['vpc-8vb8x8dggvr0a1', 'vpc-2ze2'], 'binding a bound VPC again changes nothing');
    assert.equal((await local.client.deleteVpcBinding('vpc-fn', 'vpc-8vb8x8dggvr0a1')).statusCode, 204);
    assert.deepEqual(await bound(local.client, 'vpc-fn'), ['vpc-2ze2']);
    await local.client.deleteVpcBinding('vpc-fn', 'vpc-never-bound');
    assert.deepEqual(await bound(local.client, 'vpc-fn'), ['vpc-2ze2']);
  });

  it("answers FC's error shape for a function that does not exist and a body without vpcId", async () => {
    for (const call of [bind(local.client, 'nope', 'vpc-1'), local.client.listVpcBindings('nope'), local.client.deleteVpcBinding('nope', 'vpc-1')]) {
      const err = await sdkError(call);
      assert.equal(err.statusCode, 404);
      assert.equal(err.code, 'FunctionNotFound');
      assert.match(err.data.RequestId, /^1-/);
    }
    await createFunction(local.client, 'vpc-bad');
    for (const body of ['{}', '{"vpcId":""}', '{"vpcId":7}']) {
      const res = await fetch(`${local.fc.url}/2023-03-30/functions/vpc-bad/vpc-bindings`, { method: 'POST', body, headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(60_000) });
      assert.equal(res.status, 400, body);
      assert.equal(((await res.json()) as { Code: string }).Code, 'InvalidArgument', body);
    }
    assert.deepEqual(await bound(local.client, 'vpc-bad'), []);
  });

  it("a function's bindings go with it", async () => {
    await createFunction(local.client, 'vpc-gone');
    await bind(local.client, 'vpc-gone', 'vpc-1');
    await local.client.deleteFunction('vpc-gone');
    await createFunction(local.client, 'vpc-gone');
    assert.deepEqual(await bound(local.client, 'vpc-gone'), []);
  });
});

describe('VPC bindings with a data directory', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'localfc-vpc-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a binding survives a restart', async () => {
    await withLocalfcClient({ clock: 'manual', dataDir: dir }, async ({ client }) => {
      await createFunction(client, 'kept');
      await bind(client, 'kept', 'vpc-kept');
    });
    await withLocalfcClient({ clock: 'manual', dataDir: dir }, async ({ client }) => {
      assert.deepEqual(await bound(client, 'kept'), ['vpc-kept']);
    });
  });
});
