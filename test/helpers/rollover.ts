/**
 * @module
 * Updates under live traffic, the same on every backend that runs code (issue 15, "Rollover"): loops of requests run
 * while a function is updated, its update fails, an alias switches and a version is deleted. The function's server
 * reports to a control server of the test: a request can be held inside the handler until the test lets it go (so it
 * is in flight across the change for certain), and every preStop call is recorded. Nothing depends on timing: the
 * update is held by a fault and released by the test, the clock is manual, and the loops' requests are judged by the
 * phase they were sent in (sent before the change ended: old code; sent after it was seen done: new code).
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { request } from 'undici';
import type { RunningLocalfc } from '../../src/server.ts';

/** FC's HTTP contract (POST /invoke, GET /pre-stop), reporting to the control server at $CONTROL. */
export const ROLLOVER_SERVER = `const http = require('http');
const control = process.env.CONTROL, rev = process.env.REV, instance = process.env.FC_INSTANCE_ID;
const ask = (path) => new Promise((resolve) => http.get(control + path, (r) => { r.resume(); r.on('end', resolve); }).on('error', resolve));
http.createServer((q, s) => {
  let b = ''; q.on('data', (c) => (b += c)); q.on('end', async () => {
    if (q.url === '/pre-stop') { await ask('/prestop?instance=' + instance + '&rev=' + rev); return s.end('bye'); }
    if (b.startsWith('hold:')) await ask('/hold?key=' + b.slice(5));
    s.setHeader('content-type', 'application/json');
    s.end(JSON.stringify({ rev, instance }));
  });
}).listen(Number(process.env.FC_SERVER_PORT));
`;

/** The test's side: holds requests until released, records preStop calls. */
export class ControlServer {
  readonly preStops: { instance: string; rev: string }[] = [];
  readonly #held = new Map<string, { arrived: () => void; arrival: Promise<void>; res?: ServerResponse }>();

  private constructor(private readonly server: Server, readonly port: number) {}

  /** Listens on every interface, so containers reach it through host.docker.internal. */
  static async start(): Promise<ControlServer> {
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '0.0.0.0', resolve));
    const control = new ControlServer(server, (server.address() as AddressInfo).port);
    server.on('request', (req, res) => control.#handle(req, res));
    return control;
  }

  /** Resolves once a handler holding `key` has reached us (the request is in flight inside the function). */
  arrived(key: string): Promise<void> {
    return this.#slot(key).arrival;
  }

  release(key: string): void {
    const slot = this.#held.get(key);
    assert.ok(slot?.res, `a request holding ${key} is waiting`);
    slot.res.end('go');
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  #slot(key: string) {
    let slot = this.#held.get(key);
    if (!slot) {
      let arrived!: () => void;
      const arrival = new Promise<void>((resolve) => (arrived = resolve));
      slot = { arrived, arrival };
      this.#held.set(key, slot);
    }
    return slot;
  }

  #handle(req: IncomingMessage, res: ServerResponse): void {
    const url = new URL(req.url ?? '/', 'http://control');
    if (url.pathname === '/prestop') {
      this.preStops.push({ instance: url.searchParams.get('instance') ?? '', rev: url.searchParams.get('rev') ?? '' });
      res.end('ok');
      return;
    }
    const slot = this.#slot(url.searchParams.get('key') ?? '');
    slot.res = res;
    slot.arrived();
  }
}

export interface Answer {
  readonly status: number;
  readonly rev?: string;
  readonly instance?: string;
  readonly checksum?: string;
  readonly text: string;
}

/** What a revision answers with: its REV and the code checksum GetFunction named for it. */
export interface Expected {
  readonly rev: string;
  readonly checksum: string;
}

/** One invocation over plain HTTP (no SDK timeouts: a cold start on a busy machine may take long). */
export async function invokeRaw(fc: RunningLocalfc, name: string, body: string, qualifier?: string): Promise<Answer> {
  const res = await request(`${fc.url}/2023-03-30/functions/${name}/invocations${qualifier ? `?qualifier=${qualifier}` : ''}`, {
    method: 'POST', body, headers: { 'content-type': 'application/octet-stream' }, headersTimeout: 300_000, bodyTimeout: 300_000,
  });
  const text = await res.body.text();
  const checksum = res.headers['x-fc-code-checksum'];
  let parsed: { rev?: string; instance?: string } = {};
  try {
    parsed = JSON.parse(text) as typeof parsed;
  } catch {
    /* an error body: judged by status */
  }
  return { status: res.statusCode, text, ...(parsed.rev ? { rev: parsed.rev } : {}), ...(parsed.instance ? { instance: parsed.instance } : {}), ...(typeof checksum === 'string' ? { checksum } : {}) };
}

type Phase = 'before' | 'between' | 'after';

/**
 * `loops` clients invoking one after another until stopped; each answer is kept with the phase it was sent in.
 * `untilEach(phase, n)` waits until every loop has had n answers to requests sent in that phase.
 */
export class TrafficLoops {
  phase: Phase = 'before';
  readonly answers: (Answer & { phase: Phase })[] = [];
  readonly #running: Promise<void>[];
  readonly #counts: Record<Phase, number>[];
  #stop = false;
  #waiters: (() => void)[] = [];

  constructor(fc: RunningLocalfc, name: string, loops: number, qualifier?: string) {
    this.#counts = Array.from({ length: loops }, () => ({ before: 0, between: 0, after: 0 }));
    this.#running = this.#counts.map(async (count) => {
      while (!this.#stop) {
        const phase = this.phase;
        const answer = await invokeRaw(fc, name, 'loop', qualifier).catch((e: unknown) => ({ status: 0, text: String(e) }));
        this.answers.push({ ...answer, phase });
        count[phase]++;
        for (const w of this.#waiters.splice(0)) w();
      }
    });
  }

  async untilEach(phase: Phase, n: number): Promise<void> {
    while (!this.#counts.every((c) => c[phase] >= n)) await new Promise<void>((resolve) => this.#waiters.push(resolve));
  }

  async stop(): Promise<void> {
    this.#stop = true;
    await Promise.all(this.#running);
  }

  /** No request lost or failed, and each answered by the revision its phase names (`between`: either). */
  check(before: Expected, after: Expected): void {
    for (const a of this.answers) {
      assert.equal(a.status, 200, `a ${a.phase} request failed: ${a.status} ${a.text}`);
      const allowed = a.phase === 'before' ? [before] : a.phase === 'after' ? [after] : [before, after];
      assert.ok(allowed.some((e) => e.rev === a.rev && e.checksum === a.checksum), `a request sent ${a.phase} was answered by ${a.rev} (checksum ${a.checksum}), expected ${allowed.map((e) => e.rev).join(' or ')}: ${a.text}`);
    }
  }

  /** The instances that answered for a revision. */
  instancesOf(rev: string): Set<string> {
    return new Set(this.answers.filter((a) => a.rev === rev).map((a) => a.instance!));
  }
}

/** How a backend's test runs a revision of the rollover function: the FC API's create body for it. */
export interface RolloverBackend {
  /** A fresh server on the manual clock. */
  start(): Promise<RunningLocalfc>;
  /** CreateFunction's body (without functionName) for revision `rev`; the control server is at `controlPort`. */
  body(rev: string, controlPort: number): Record<string, unknown>;
  /** Clock time from create to Active. */
  readonly preparationMs: number;
}

const LOOPS = 3;
const PER_PHASE = 3;

/** The rollover scenarios against one backend; each test has its own function and checks it end to end. */
export function rolloverTests(backend: RolloverBackend, hooks: { before: (fn: () => Promise<void>) => void; after: (fn: () => Promise<void>) => void; it: (name: string, fn: () => Promise<void>) => void }): void {
  let fc: RunningLocalfc;
  let control: ControlServer;
  /** Every loop started, so a test that failed half-way does not leave its loop running. */
  const started: TrafficLoops[] = [];
  const traffic = (name: string, qualifier?: string) => {
    const loops = new TrafficLoops(fc, name, LOOPS, qualifier);
    started.push(loops);
    return loops;
  };
  hooks.before(async () => {
    control = await ControlServer.start();
    fc = await backend.start();
  });
  hooks.after(async () => {
    await Promise.all(started.map((l) => l.stop()));
    await fc?.stop();
    await control?.close();
  });

  const api = async (method: string, path: string, body?: unknown) => {
    const res = await request(`${fc.url}${path}`, { method: method as 'GET', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }), headersTimeout: 300_000, bodyTimeout: 300_000 });
    const text = await res.body.text();
    assert.ok(res.statusCode < 300, `${method} ${path}: ${res.statusCode} ${text}`);
    return (text ? JSON.parse(text) : {}) as Record<string, unknown>;
  };
  const settle = () => api('POST', '/_localfc/clock/advance', { ms: 0 });
  const advance = (ms: number) => api('POST', '/_localfc/clock/advance', { ms });
  const fnPath = (name: string) => `/2023-03-30/functions/${name}`;
  /** Deploys `rev` (create or update) and returns what its answers carry once it serves. */
  const expected = async (name: string): Promise<Expected> => {
    const fn = await api('GET', fnPath(name));
    const env = fn.environmentVariables as Record<string, string>;
    return { rev: env.REV!, checksum: (fn.codeChecksum as string | undefined) ?? '' };
  };
  const create = async (name: string, rev: string): Promise<Expected> => {
    await api('POST', '/2023-03-30/functions', { functionName: name, ...backend.body(rev, control.port) });
    await advance(backend.preparationMs);
    const fn = await api('GET', fnPath(name));
    assert.equal(fn.state, 'Active', JSON.stringify(fn));
    return expected(name);
  };
  const update = (name: string, rev: string) => api('PUT', fnPath(name), backend.body(rev, control.port));
  /** Sends a request that waits inside the handler until released; resolves once it is in flight there. */
  const holdInFlight = async (name: string, key: string, qualifier?: string): Promise<{ answer: Promise<Answer> }> => {
    const answer = invokeRaw(fc, name, `hold:${key}`, qualifier);
    await control.arrived(key);
    return { answer };
  };
  const preStopsOf = (rev: string) => control.preStops.filter((p) => p.rev === rev).map((p) => p.instance).sort();
  /** Every instance that answered for `rev` got exactly one preStop (and no other instance of it did). */
  const stoppedOnce = (loops: TrafficLoops, rev: string, extra: string[] = []) => {
    assert.deepEqual(preStopsOf(rev), [...new Set([...loops.instancesOf(rev), ...extra])].sort(), `preStop once for each instance of ${rev}`);
  };

  hooks.it('update: old code while InProgress, new code after Successful, requests in flight finish on the old code, then preStop once per old instance', async () => {
    const name = 'roll_update';
    const [A, B] = [`${name}-A`, `${name}-B`];
    const a = await create(name, A);
    const loops = traffic(name);
    await loops.untilEach('before', 1);
    await api('POST', '/_localfc/faults', { match: { phase: 'update', functionName: name }, effect: { type: 'hold' }, times: 1 });
    await update(name, B);
    await advance(1000);
    assert.equal((await api('GET', fnPath(name))).lastUpdateStatus, 'InProgress');
    const inFlight = await holdInFlight(name, 'update');
    await loops.untilEach('before', PER_PHASE);
    loops.phase = 'between';
    await api('POST', `/_localfc/functions/${name}/release`);
    assert.equal((await api('GET', fnPath(name))).lastUpdateStatus, 'Successful');
    loops.phase = 'after';
    await loops.untilEach('after', PER_PHASE);
    await loops.stop();
    const b = await expected(name);
    assert.notEqual(a.rev, b.rev);
    loops.check(a, b);
    await settle();
    assert.deepEqual(preStopsOf(A), [], 'the old revision is not stopped while a request still runs on it');
    control.release('update');
    const held = await inFlight.answer;
    assert.equal(held.status, 200, held.text);
    assert.deepEqual([held.rev, held.checksum], [a.rev, a.checksum], 'the request in flight finished on the revision it started on');
    await settle();
    stoppedOnce(loops, A, [held.instance!]);
    assert.deepEqual(preStopsOf(B), [], 'the new revision keeps running');
    await api('DELETE', fnPath(name));
    stoppedOnce(loops, B);
  });

  hooks.it('failed update: the old code keeps serving throughout and nothing is stopped', async () => {
    const name = 'roll_failed';
    const [A, B] = [`${name}-A`, `${name}-B`];
    const a = await create(name, A);
    const loops = traffic(name);
    await loops.untilEach('before', 1);
    await api('POST', '/_localfc/faults', { match: { phase: 'update', functionName: name }, effect: { type: 'error', code: 'FunctionUpdateFailed' }, times: 1 });
    const inFlight = await holdInFlight(name, 'failed');
    await update(name, B);
    await loops.untilEach('before', PER_PHASE);
    loops.phase = 'between';
    await advance(1000);
    const fn = await api('GET', fnPath(name));
    assert.deepEqual([fn.state, fn.lastUpdateStatus], ['Active', 'Failed']);
    loops.phase = 'after';
    await loops.untilEach('after', PER_PHASE);
    control.release('failed');
    const held = await inFlight.answer;
    await loops.stop();
    loops.check(a, a);
    assert.deepEqual([held.status, held.rev], [200, A], held.text);
    await settle();
    assert.deepEqual(preStopsOf(A), [], 'a failed update stops nothing');
    await api('DELETE', fnPath(name));
    stoppedOnce(loops, A, [held.instance!]);
  });

  hooks.it('alias switch and version deletion: in-flight requests finish on their version, new ones go where the alias points, then the old version stops once', async () => {
    const name = 'roll_alias';
    const [A, B] = [`${name}-A`, `${name}-B`];
    const a = await create(name, A);
    await api('POST', `${fnPath(name)}/versions`, {});
    await update(name, B);
    await advance(1000);
    const b = await expected(name);
    await api('POST', `${fnPath(name)}/versions`, {});
    await api('POST', `${fnPath(name)}/aliases`, { aliasName: 'live', versionId: '1' });
    const loops = traffic(name, 'live');
    await loops.untilEach('before', PER_PHASE);
    const inFlight = await holdInFlight(name, 'alias', 'live');
    loops.phase = 'between';
    await api('PUT', `${fnPath(name)}/aliases/live`, { versionId: '2' });
    loops.phase = 'after';
    await loops.untilEach('after', PER_PHASE);
    // Version 1 goes while a request still runs on it: its code stays until that request ends.
    await api('DELETE', `${fnPath(name)}/versions/1`);
    await settle();
    assert.deepEqual(preStopsOf(A), [], 'a deleted version is not stopped under a request');
    control.release('alias');
    const held = await inFlight.answer;
    await loops.stop();
    loops.check(a, b);
    assert.deepEqual([held.status, held.rev, held.checksum], [200, a.rev, a.checksum], held.text);
    await settle();
    stoppedOnce(loops, A, [held.instance!]);
    await api('DELETE', fnPath(name));
    stoppedOnce(loops, B);
  });
}
