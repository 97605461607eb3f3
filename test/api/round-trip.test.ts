/**
 * Every field of CreateFunctionInput and UpdateFunctionInput that Alibaba's definition lists comes back from
 * GetFunction as it was set (so `terraform plan` sees no drift), with values built from the definition itself; and the
 * rules the definition states across fields (cpu:memorySize ratio, handler only for built-in runtimes).
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { advanceClock } from '../helpers/clock.ts';
import { elementType, isModel, model } from '../helpers/definition.ts';

const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');

/** Values the definition's types and examples don't pin to something valid on their own. */
const OVERRIDES: Record<string, unknown> = {
  runtime: 'custom.debian10', handler: 'index.handler', cpu: 1, memorySize: 2048, diskSize: 10240, timeout: 60, instanceConcurrency: 10,
  disableInjectCredentials: 'Env', idleTimeout: 100, 'customContainerConfig.port': 9000,
  'customRuntimeConfig.port': 9000, 'healthCheckConfig.timeoutSeconds': 2, 'healthCheckConfig.initialDelaySeconds': 1,
  'healthCheckConfig.periodSeconds': 5, 'healthCheckConfig.failureThreshold': 3, 'healthCheckConfig.successThreshold': 1,
  instanceLifecycleConfig: { initializer: { handler: 'index.init', timeout: 10 }, preStop: { command: ['/bin/true'], timeout: 20 } },
  internetAccess: false, sessionAffinity: 'MCP_SSE', sessionAffinityConfig: '{"sessionConcurrencyPerInstance":20}',
  'customContainerConfig.accelerationType': 'Default', 'logConfig.logBeginRule': 'DefaultRegex',
  // GPUs only with custom-container (docs/behaviour.md): this code-package function sends an unset GPU block, as
  // Terraform does; test/contract/documented-limits.test.ts reads a container's gpuConfig back.
  'gpuConfig.gpuType': '',
};
/** Not echoed as sent: the code, the name, layers (rendered as {arn, size}), tags (checked apart), and what FC computes. */
const SKIP = new Set(['code', 'functionName', 'layers', 'tags', 'gpuConfig.gpuMemorySize', 'customContainerConfig.accelerationInfo', 'customContainerConfig.resolvedImageUri']);

function sample(modelName: string, prefix = '', salt = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(model(modelName))) {
    const path = prefix ? `${prefix}.${name}` : name;
    if (SKIP.has(path)) continue;
    const override = OVERRIDES[path] ?? OVERRIDES[`${prefix.split('.').at(-1)}.${name}`];
    out[name] = override !== undefined ? override : value(field.type, field.example, path, salt);
  }
  return out;
}

function value(type: string, example: string | undefined, path: string, salt: string): unknown {
  if (type.startsWith('map<')) return { [`K${salt}`]: `v${salt}` };
  if (type.endsWith('[]')) {
    const el = elementType(type);
    return [isModel(el) ? sample(el, path, salt) : value(el, undefined, path, salt)];
  }
  if (isModel(type)) return sample(type, path, salt);
  switch (type) {
    case 'boolean': return true;
    case 'int32': case 'long': return Number(example) || 7;
    case 'float': return Number(example) || 0.5;
    default: return `${path}-${salt || 'a'}`;
  }
}

describe('every function field of the definition round-trips through GetFunction', () => {
  let fc: RunningLocalfc;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fc.url}/2023-03-30${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  };
  const expectOk = async (method: string, path: string, body?: unknown) => {
    const res = await call(method, path, body);
    assert.equal(res.status, 200, JSON.stringify(res.body));
    return res.body;
  };
  const expectSame = (got: Record<string, unknown>, sent: Record<string, unknown>) => {
    for (const [key, v] of Object.entries(sent)) {
      if (key === 'customContainerConfig') {
        const { accelerationInfo: _a, resolvedImageUri: _r, ...rest } = got[key] as Record<string, unknown>;
        assert.deepEqual(rest, v, key);
      } else {
        assert.deepEqual(got[key], v, key);
      }
    }
  };

  before(async () => {
    fc = await start({ clock: 'manual' });
  });
  after(() => fc.stop());

  it('CreateFunction: every field comes back as set; UpdateFunction: every field comes back as changed', async () => {
    const created = sample('CreateFunctionInput');
    await expectOk('POST', '/functions', { ...created, functionName: 'every-field', code: { zipFile }, tags: [{ Key: 'k', Value: 'v' }] });
    await advanceClock(fc, 1000);
    const got = await expectOk('GET', '/functions/every-field');
    expectSame(got, created);
    assert.deepEqual(got.tags, [{ Key: 'k', Value: 'v' }]);

    const updated = { ...sample('UpdateFunctionInput', '', 'b'), cpu: 2, memorySize: 4096, diskSize: 512, timeout: 30, internetAccess: true };
    await expectOk('PUT', '/functions/every-field', updated);
    await advanceClock(fc, 1000);
    expectSame(await expectOk('GET', '/functions/every-field'), updated);
  });

  it('custom runtimes and custom containers need no handler; built-in runtimes do', async () => {
    const custom = await expectOk('POST', '/functions', { functionName: 'no-handler', runtime: 'custom.debian10', code: { zipFile }, customRuntimeConfig: { command: ['node', 'index.js'] } });
    assert.equal(custom.handler, undefined);
    const container = await expectOk('POST', '/functions', { functionName: 'no-handler-image', runtime: 'custom-container', customContainerConfig: { image: 'registry.example.com/ns/app:v1' } });
    assert.equal(container.handler, undefined);
    const builtIn = await call('POST', '/functions', { functionName: 'no-handler-node', runtime: 'nodejs20', code: { zipFile } });
    assert.equal(builtIn.status, 400);
    assert.match(String(builtIn.body.Message), /handler is required for runtime nodejs20/);
  });

  it('cpu:memorySize outside 1:1–1:4 (GB per vCPU) is refused, naming both values; the bounds are accepted', async () => {
    for (const [cpu, memorySize] of [[1, 128], [0.5, 4096], [2, 1024]] as const) {
      const res = await call('POST', '/functions', { functionName: `ratio-${String(cpu).replace('.', '_')}-${memorySize}`, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile }, cpu, memorySize });
      assert.equal(res.status, 400, `${cpu}/${memorySize}`);
      assert.equal(res.body.Code, 'InvalidArgument');
      assert.match(String(res.body.Message), new RegExp(`cpu ${cpu} with memorySize ${memorySize}`));
    }
    for (const [cpu, memorySize] of [[1, 1024], [1, 4096], [0.35, 512], [16, 32768]] as const) {
      await expectOk('POST', '/functions', { functionName: `ratio-ok-${String(cpu).replace('.', '_')}-${memorySize}`, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile }, cpu, memorySize });
    }
    // An update that sets cpu is checked against the memory the function keeps.
    await advanceClock(fc, 1000);
    const res = await call('PUT', '/functions/ratio-ok-1-1024', { cpu: 2 });
    assert.equal(res.status, 400);
    assert.match(String(res.body.Message), /cpu 2 with memorySize 1024/);
  });

  it('memorySize without cpu reads back a cpu within 1:1–1:4: 0.35 where that fits, else the nearest multiple of 0.05 that does', async () => {
    const cpuOf = (body: Record<string, unknown>) => [body.memorySize, body.cpu];
    for (const [memorySize, cpu] of [[128, 0.1], [512, 0.35], [1024, 0.35], [2048, 0.5], [3072, 0.75], [32768, 8]] as const) {
      const created = await expectOk('POST', '/functions', { functionName: `mem-only-${memorySize}`, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile }, memorySize });
      assert.deepEqual(cpuOf(created), [memorySize, cpu]);
      assert.deepEqual(cpuOf(await expectOk('GET', `/functions/mem-only-${memorySize}`)), [memorySize, cpu]);
    }
    // An update that sets memorySize alone moves the cpu the function has only as far as the ratio needs.
    await advanceClock(fc, 1000);
    assert.deepEqual(cpuOf(await expectOk('PUT', '/functions/mem-only-2048', { memorySize: 16384 })), [16384, 4]);
    assert.deepEqual(cpuOf(await expectOk('PUT', '/functions/mem-only-2048', { memorySize: 4096 })), [4096, 4]);
    assert.deepEqual(cpuOf(await expectOk('PUT', '/functions/mem-only-2048', { description: 'kept' })), [4096, 4]);
  });

  it('a lifecycle hook with both handler and command is refused', async () => {
    const res = await call('POST', '/functions', {
      functionName: 'both-hook', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile },
      instanceLifecycleConfig: { initializer: { handler: 'index.init', command: ['x'] } },
    });
    assert.equal(res.status, 400);
    assert.match(String(res.body.Message), /instanceLifecycleConfig\.initializer: handler and command cannot both be set/);
  });
});
