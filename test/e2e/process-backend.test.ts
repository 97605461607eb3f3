// Drives the process backend directly: real child processes (node, python3) running function code.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { reportServer } from '../helpers/report-server.ts';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BackendError, type BackendInstance, type FunctionIdentity, type InvocationRequest, type InvocationResult, type PreparedRevision } from '../../src/domain/ports/backend.ts';
import { ProcessBackend } from '../../src/backends/process/index.ts';
import { ManualClock } from '../../src/clock.ts';
import { ClockDeadline } from '../../src/domain/instances.ts';
import { unclaimedPort } from '../helpers/ports.ts';
import { probeHealthCheck, StartupTimeout, waitUntilListening } from '../../src/backends/readiness.ts';
import { createZip, type ZipInputFile } from '../helpers/zip.ts';
import type { FunctionConfig, Revision } from '../../src/domain/model.ts';
import { $FC, event, readBody, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { waitFor } from '../helpers/wait.ts';
import { processState } from '../helpers/process.ts';
import { advanceClock } from '../helpers/clock.ts';

const backend = new ProcessBackend({});
const pids = new Set<number>();
let revId = 0;
let instId = 0;

function config(over: Partial<FunctionConfig>): FunctionConfig {
  return {
    runtime: 'nodejs20', handler: 'index.handler', description: '', timeout: 3, memorySize: 128, cpu: 0.1, diskSize: 512,
    instanceConcurrency: 1, internetAccess: true, environmentVariables: {}, layers: [], passthrough: {}, ...over,
  };
}

async function prepare(name: string, files: ZipInputFile[] | Buffer, over: Partial<FunctionConfig>): Promise<PreparedRevision> {
  const zip = Buffer.isBuffer(files) ? files : createZip(files);
  const id = ++revId;
  const revision: Revision = { id, config: config(over), code: { zip, checksum: String(id), size: zip.length }, codeChecksum: String(id), codeSize: zip.length, createdAt: 0 };
  const fn: FunctionIdentity = { functionName: name, functionArn: `acs:fc:cn-hangzhou:123:functions/${name}`, region: 'cn-hangzhou', accountId: '123', qualifier: 'LATEST' };
  return backend.prepare({ fn, revision, log: () => undefined, signal: new AbortController().signal });
}

async function start(prepared: PreparedRevision): Promise<BackendInstance> {
  const inst = await backend.startInstance(prepared, `c-test-${++instId}`);
  return inst;
}

function req(body: string, over: Partial<InvocationRequest> = {}): InvocationRequest {
  return { requestId: `r-${Math.random().toString(36).slice(2)}`, body: Buffer.from(body), headers: { 'content-type': 'text/plain' }, kind: 'event', timeoutMs: 5000, ...over };
}

/**
 * One call to a handler that outlives it: invoked with a deadline of `ms` on a clock the test moves (the pool's
 * deadline), the clock moved past it. The answer, and the pid the instance had before.
 */
async function invokePastDeadline(inst: BackendInstance, ms: number): Promise<{ r: InvocationResult; pid: number }> {
  const pid = await pidOf(inst);
  const clock = new ManualClock();
  const answer = backend.invoke(inst, req('wait', { timeoutMs: ms, deadline: new ClockDeadline(clock, ms, 'past deadline') }));
  await clock.advance(ms);
  return { r: await answer, pid };
}

/** The pid the instance reports about itself (each handler below can answer "pid"). */
async function pidOf(inst: BackendInstance): Promise<number> {
  const r = await backend.invoke(inst, req('pid'));
  const pid = Number(r.body.toString());
  assert.ok(pid > 0, `pid answer: ${r.body.toString()}`);
  pids.add(pid);
  return pid;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    assert.equal((e as NodeJS.ErrnoException).code, 'ESRCH');
    return false;
  }
}

const customServer = `
const http = require('node:http');
const fs = require('node:fs');
http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    if (req.url === '/initialize') fs.writeFileSync(require('node:os').tmpdir() + '/initialized.marker', req.headers['x-fc-request-id'] || '');
    if (req.url === '/pre-stop') return fetch('http://127.0.0.1:' + process.env.REPORT_PORT + '/report/prestopped').then(() => res.end(''));
    if (req.url === '/invoke') {
      console.log('custom got ' + body);
      if (body === 'pid') return res.end(String(process.pid));
      return res.end(body.toUpperCase() + ' ' + process.env.FC_FUNCTION_NAME + ' ' + process.env.GREETING + ' ' + fs.existsSync(require('node:os').tmpdir() + '/initialized.marker'));
    }
    res.end('');
  });
}).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');
`;

describe('process backend', () => {
  after(async () => {
    await backend.close();
    // (7) nothing left running after close()
    for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} still alive after close()`);
    assert.equal(existsSync(backend.workDir), false);
  });

  it('runs a custom runtime server with initializer and preStop', async () => {
    // The hook tells the test over HTTP: the instance's files are its own.
    const reports = await reportServer();
    const prepared = await prepare('custom', [{ path: 'server.js', data: customServer }], {
      runtime: 'custom.debian10', handler: 'index.handler', environmentVariables: { GREETING: 'hi', REPORT_PORT: String(reports.port) },
      customRuntimeConfig: { command: ['node', 'server.js'] },
      instanceLifecycleConfig: { initializer: { handler: 'index.init', timeout: 3 }, preStop: { handler: 'index.stop', timeout: 3 } },
    });
    const inst = await start(prepared);
    await backend.initialize(inst, 3000);
    const r = await backend.invoke(inst, req('hello', { tailLogs: true }));
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'HELLO custom hi true');
    assert.equal(r.errorType, undefined);
    assert.equal(r.logs, 'custom got hello\n', 'a custom runtime prints FC Invoke Start/End itself: its output as it came');
    await pidOf(inst);
    await backend.freeze(inst);
    await backend.stopInstance(inst, { preStop: true, timeoutMs: 3000 });
    await reports.close();
    assert.deepEqual(reports.reports, ['prestopped']);
    const dir = (prepared as PreparedRevision & { codeDir: string }).codeDir;
    await backend.release(prepared);
    assert.equal(existsSync(dir), false);
  });

  it('runs a built-in nodejs handler with an initializer (callback and promise styles)', async () => {
    const prepared = await prepare('node', [
      { path: 'index.js', data: `let inits = 0;
exports.init = (context, callback) => { inits++; callback(null, ''); };
exports.handler = async (event, context) => {
  const s = event.toString();
  if (s === 'pid') return String(process.pid);
  console.log('node handler saw', s);
  return { event: s, inits, requestId: context.requestId, fn: context.function.name, ak: context.credentials.accessKeyId };
};
exports.cb = (event, context, callback) => callback(null, Buffer.from('cb:' + event));` },
    ], { runtime: 'nodejs20', handler: 'index.handler', instanceLifecycleConfig: { initializer: { handler: 'index.init' } } });
    const inst = await start(prepared);
    await backend.initialize(inst, 3000);
    const rq = req('{"a":1}', { tailLogs: true });
    const r = await backend.invoke(inst, rq);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body.toString()), { event: '{"a":1}', inits: 1, requestId: rq.requestId, fn: 'node', ak: '' }, 'no role: FC injects no credentials');
    assert.match(r.logs ?? '', /node handler saw \{"a":1\}/);
    assert.match(backend.instanceLogs(inst), /node handler saw/);
    // Without x-fc-log-type: Tail nobody reads the invocation's output: not gathered (the instance's log keeps it).
    const untailed = await backend.invoke(inst, req('{"b":2}'));
    assert.equal(untailed.status, 200);
    assert.equal(untailed.logs, undefined);
    await waitFor('the untailed output in the instance log', async () => (/node handler saw \{"b":2\}/.test(backend.instanceLogs(inst)) ? true : undefined));
    await pidOf(inst);
  });

  it('runs a built-in python3 handler', async () => {
    const prepared = await prepare('py', [
      { path: 'index.py', data: `import json, os
def handler(event, context):
    if event == b'pid':
        return str(os.getpid())
    print('python saw', event.decode())
    return {'event': event.decode(), 'requestId': context.request_id, 'memory': context.function.memory}
` },
    ], { runtime: 'python3.10', handler: 'index.handler', memorySize: 256 });
    const inst = await start(prepared);
    const rq = req('ping', { tailLogs: true });
    const r = await backend.invoke(inst, rq);
    assert.equal(r.status, 200, r.body.toString());
    assert.deepEqual(JSON.parse(r.body.toString()), { event: 'ping', requestId: rq.requestId, memory: 256 });
    assert.match(r.logs ?? '', /python saw ping/);
    await pidOf(inst);
  });

  it('reports thrown errors as UnhandledInvocationError and callback errors as HandledInvocationError', async () => {
    const prepared = await prepare('throws', [
      { path: 'index.mjs', data: `export const handler = async (event) => { if (event.toString() === 'pid') return String(process.pid); throw new TypeError('boom'); };
export const handled = (event, context, callback) => callback(new Error('handled boom'));` },
    ], { handler: 'index.handler' });
    const inst = await start(prepared);
    const r = await backend.invoke(inst, req('x'));
    assert.equal(r.status, 200);
    assert.equal(r.errorType, 'UnhandledInvocationError');
    const body = JSON.parse(r.body.toString());
    assert.equal(body.errorMessage, 'boom');
    assert.equal(body.errorType, 'TypeError');
    await pidOf(inst);

    const p2 = await prepare('handled', [{ path: 'index.js', data: `exports.handler = (event, context, callback) => callback(new Error('handled boom'));` }], {});
    const i2 = await start(p2);
    const r2 = await backend.invoke(i2, req('x'));
    assert.equal(r2.errorType, 'HandledInvocationError');
    assert.equal(JSON.parse(r2.body.toString()).errorMessage, 'handled boom');
  });

  it('kills a slow handler once its deadline has passed; the ended instance starts again under its id', async () => {
    const prepared = await prepare('slow', [{ path: 'index.js', data: `exports.handler = async (e) => { if (e.toString() === 'pid') return String(process.pid); await new Promise((r) => setTimeout(r, 10000)); };` }], {});
    const inst = await start(prepared);
    const { r, pid: before } = await invokePastDeadline(inst, 3000);
    assert.equal(r.errorType, 'UnhandledInvocationError');
    assert.equal(JSON.parse(r.body.toString()).errorMessage, 'Function timed out after 3 seconds');
    assert.equal(alive(before), false);
    assert.equal(await backend.ended(inst), true);
    await backend.restartInstance(inst);
    assert.equal(await backend.ended(inst), false);
    const afterPid = await pidOf(inst);
    assert.notEqual(afterPid, before);
  });

  it('kills a timed-out instance at once, as FC does: no SIGTERM and its grace hold the answer back', async () => {
    // The handler would note a SIGTERM and keep running: with a graceful stop the answer waited out the grace (2 s).
    const reports = await reportServer();
    const prepared = await prepare('stubborn', [{ path: 'index.js', data: `process.on('SIGTERM', () => require('http').get('http://127.0.0.1:${reports.port}/report/term'));
exports.handler = async (e) => { if (e.toString() === 'pid') return String(process.pid); await new Promise((r) => setTimeout(r, 60000)); };` }], {});
    const inst = await start(prepared);
    const { r, pid: before } = await invokePastDeadline(inst, 1000);
    assert.equal(JSON.parse(r.body.toString()).errorMessage, 'Function timed out after 1 seconds');
    assert.equal(alive(before), false);
    await reports.settled();
    await reports.close();
    assert.deepEqual(reports.reports, [], 'the timed-out instance was sent SIGTERM and given a grace period');
  });

  it('really freezes the process between invocations', async () => {
    const prepared = await prepare('ticker', [
      { path: 'index.js', data: `let n = 0; let timer;
exports.handler = (event, context, callback) => {
  const s = event.toString();
  if (s === 'pid') return callback(null, String(process.pid));
  if (s === 'start' && !timer) timer = setInterval(() => n++, 20);
  callback(null, String(n));
};` },
    ], {});
    const inst = await start(prepared);
    const pid = await pidOf(inst);
    const count = async (): Promise<number> => Number((await backend.invoke(inst, req('count'))).body.toString());
    await backend.invoke(inst, req('start'));
    const ticked = await waitFor('the interval to run while thawed', async () => ((await count()) >= 2 ? count() : undefined));
    // The kernel's own word, not a timing: a SIGSTOPped process is in state T (stopped) and runs nothing.
    await backend.freeze(inst);
    await waitFor('the process to be stopped (state T)', async () => (processState(pid) === 'T' ? true : undefined));
    await backend.thaw(inst);
    await waitFor('the process to run again', async () => (processState(pid) !== 'T' ? true : undefined));
    await waitFor('the interval to run again after the thaw', async () => ((await count()) > ticked ? true : undefined));
  });

  it("sends FC's request headers with every invocation, and an HTTP call's own headers with those FC sets replaced", async () => {
    // Answers the method, path and every header it received, as JSON.
    const server = `require('http').createServer((q, s) => { q.resume(); q.on('end', () => s.end(JSON.stringify({ method: q.method, url: q.url, headers: q.headers }))); }).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');`;
    const prepared = await prepare('headers', [{ path: 'server.js', data: server }], {
      runtime: 'custom.debian10', handler: 'index.handler', timeout: 7, memorySize: 256, passthrough: { role: 'acs:ram::123:role/fc' },
      customRuntimeConfig: { command: ['node', 'server.js'] },
      instanceLifecycleConfig: { initializer: { handler: 'index.init', timeout: 4 }, preStop: { handler: 'index.stop', timeout: 3 } },
    });
    const inst = await start(prepared);
    const fcSet = (requestId: string, qualifier: string, versionId: string, controlPath: string) => ({
      'x-fc-request-id': requestId, 'x-fc-function-name': 'headers', 'x-fc-function-handler': 'index.handler', 'x-fc-function-memory': '256',
      'x-fc-function-timeout': '7', 'x-fc-function-initializer': 'index.init', 'x-fc-initialization-timeout': '4',
      'x-fc-instance-lifecycle-pre-stop-handler': 'index.stop', 'x-fc-instance-lifecycle-pre-freeze-handler': '', 'x-fc-region': 'cn-hangzhou',
      'x-fc-account-id': '123', 'x-fc-qualifier': qualifier, 'x-fc-version-id': versionId, 'x-fc-control-path': controlPath,
    });
    const seen = async (r: InvocationRequest) => JSON.parse((await backend.invoke(inst, r)).body.toString()) as { method: string; url: string; headers: Record<string, string> };
    const credentials = (h: Record<string, string>) => [h['x-fc-access-key-id'], h['x-fc-access-key-secret'], h['x-fc-security-token']];

    const ev = await seen(req('e', { requestId: 'req-event', qualifier: 'prod', versionId: '2' }));
    assert.equal(ev.method, 'POST');
    assert.equal(ev.url, '/invoke');
    assert.deepEqual(ev.headers, { ...ev.headers, ...fcSet('req-event', 'prod', '2', '/invoke'), 'content-type': 'text/plain' });
    assert.ok(credentials(ev.headers).every((v) => typeof v === 'string' && v.length > 0), 'a role: credentials on every request');
    // Without a qualifier: LATEST for both; an event without a content type is sent as octet-stream.
    const plain = await seen(req('e', { requestId: 'req-plain', headers: {} }));
    assert.deepEqual(plain.headers, { ...plain.headers, ...fcSet('req-plain', 'LATEST', 'LATEST', '/invoke'), 'content-type': 'application/octet-stream' });

    const http = await seen(req('h', {
      requestId: 'req-http', kind: 'http', method: 'PUT', path: '/a/b?c=d', qualifier: 'LATEST',
      headers: { 'x-caller': 'kept', 'content-type': 'text/csv', 'x-fc-request-id': 'spoofed', 'x-fc-function-name': 'spoofed', 'x-fc-control-path': 'spoofed' },
    }));
    assert.equal(http.method, 'PUT');
    assert.equal(http.url, '/a/b?c=d');
    assert.deepEqual(http.headers, { ...http.headers, ...fcSet('req-http', 'LATEST', 'LATEST', '/http-invoke'), 'x-caller': 'kept', 'content-type': 'text/csv' });
    assert.deepEqual(credentials(http.headers), credentials(ev.headers));
    await backend.stopInstance(inst, { preStop: false, timeoutMs: 1000 });
  });

  it('rejects broken zips, handlers that name no file and unsupported runtimes', async () => {
    await assert.rejects(prepare('broken', Buffer.from('this is not a zip'), {}), (e: unknown) => e instanceof BackendError && e.code === 'InvalidZipFileException');
    await assert.rejects(prepare('nofile', [{ path: 'index.js', data: '' }], { handler: 'handler' }), (e: unknown) => e instanceof BackendError && e.code === 'HandlerNotFound');
    await assert.rejects(prepare('container', [{ path: 'index.js', data: '' }], { runtime: 'custom-container' }), (e: unknown) => e instanceof BackendError && e.code === 'InvalidRuntime' && /docker/.test(e.message));
    await assert.rejects(prepare('java', [{ path: 'index.js', data: '' }], { runtime: 'java11' }), (e: unknown) => e instanceof BackendError && e.code === 'InvalidRuntime');
  });

  it('reports a process that exits at start as CAExited', async () => {
    const prepared = await prepare('crash', [{ path: 'server.js', data: `console.error('cannot start: missing config'); process.exit(3);` }], { runtime: 'custom', customRuntimeConfig: { command: ['node', 'server.js'] } });
    await assert.rejects(start(prepared), (e: unknown) => e instanceof BackendError && e.code === 'CAExited' && /code 3/.test(e.message) && /missing config/.test(e.message));
  });

  it('code that hard-codes its port is ready only once its own process owns the port, not whatever answers there', async () => {
    const fixed = await unclaimedPort();
    const reports = await reportServer();
    // Listens on the fixed port itself; when that port is taken it reports so and dies, as real code does.
    const server = `const s = require('http').createServer((req, res) => res.end(req.url === '/invoke' ? 'mine' : '')).listen(${fixed}, '0.0.0.0');
s.on('error', (e) => { console.error(e.message); require('http').get('http://127.0.0.1:' + process.env.REPORT_PORT + '/report/' + e.code, () => process.exit(1)).on('error', () => process.exit(1)); });`;
    const prepared = await prepare('fixed', [{ path: 'server.js', data: server }], { runtime: 'custom.debian10', environmentVariables: { REPORT_PORT: String(reports.port) }, customRuntimeConfig: { command: ['node', 'server.js'], port: fixed } });
    // First start: found listening on the fixed port instead of FC_SERVER_PORT; from then on it takes turns there.
    const first = await start(prepared);
    assert.equal((await backend.invoke(first, req('x'))).body.toString(), 'mine');
    await backend.stopInstance(first, { preStop: false, timeoutMs: 1000 });

    // Another process (here: ours) holds the port when the next instance starts: that instance must not count as
    // ready because something answers on the port; it starts again once the port is free.
    const squatter = createServer((_req, res) => res.end('squatter'));
    await new Promise<void>((r) => squatter.listen(fixed, '127.0.0.1', r));
    const squatterGone = (): Promise<void> => new Promise<void>((r) => (squatter.close(() => r()), squatter.closeAllConnections()));
    let settled = false;
    const starting = start(prepared).finally(() => (settled = true));
    try {
      await waitFor('the second start to lose the port (EADDRINUSE)', async () => (reports.reports.length ? true : undefined), 120_000);
      assert.equal(settled, false, 'the start waited while another process held the port');
    } finally {
      await squatterGone();
    }
    const second = await starting;
    assert.equal((await backend.invoke(second, req('x'))).body.toString(), 'mine');
    assert.ok(reports.reports.length > 0 && reports.reports.every((r) => r === 'EADDRINUSE'), reports.reports.join());
    await reports.close();
    await backend.stopInstance(second, { preStop: false, timeoutMs: 1000 });
  });
});

describe('readiness: listening and one health probe', () => {
  /** A server answering GET /ready with the statuses given, in turn (the last repeats). */
  async function statusServer(statuses: number[]): Promise<{ port: number; probes: () => number; close: () => void }> {
    let n = 0;
    const srv = createServer((req, res) => res.writeHead(req.url === '/ready' ? (statuses[Math.min(n++, statuses.length - 1)] ?? 200) : 404).end());
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    return { port: (srv.address() as AddressInfo).port, probes: () => n, close: () => srv.close() };
  }

  it('one probe: 200-399 passes, anything else names the status', async () => {
    const s = await statusServer([503, 302, 200]);
    const base = `http://127.0.0.1:${s.port}`;
    assert.equal(await probeHealthCheck(base, { httpGetUrl: 'ready' }), 'HTTP 503');
    assert.equal(await probeHealthCheck(base, { httpGetUrl: '/ready' }), undefined);
    assert.equal(await probeHealthCheck(base, { httpGetUrl: '/ready' }), undefined);
    assert.equal(s.probes(), 3);
    s.close();
  });

  it('a probe whose signal is aborted (timeoutSeconds on the clock) reports no answer', async () => {
    const srv = createServer(() => undefined);
    await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
    const ac = new AbortController();
    const probe = probeHealthCheck(`http://127.0.0.1:${(srv.address() as AddressInfo).port}`, { httpGetUrl: '/ready', timeoutSeconds: 2 }, ac.signal);
    ac.abort();
    assert.equal(await probe, 'no answer within 2 s');
    srv.closeAllConnections();
    srv.close();
  });

  it('waits until the port accepts connections; failed() ends the wait; an aborted signal is the start-up timeout', async () => {
    const s = await statusServer([200]);
    await waitUntilListening({ port: s.port, failed: () => undefined });
    s.close();
    await assert.rejects(waitUntilListening({ port: s.port, failed: () => new Error('gone') }), /gone/);
    const port = await unclaimedPort();
    const ac = new AbortController();
    const waiting = waitUntilListening({ port, failed: () => undefined, signal: ac.signal });
    ac.abort();
    await assert.rejects(waiting, (e: unknown) => e instanceof StartupTimeout && !e.someoneElse);
  });
});

describe('code that hard-codes its port (FC\'s customRuntimeConfig.port), and the admin instance API', () => {
  const local = localfcWithClient({ clock: 'manual', backend: 'process' });

  /**
   * Creates functions whose code ignores FC_SERVER_PORT and listens on `port`, as much real code does, and makes them
   * Active. Each test takes a free port of its own as the fixed one: FC's default 9000 may be held by another server (and
   * one below the ephemeral range, which other test files' servers on port 0 cannot be given meanwhile).
   */
  async function createFixed(port: number, ...names: string[]): Promise<void> {
    const fixedServer = `require('http').createServer((req, res) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => { console.log('served ' + b); setTimeout(() => res.end(process.env.FC_FUNCTION_NAME + ':' + b), 30); }); }).listen(${port}, '0.0.0.0');`;
    const zipFile = createZip([{ path: 'server.js', data: fixedServer }]).toString('base64');
    for (const functionName of names) {
      await local.client.createFunction(
        new $FC.CreateFunctionRequest({
          body: new $FC.CreateFunctionInput({ functionName, runtime: 'custom.debian10', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile }), customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'], port }) }),
        }),
      );
    }
    await advanceClock(local.fc, 1000);
  }

  const invoke = async (name: string, body: string) => {
    const res = await local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event(body) }));
    return { body: await readBody(res.body!), instance: res.headers!['x-fc-instance-id'] ?? '' };
  };

  it('two functions whose servers both listen on the same fixed port, invoked concurrently, both answer correctly', async () => {
    await createFixed(await unclaimedPort(), 'fixed-a', 'fixed-b');
    for (let round = 0; round < 2; round++) {
      const calls = ['fixed-a', 'fixed-b', 'fixed-a', 'fixed-b'].map((name, i) => invoke(name, `r${round}-${i}`).then((r) => ({ name, i, ...r })));
      for (const r of await Promise.all(calls)) assert.equal(r.body, `${r.name}:r${round}-${r.i}`);
    }
  });

  it('lists a function\'s instances and serves an instance\'s output; unknown ones get the cloud error shape', async () => {
    const fixedPort = await unclaimedPort();
    await createFixed(fixedPort, 'listed');
    const { instance } = await invoke('listed', 'listed');
    const list = (await (await fetch(`${local.fc.url}/_localfc/functions/listed/instances`)).json()) as { instances: Array<{ instanceId: string; revisionId: number; busy: boolean; createdTime: string; pid?: number }> };
    const mine = list.instances.find((i) => i.instanceId === instance);
    assert.ok(mine, JSON.stringify(list));
    assert.equal(mine.busy, false);
    // The process really exists: signal 0 checks without touching it.
    assert.ok(mine.pid && process.kill(mine.pid, 0), `no live pid in ${JSON.stringify(mine)}`);
    assert.equal(typeof mine.revisionId, 'number');
    assert.ok(!Number.isNaN(Date.parse(mine.createdTime)));
    const logs = await fetch(`${local.fc.url}/_localfc/functions/listed/instances/${instance}/logs`);
    assert.equal(logs.status, 200);
    assert.match(logs.headers.get('content-type') ?? '', /^text\/plain/);
    const text = await logs.text();
    assert.match(text, /served listed/);
    assert.match(text, new RegExp(`listens on port ${fixedPort}, not on FC_SERVER_PORT|port ${fixedPort} is in use by another instance`));

    const noInstance = await fetch(`${local.fc.url}/_localfc/functions/listed/instances/c-nope/logs`);
    assert.equal(noInstance.status, 404);
    assert.equal(((await noInstance.json()) as { Code: string }).Code, 'InstanceNotFound');
    const noFunction = await fetch(`${local.fc.url}/_localfc/functions/ghost/instances`);
    assert.equal(noFunction.status, 404);
    assert.equal(((await noFunction.json()) as { Code: string }).Code, 'FunctionNotFound');
  });

  it('a failed health check fails the invocation with the reason', async () => {
    const unhealthy = createZip([{ path: 'server.js', data: `require('http').createServer((req, res) => res.writeHead(req.url === '/healthz' ? 503 : 200).end()).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');` }]).toString('base64');
    await local.client.createFunction(
      new $FC.CreateFunctionRequest({
        body: new $FC.CreateFunctionInput({
          functionName: 'unhealthy', runtime: 'custom.debian10', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: unhealthy }),
          customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'], healthCheckConfig: new $FC.CustomHealthCheckConfig({ httpGetUrl: '/healthz', periodSeconds: 1, failureThreshold: 1 }) }),
        }),
      }),
    );
    await advanceClock(local.fc, 1000);
    const e = await sdkError(invoke('unhealthy', 'x'));
    assert.equal(e.data.Code, 'FunctionNotStarted');
    assert.match(e.data.Message, /health check failed on port \d+ \(GET \/healthz: HTTP 503/);
  });
});
