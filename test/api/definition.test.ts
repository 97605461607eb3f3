/**
 * Alibaba's API definition (reference/fc3-definition/definition.json) against a running localfc, through raw JSON
 * bodies shaped as the Go SDK sends them: every operation has a route; every request model accepts `null` for each
 * unset collection and object ("not set", as the cloud reads it); every range, step and enum the definition states
 * (its `derived` facts, read from Alibaba's descriptions) is enforced with 400 InvalidArgument naming field, value and
 * rule, and its bounds are accepted. A newer definition dropped in shows what changed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { UNSUPPORTED } from '../../src/api/routes/unsupported.ts';
import { advanceClock } from '../helpers/clock.ts';
import { allOptionalNull, definition, facts, type Facts, goShaped, isModel, model } from '../helpers/definition.ts';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../helpers/tls-cert.ts';

const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');
const unsupported = new Set(UNSUPPORTED.map(([operation]) => operation));

interface Call {
  readonly path: string;
  readonly body: Record<string, unknown>;
}

/** A minimal valid triggerConfig (and sourceArn where the type needs one) per trigger type. */
const TRIGGER_SAMPLES: Record<string, { config: unknown; sourceArn?: string }> = {
  http: { config: { authType: 'anonymous', methods: ['GET'] } },
  timer: { config: { cronExpression: '0 0 2 * * *', enable: true } },
  oss: { config: { events: ['oss:ObjectCreated:*'] }, sourceArn: 'acs:oss:cn-hangzhou:1234567890123456:bucket' },
  log: { config: { sourceConfig: { logstore: 'store' } }, sourceArn: 'acs:log:cn-hangzhou:1234567890123456:project/p' },
  mns_topic: { config: {}, sourceArn: 'acs:mns:cn-hangzhou:1234567890123456:/topics/t' },
  cdn_events: { config: { eventName: 'LogFileCreated', eventVersion: '1.0.0', filter: { domain: ['example.com'] } }, sourceArn: 'acs:cdn:*:1234567890123456' },
  tablestore: { config: {}, sourceArn: 'acs:ots:cn-hangzhou:1234567890123456:instance/i/table/t' },
  eventbridge: { config: { eventSourceConfig: { eventSourceType: 'Default' } } },
};

type Derived = Facts;

/** Every field with stated rules under a request model (`facts`: `derived` completed from the prose), through nested objects (arrays of models are not walked). */
function constrainedFields(modelName: string, prefix: string[] = []): Array<{ path: string[]; derived: Derived }> {
  const out: Array<{ path: string[]; derived: Derived }> = [];
  for (const [name, field] of Object.entries(model(modelName))) {
    const d = facts(field);
    if (d && (d.enum || d.min !== undefined || d.max !== undefined || d.multipleOf !== undefined || d.maxLength !== undefined)) out.push({ path: [...prefix, name], derived: d });
    if (isModel(field.type)) out.push(...constrainedFields(field.type, [...prefix, name]));
  }
  return out;
}

/** Values the rule accepts and values it refuses. */
function probes(d: Derived): { good: unknown[]; bad: unknown[] } {
  if (d.enum) return { good: d.enum, bad: [typeof d.enum[0] === 'number' ? 1024 : 'banana'] };
  if (d.maxLength !== undefined) return { good: ['a'.repeat(d.maxLength)], bad: ['a'.repeat(d.maxLength + 1)] };
  const step = d.multipleOf ?? 1;
  const good: number[] = [];
  const bad: number[] = [];
  if (d.min !== undefined) good.push(d.min), bad.push(+(d.min - step).toFixed(4));
  if (d.max !== undefined) good.push(d.max), bad.push(+(d.max + step).toFixed(4));
  if (d.multipleOf !== undefined) bad.push(+((d.min ?? d.multipleOf * 2) + d.multipleOf * 0.4).toFixed(4));
  return { good, bad };
}

function withValue(body: Record<string, unknown>, path: string[], value: unknown): Record<string, unknown> {
  const out = structuredClone(body);
  let at = out;
  for (const key of path.slice(0, -1)) at = (at[key] ??= {}) as Record<string, unknown>;
  at[path.at(-1)!] = value;
  // A cpu needs a memorySize within FC's 1:1–1:4 ratio (GB per vCPU), and the reverse: 2 GB per vCPU.
  if (path.join('.') === 'cpu' && typeof value === 'number') out.memorySize = Math.min(32768, Math.max(128, Math.ceil((value * 2048) / 64) * 64));
  if (path.join('.') === 'memorySize' && typeof value === 'number' && value >= 128) out.cpu = Math.max(0.05, Math.round(value / 2048 / 0.05) * 0.05);
  const trigger = path.join('.') === 'triggerType' ? TRIGGER_SAMPLES[value as string] : undefined;
  if (trigger) Object.assign(out, { triggerConfig: JSON.stringify(trigger.config), ...(trigger.sourceArn ? { sourceArn: trigger.sourceArn } : {}) });
  if (path.join('.') === 'runtime' && value === 'custom-container') out.customContainerConfig = { image: 'registry.example.com/ns/app:v1' };
  return out;
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
  /** A custom domain's blocks that need more than one field: tlsConfig's version probes need its cipherSuites. */
  const domainConfigs = { routeConfig: { routes: [{ path: '/*', functionName: 'web' }] }, tlsConfig: { minVersion: 'TLSv1.2', cipherSuites: ['TLS_RSA_WITH_AES_128_CBC_SHA'] } };
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
    CreateVpcBinding: async () => ({ path: `/functions/${(await fn()).name}/vpc-bindings`, body: { vpcId: 'vpc-def' } }),
    CreateCustomDomain: async () => ({ path: '/custom-domains', body: { domainName: `def-${++n}.example.com`, ...domainConfigs } }),
    UpdateCustomDomain: async () => {
      const domainName = `def-${++n}.example.com`;
      await ok('POST', '/custom-domains', { domainName, certConfig: { certName: 'c', certificate: TEST_CERTIFICATE, privateKey: TEST_PRIVATE_KEY } });
      return { path: `/custom-domains/${domainName}`, body: domainConfigs };
    },
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

  for (const [name, op] of Object.entries(definition.operations)) {
    const bodyModel = op.body?.model;
    if (!bodyModel || bodyModel === 'readable' || unsupported.has(name)) continue;
    for (const { path, derived } of constrainedFields(bodyModel)) {
      const field = path.join('.');
      const { good, bad } = probes(derived);
      it(`${name} ${field}: ${JSON.stringify(derived)} — accepts ${JSON.stringify(good).slice(0, 80)}, refuses ${JSON.stringify(bad).slice(0, 60)}`, async () => {
        for (const value of good) {
          const call = await cases[name]!();
          await ok(op.method, call.path, withValue(call.body, path, value));
        }
        for (const value of bad) {
          const call = await cases[name]!();
          const res = await send(op.method, call.path, withValue(call.body, path, value));
          assert.equal(res.status, 400, `${field}=${JSON.stringify(value)} → ${res.status} ${JSON.stringify(res.body)}`);
          assert.equal(res.body.Code, 'InvalidArgument');
          const message = String(res.body.Message);
          assert.ok(message.includes(path.at(-1)!), `names the field: ${message}`);
          assert.ok(message.includes(typeof value === 'string' && value.length > 20 ? value.slice(0, 20) : String(value)), `names the value: ${message}`);
        }
      });
    }
  }

  for (const [name, op] of Object.entries(definition.operations)) {
    if (unsupported.has(name)) continue;
    for (const q of op.query.filter((q) => facts(q))) {
      const { good, bad } = probes(facts(q)!);
      it(`${name} ?${q.name}: ${JSON.stringify(facts(q))} enforced`, async () => {
        const { name: fnName } = await fn();
        const path = op.path.replace('{functionName}', fnName).replace(/\{(\w+)\}/g, 'x');
        for (const value of good) {
          const res = await fetch(`${fc.url}${path}?${q.name}=${encodeURIComponent(String(value))}`, { method: op.method });
          const body = (await res.json().catch(() => ({}))) as { Code?: string; Message?: string };
          assert.notEqual(body.Code, 'InvalidArgument', `${q.name}=${String(value)} → ${res.status} ${JSON.stringify(body)}`);
        }
        for (const value of bad) {
          const res = await fetch(`${fc.url}${path}?${q.name}=${encodeURIComponent(String(value))}`, { method: op.method });
          const body = (await res.json()) as { Code?: string; Message?: string };
          assert.equal(res.status, 400, `${q.name}=${String(value)} → ${res.status} ${JSON.stringify(body)}`);
          assert.equal(body.Code, 'InvalidArgument');
          assert.ok(body.Message?.includes(q.name), body.Message);
        }
      });
    }
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
