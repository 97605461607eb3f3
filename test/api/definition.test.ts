/**
 * Alibaba's API definition (reference/fc3-definition/definition.json) against a running localfc, through raw JSON
 * bodies shaped as the Go SDK sends them: every operation has a route; every request model accepts `null` for each
 * unset collection and object ("not set", as the cloud reads it). A newer definition dropped in shows what changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../../src/code/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { UNSUPPORTED } from '../../src/api/routes/unsupported.ts';
import { advanceClock } from '../helpers/clock.ts';
import { allOptionalNull, definition, goShaped } from '../helpers/definition.ts';

const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');
const unsupported = new Set(UNSUPPORTED.map(([operation]) => operation));

interface Call {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

describe('FC API definition against localfc (raw JSON, Go SDK shapes)', () => {
  let fc: RunningLocalfc;
  let n = 0;
  const send = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fc.url}/2023-03-30${path}`, {
      method,
      headers: { 'content-type': 'application/json' },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
    const text = await res.text();
    return { status: res.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
  };
  const ok = async (method: string, path: string, body?: unknown) => {
    const res = await send(method, path, body);
    assert.ok(res.status < 300, `${method} ${path} ${JSON.stringify(body)} → ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  /** A fresh Active function (and its ARN) for one case. */
  const fn = async (): Promise<{ name: string; arn: string }> => {
    const name = `def-${++n}`;
    const created = await ok('POST', '/functions', { functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } });
    await advanceClock(fc, 1000);
    return { name, arn: created.functionArn as string };
  };
  const version = async (name: string): Promise<string> => (await ok('POST', `/functions/${name}/versions`, {})).versionId as string;

  /** One accepted request per operation with a body model: what a caller minimally sends (each case on fresh resources). */
  const cases: Record<string, () => Promise<Call>> = {
    CreateFunction: async () => ({ path: '/functions', body: { functionName: `def-${++n}`, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } } }),
    UpdateFunction: async () => ({ path: `/functions/${(await fn()).name}`, body: { description: 'updated' } }),
    CreateLayerVersion: async () => ({ path: `/layers/def-layer-${++n}/versions`, body: { code: { zipFile } } }),
    CreateTrigger: async () => ({ path: `/functions/${(await fn()).name}/triggers`, body: { triggerName: 't', triggerType: 'http', triggerConfig: '{"authType":"anonymous","methods":["GET"]}' } }),
    UpdateTrigger: async () => {
      const { name } = await fn();
      await ok('POST', `/functions/${name}/triggers`, { triggerName: 't', triggerType: 'http', triggerConfig: '{"authType":"anonymous","methods":["GET"]}' });
      return { path: `/functions/${name}/triggers/t`, body: { description: 'updated' } };
    },
    PublishFunctionVersion: async () => ({ path: `/functions/${(await fn()).name}/versions`, body: { description: 'v' } }),
    CreateAlias: async () => {
      const { name } = await fn();
      return { path: `/functions/${name}/aliases`, body: { aliasName: 'prod', versionId: await version(name) } };
    },
    UpdateAlias: async () => {
      const { name } = await fn();
      const v = await version(name);
      await ok('POST', `/functions/${name}/aliases`, { aliasName: 'prod', versionId: v });
      return { path: `/functions/${name}/aliases/prod`, body: { versionId: v } };
    },
    PutAsyncInvokeConfig: async () => ({ path: `/functions/${(await fn()).name}/async-invoke-config`, body: { maxAsyncRetryAttempts: 1 } }),
    PutConcurrencyConfig: async () => ({ path: `/functions/${(await fn()).name}/concurrency`, body: { reservedConcurrency: 5 } }),
    PutProvisionConfig: async () => ({ path: `/functions/${(await fn()).name}/provision-config`, body: { target: 0 } }),
    PutScalingConfig: async () => ({ path: `/functions/${(await fn()).name}/scaling-config`, body: { minInstances: 0 } }),
    TagResources: async () => ({ path: '/tags-v2', body: { ResourceId: [(await fn()).arn], ResourceType: 'function', Tag: [{ Key: 'k', Value: 'v' }] } }),
  };
  const bodyOps = Object.entries(definition.operations).filter(([, op]) => op.body?.model && op.body.model !== 'readable');

  before(async () => {
    fc = await start({ clock: 'manual' });
  });
  after(() => fc.stop());

  it('every operation of the definition has a route: emulated, or 400 NotSupported naming it (never PathNotSupported)', async () => {
    for (const [name, op] of Object.entries(definition.operations)) {
      const path = op.path.replace(/\{(\w+)\}/g, (_, p: string) => `no-such-${p}`);
      const res = await fetch(`${fc.url}${path}`, { method: op.method, headers: { 'content-type': 'application/json' }, ...(op.method === 'GET' || op.method === 'DELETE' ? {} : { body: '{}' }) });
      const body = (await res.json().catch(() => ({}))) as { Code?: string; Message?: string };
      assert.notEqual(body.Code, 'PathNotSupported', `${name} ${op.method} ${op.path}`);
      if (unsupported.has(name)) {
        assert.equal(res.status, 400, name);
        assert.equal(body.Code, 'NotSupported', name);
        assert.match(body.Message ?? '', new RegExp(name));
      }
    }
  });

  it('every operation with a request body has a case here or is one localfc does not emulate', () => {
    const missing = bodyOps.map(([name]) => name).filter((name) => !cases[name] && !unsupported.has(name));
    assert.deepEqual(missing, []);
  });

  for (const [name, op] of Object.entries(definition.operations)) {
    const model = op.body?.model;
    if (!model || model === 'readable' || unsupported.has(name)) continue;
    it(`${name}: unset collections sent as null (Go SDK), then every unset object too, are "not set"`, async () => {
      const make = cases[name];
      assert.ok(make, `no case for ${name}`);
      const goCall = await make();
      await ok(op.method, goCall.path, goShaped(model, goCall.body));
      const allNull = await make();
      await ok(op.method, allNull.path, allOptionalNull(model, allNull.body));
    });
  }

  it('UpdateFunction: null keeps what was set (environmentVariables, layers, objects)', async () => {
    const name = `def-${++n}`;
    await ok('POST', '/functions', goShaped('CreateFunctionInput', {
      functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile },
      environmentVariables: { A: '1' }, vpcConfig: { vpcId: 'vpc-1', vSwitchIds: ['vsw-1'], securityGroupId: 'sg-1' },
    }));
    await advanceClock(fc, 1000);
    await ok('PUT', `/functions/${name}`, allOptionalNull('UpdateFunctionInput', { description: 'now' }));
    await advanceClock(fc, 1000);
    const got = await ok('GET', `/functions/${name}`);
    assert.equal(got.description, 'now');
    assert.deepEqual(got.environmentVariables, { A: '1' });
    assert.deepEqual(got.vpcConfig, { vpcId: 'vpc-1', vSwitchIds: ['vsw-1'], securityGroupId: 'sg-1' });
    assert.deepEqual(got.layers, []);
  });
});
