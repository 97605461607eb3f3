/**
 * instanceConcurrency by runtime, through the official SDK on the manual clock (simulated backend; the instance pool
 * is every backend's): FC 3.0's built-in runtimes take the field and read it back, yet run one request per instance;
 * custom runtimes share an instance among up to that many requests (docs/behaviour.md).
 */
import assert from 'node:assert/strict';
import { beforeEach, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, localfcWithClient } from '../helpers/sdk.ts';
import { waitFor } from '../helpers/wait.ts';
import { adminApi } from '../helpers/fc-api.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
const COLD_START_MS = 1000;

describe('instanceConcurrency on built-in and custom runtimes', () => {
  const admin = adminApi(() => local.fc.url);
  const coldStarts = async () => ((await admin('GET', '/clock')).timers as Array<{ label: string }>).filter((t) => t.label.startsWith('coldStart latency')).length;
  /** Waits (real time, bounded only to name a hang) until `n` instances are starting. */
  const starting = (n: number) => waitFor(`${n} instance(s) starting`, async () => ((await coldStarts()) >= n ? true : undefined), 30_000);
  const invoke = async (name: string, body: string) => {
    const res = await local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event(body) }));
    return res.headers!['x-fc-instance-id'] as string;
  };
  const create = async (input: Record<string, unknown>) => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }), instanceConcurrency: 5, ...input }) }));
    await admin('POST', '/clock/advance', { ms: 1000 });
    // Every instance start takes COLD_START_MS of the clock, so the requests sent meanwhile find it still starting.
    await admin('POST', '/faults', { match: { phase: 'coldStart', functionName: input.functionName }, effect: { type: 'latency', ms: COLD_START_MS, clock: true } });
  };

  const local = localfcWithClient({ clock: 'manual' });
  beforeEach(() => admin('POST', '/reset'));

  it('nodejs20 with instanceConcurrency 5: accepted and read back, but each concurrent request starts an instance of its own', async () => {
    await create({ functionName: 'builtin', runtime: 'nodejs20' });
    assert.equal((await local.client.getFunction('builtin', new $FC.GetFunctionRequest({}))).body!.instanceConcurrency, 5);
    const first = invoke('builtin', 'a');
    await starting(1);
    // The first instance is busy (starting for its request): a built-in runtime's second request needs another.
    const second = invoke('builtin', 'b');
    await starting(2);
    const third = invoke('builtin', 'c');
    await starting(3);
    await admin('POST', '/clock/advance', { ms: COLD_START_MS });
    const ids = await Promise.all([first, second, third]);
    assert.equal(new Set(ids).size, 3, `instances: ${ids.join(', ')}`);
  });

  it('python3.10 updated to instanceConcurrency 3: still one request per instance', async () => {
    await create({ functionName: 'py', runtime: 'python3.10', instanceConcurrency: 1 });
    await local.client.updateFunction('py', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ instanceConcurrency: 3 }) }));
    await admin('POST', '/clock/advance', { ms: 1000 });
    assert.equal((await local.client.getFunction('py', new $FC.GetFunctionRequest({}))).body!.instanceConcurrency, 3);
    const first = invoke('py', 'a');
    await starting(1);
    const second = invoke('py', 'b');
    await starting(2);
    await admin('POST', '/clock/advance', { ms: COLD_START_MS });
    const ids = await Promise.all([first, second]);
    assert.notEqual(ids[0], ids[1]);
  });

  it('custom.debian10 with instanceConcurrency 5: requests sent while its instance starts share it', async () => {
    await create({ functionName: 'custom', runtime: 'custom.debian10', customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'index.js'], port: 9000 }) });
    const first = invoke('custom', 'a');
    await starting(1);
    const more = [invoke('custom', 'b'), invoke('custom', 'c')];
    await admin('POST', '/clock/advance', { ms: COLD_START_MS });
    const ids = await Promise.all([first, ...more]);
    assert.equal(new Set(ids).size, 1, `instances: ${ids.join(', ')}`);
    assert.equal(await coldStarts(), 0);
  });
});
