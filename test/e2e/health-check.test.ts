// FC's periodic instance health check on the process backend, through the official SDK: the initializer runs before
// the first probe, an instance that fails failureThreshold checks stops getting requests and recovers after
// successThreshold passes, and at the instance limit the call fails. Periods run on the manual clock.
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start as startLocalfc, type RunningLocalfc } from '../../src/index.ts';
import { $FC, type FcClient, event, readBody, sdkClient, sdkError } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';
import { processState } from '../helpers/process.ts';
import { waitFor } from '../helpers/wait.ts';

// Reports every call it gets to the test's control server (POST /record, "<function> <instance id> <what>") before
// answering; /healthz answers the status the control server gives for the instance or else the function (200 without
// either; "hang": no answer), so the test flips one instance's health. Over HTTP: the instance's files are its own.
const server = `
const http = require('node:http');
const ctl = 'http://127.0.0.1:' + process.env.HC_PORT;
const id = process.env.FC_INSTANCE_ID;
const fn = process.env.FC_FUNCTION_NAME;
const record = (what) => fetch(ctl + '/record', { method: 'POST', body: fn + ' ' + id + ' ' + what });
http.createServer((req, res) => {
  req.resume();
  req.on('end', async () => {
    if (req.url === '/healthz') {
      const status = await (await fetch(ctl + '/health/' + id + '/' + fn)).text();
      await record('probe ' + status);
      if (status === 'hang') return;
      return res.writeHead(Number(status)).end();
    }
    await record(req.url.slice(1));
    res.end(req.url === '/invoke' ? id : '');
  });
}).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');
`;
const zipFile = createZip([{ path: 'server.js', data: server }]).toString('base64');
const PERIOD_MS = 1000;

interface Listed {
  instanceId: string;
  healthy: boolean;
  pid?: number;
  healthCheck?: { healthy: boolean; consecutiveFailures: number; consecutiveSuccesses: number; lastFailure?: string };
}

class Harness {
  fc!: RunningLocalfc;
  client!: FcClient;
  readonly #events: string[] = [];
  readonly #health = new Map<string, string>();
  readonly #control = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c));
    req.on('end', () => {
      if (req.url === '/record') {
        this.#events.push(body);
        return res.end();
      }
      const [, , id = '', fn = ''] = (req.url ?? '').split('/');
      res.end(this.#health.get(id) ?? this.#health.get(fn) ?? '200');
    });
  });

  async start(maxInstances?: number): Promise<void> {
    await new Promise<void>((r) => this.#control.listen(0, '127.0.0.1', r));
    this.fc = await startLocalfc({ clock: 'manual', backend: 'process', ...(maxInstances ? { maxInstancesPerFunction: maxInstances } : {}) });
    this.client = sdkClient(this.fc.endpoint);
  }

  async stop(): Promise<void> {
    await this.fc.stop();
    await new Promise<void>((r) => (this.#control.close(() => r()), this.#control.closeAllConnections()));
  }

  async create(functionName: string, opts: { healthCheck: boolean; initializer?: boolean; initialDelaySeconds?: number }): Promise<void> {
    await this.client.createFunction(
      new $FC.CreateFunctionRequest({
        body: new $FC.CreateFunctionInput({
          functionName, runtime: 'custom.debian10', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile }),
          environmentVariables: { HC_PORT: String((this.#control.address() as AddressInfo).port) },
          customRuntimeConfig: new $FC.CustomRuntimeConfig({
            command: ['node', 'server.js'],
            ...(opts.healthCheck
              ? { healthCheckConfig: new $FC.CustomHealthCheckConfig({ httpGetUrl: '/healthz', periodSeconds: PERIOD_MS / 1000, timeoutSeconds: 1, failureThreshold: 2, successThreshold: 2, initialDelaySeconds: opts.initialDelaySeconds ?? 0 }) }
              : {}),
          }),
          ...(opts.initializer ? { instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({ initializer: new $FC.LifecycleHook({ handler: 'index.init', timeout: 3 }) }) } : {}),
        }),
      }),
    );
    await this.advance(1000); // preparation
  }

  /** Moves the manual clock and waits for the health probes that fell due. */
  async advance(ms: number): Promise<void> {
    await advanceClock(this.fc, ms);
  }

  async invoke(name: string): Promise<string> {
    const res = await this.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('x') }));
    const instance = res.headers!['x-fc-instance-id'] ?? '';
    assert.equal(await readBody(res.body!), instance);
    return instance;
  }

  async instances(name: string): Promise<Listed[]> {
    const res = await fetch(`${this.fc.url}/_localfc/functions/${name}/instances`);
    return ((await res.json()) as { instances: Listed[] }).instances;
  }

  async instance(name: string, id: string): Promise<Listed> {
    const found = (await this.instances(name)).find((i) => i.instanceId === id);
    assert.ok(found, `instance ${id} of ${name} is not listed`);
    return found;
  }

  async logs(name: string, id: string): Promise<string> {
    return (await fetch(`${this.fc.url}/_localfc/functions/${name}/instances/${id}/logs`)).text();
  }

  /** What an instance (or every instance of a function) was sent, in order. */
  events(name: string, id?: string): string[] {
    return this.#events.map((l) => l.split(' ')).filter(([fn, inst]) => fn === name && (!id || inst === id)).map((parts) => parts.slice(2).join(' '));
  }

  setHealth(id: string, status: number | 'hang' | undefined): void {
    if (status === undefined) this.#health.delete(id);
    else this.#health.set(id, String(status));
  }

  /** Sets what the instance's /healthz answers, lets one period pass, and returns its listing. */
  async period(name: string, id: string, status: number | undefined): Promise<Listed> {
    this.setHealth(id, status);
    await this.advance(PERIOD_MS);
    return this.instance(name, id);
  }

  async healthTimers(): Promise<string[]> {
    return (await this.timers()).filter((l) => l.startsWith('health check'));
  }

  async timers(): Promise<string[]> {
    const clock = (await (await fetch(`${this.fc.url}/_localfc/clock`)).json()) as { timers: Array<{ label: string }> };
    return clock.timers.map((t) => t.label);
  }

  /** Waits until a clock timer whose label starts with `prefix` is pending (the step that arms it has been reached). */
  async timerArmed(prefix: string): Promise<void> {
    await waitFor(`a pending clock timer '${prefix}…'`, async () => ((await this.timers()).some((l) => l.startsWith(prefix)) ? true : undefined));
  }
}

describe('periodic instance health checks (process backend)', () => {
  const h = new Harness();
  let first = '';
  let second = '';

  before(async () => {
    await h.start();
    await h.create('hc', { healthCheck: true, initializer: true });
    await h.create('plain', { healthCheck: false });
  });
  after(() => h.stop());

  it('runs the initializer before the first health probe, then serves', async () => {
    first = await h.invoke('hc');
    // FC's start-up check is one probe, after the initializer (successThreshold counts only for the periodic check).
    assert.deepEqual(h.events('hc', first), ['initialize', 'probe 200', 'invoke']);
    const listed = await h.instance('hc', first);
    assert.equal(listed.healthy, true);
    assert.deepEqual(listed.healthCheck, { healthy: true, consecutiveFailures: 0, consecutiveSuccesses: 0 });
    assert.deepEqual(await h.healthTimers(), [`health check ${first}`]);
  });

  it('probes every periodSeconds of clock time, thawing the frozen instance and freezing it again', async () => {
    await h.advance(PERIOD_MS);
    assert.deepEqual(h.events('hc', first).slice(3), ['probe 200']);
    await h.advance(PERIOD_MS - 1);
    assert.equal(h.events('hc', first).length, 4, 'no probe before the period is over');
    await h.advance(1);
    assert.deepEqual(h.events('hc', first).slice(3), ['probe 200', 'probe 200']);
    const { pid } = await h.instance('hc', first);
    assert.ok(pid, 'the instance listing names its process');
    // SIGSTOP is delivered asynchronously: wait for the stopped state (T) rather than sample it once.
    await waitFor('the idle instance to be frozen again after its probe (state T)', async () => (processState(pid) === 'T' ? true : undefined));
  });

  it('an instance failing failureThreshold checks in a row turns unhealthy and stops getting requests', async () => {
    let listed = await h.period('hc', first, 503);
    assert.deepEqual([listed.healthy, listed.healthCheck?.consecutiveFailures], [true, 1], 'one failure is below failureThreshold 2');
    listed = await h.period('hc', first, 503);
    assert.deepEqual(listed.healthCheck, { healthy: false, consecutiveFailures: 2, consecutiveSuccesses: 0, lastFailure: 'HTTP 503' });
    assert.equal(listed.healthy, false);
    assert.match(await h.logs('hc', first), /\[localfc\] health check: instance unhealthy after 2 failed check\(s\) in a row \(HTTP 503\)/);

    second = await h.invoke('hc');
    assert.notEqual(second, first, 'the unhealthy instance got the request');
    assert.equal(await h.invoke('hc'), second);
    assert.equal(h.events('hc', first).filter((e) => e === 'invoke').length, 1);
    assert.equal((await h.instance('hc', second)).healthy, true);
  });

  it('an unhealthy instance passing successThreshold checks in a row is healthy again and takes requests', async () => {
    let listed = await h.period('hc', first, undefined);
    assert.deepEqual([listed.healthy, listed.healthCheck?.consecutiveSuccesses], [false, 1], 'one pass is below successThreshold 2');
    listed = await h.period('hc', first, undefined);
    assert.equal(listed.healthy, true);
    assert.match(await h.logs('hc', first), /\[localfc\] health check: instance healthy again after 2 passing check\(s\) in a row/);
    // Both idle and healthy: the older instance is picked first again.
    assert.equal(await h.invoke('hc'), first);
  });

  it('a clock jump over several periods runs the probes that fell due before the advance returns', async () => {
    const before = h.events('hc', first).length;
    h.setHealth(first, 500);
    await h.advance(2 * PERIOD_MS);
    assert.deepEqual(h.events('hc', first).slice(before), ['probe 500', 'probe 500']);
    assert.equal((await h.instance('hc', first)).healthy, false);
    h.setHealth(first, undefined);
    await h.advance(2 * PERIOD_MS);
    assert.equal((await h.instance('hc', first)).healthy, true);
  });

  it('a function without a health check config is never probed', async () => {
    const id = await h.invoke('plain');
    await h.advance(10 * PERIOD_MS);
    assert.deepEqual(h.events('plain'), ['invoke']);
    const listed = await h.instance('plain', id);
    assert.equal(listed.healthy, true);
    assert.equal(listed.healthCheck, undefined);
    assert.ok((await h.healthTimers()).every((l) => !l.endsWith(id)));
  });

  it('stopped instances leave no health-check timer behind', async () => {
    assert.equal((await h.healthTimers()).length, 2);
    await h.client.deleteFunction('hc');
    assert.deepEqual(await h.healthTimers(), []);
  });
});

describe('periodic health checks at the instance limit', () => {
  const h = new Harness();
  before(async () => {
    await h.start(1);
    await h.create('solo', { healthCheck: true });
  });
  after(() => h.stop());

  it('with the only instance unhealthy the call fails with a health-check error; the next goes to a new instance', async () => {
    const first = await h.invoke('solo');
    assert.deepEqual(h.events('solo', first), ['probe 200', 'invoke'], 'no initializer: the start-up probe runs directly');
    h.setHealth(first, 500);
    await h.advance(2 * PERIOD_MS);
    assert.equal((await h.instance('solo', first)).healthy, false);

    const e = await sdkError(h.invoke('solo'));
    assert.equal(e.statusCode, 502);
    assert.equal(e.data.Code, 'FunctionNotStarted');
    assert.match(e.data.Message, /^Function instance health check failed: instance c-\S+ of function 'solo' is unhealthy \(2 failed check\(s\) in a row, last: HTTP 500\)/);
    assert.deepEqual(await h.instances('solo'), [], 'the unhealthy instance was stopped');
    assert.deepEqual(await h.healthTimers(), []);

    const next = await h.invoke('solo');
    assert.notEqual(next, first);
    assert.equal((await h.instance('solo', next)).healthy, true);
  });
});

describe('the start-up health check on localfc\'s clock', () => {
  const h = new Harness();
  before(() => h.start());
  after(() => h.stop());

  /** An invocation under way, and whether it has settled yet. */
  function pending(name: string): { settled: () => boolean; result: Promise<string> } {
    let done = false;
    const result = h.invoke(name).finally(() => (done = true));
    void result.catch(() => undefined);
    return { settled: () => done, result };
  }

  it('probes once initialDelaySeconds of clock time have passed since the start, not before', async () => {
    await h.create('delayed', { healthCheck: true, initialDelaySeconds: 2 });
    const call = pending('delayed');
    await h.timerArmed('health check initial delay');
    await h.advance(1999);
    assert.equal(call.settled(), false, 'answered before the initial delay was over');
    assert.deepEqual(h.events('delayed'), []);
    await h.advance(1);
    const id = await call.result;
    assert.deepEqual(h.events('delayed', id), ['probe 200', 'invoke']);
  });

  it('a failing start-up probe fails the start with FunctionNotStarted, and the instance is stopped', async () => {
    await h.create('sick', { healthCheck: true });
    h.setHealth('sick', 503);
    const e = await sdkError(h.invoke('sick'));
    assert.equal(e.statusCode, 502);
    assert.equal(e.data.Code, 'FunctionNotStarted');
    assert.match(e.data.Message, /^Function instance health check failed on port \d+ \(GET \/healthz: HTTP 503\)/);
    assert.deepEqual(h.events('sick').map((l) => l.split(' ')[1] ?? l), ['503'], 'one probe at start-up');
    assert.deepEqual(await h.instances('sick'), []);
    assert.deepEqual((await h.timers()).filter((l) => l.includes('timeout')), [], 'no start-up or probe timer left behind');
  });

  it("a start-up probe that gets no answer fails after timeoutSeconds of clock time", async () => {
    await h.create('mute', { healthCheck: true });
    h.setHealth('mute', 'hang');
    const call = pending('mute');
    await h.timerArmed('health probe timeout');
    await h.advance(999);
    assert.equal(call.settled(), false, 'gave up before timeoutSeconds');
    await h.advance(1);
    const e = await sdkError(call.result);
    assert.equal(e.data.Code, 'FunctionNotStarted');
    assert.match(e.data.Message, /\(GET \/healthz: no answer within 1 s\)/);
  });
});
