// Drives the process backend directly: real child processes (node, python3) running function code.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { BackendError, type BackendInstance, type FunctionIdentity, type InvocationRequest, type PreparedRevision } from '../../src/backends/backend.ts';
import { ProcessBackend } from '../../src/backends/process/index.ts';
import { createZip, type ZipInputFile } from '../../src/code/zip.ts';
import type { FunctionConfig, Revision } from '../../src/domain/model.ts';

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
    if (req.url === '/initialize') fs.writeFileSync('initialized.marker', req.headers['x-fc-request-id'] || '');
    if (req.url === '/pre-stop') fs.writeFileSync('prestopped.marker', 'yes');
    if (req.url === '/invoke') {
      console.log('custom got ' + body);
      if (body === 'pid') return res.end(String(process.pid));
      return res.end(body.toUpperCase() + ' ' + process.env.FC_FUNCTION_NAME + ' ' + process.env.GREETING + ' ' + fs.existsSync('initialized.marker'));
    }
    res.end('');
  });
}).listen(Number(process.env.FC_SERVER_PORT), '127.0.0.1');
`;

describe('process backend', () => {
  after(async () => {
    await backend.close();
    // (7) nothing left running after close()
    for (const pid of pids) assert.equal(alive(pid), false, `pid ${pid} still alive after close()`);
    assert.equal(existsSync(backend.workDir), false);
  });

  it('runs a custom runtime server with initializer and preStop', async () => {
    const prepared = await prepare('custom', [{ path: 'server.js', data: customServer }], {
      runtime: 'custom.debian10', handler: 'index.handler', environmentVariables: { GREETING: 'hi' },
      customRuntimeConfig: { command: ['node', 'server.js'] },
      instanceLifecycleConfig: { initializer: { handler: 'index.init', timeout: 3 }, preStop: { handler: 'index.stop', timeout: 3 } },
    });
    const inst = await start(prepared);
    await backend.initialize(inst, 3000);
    const r = await backend.invoke(inst, req('hello'));
    assert.equal(r.status, 200);
    assert.equal(r.body.toString(), 'HELLO custom hi true');
    assert.equal(r.errorType, undefined);
    assert.match(r.logs ?? '', /^FC Invoke Start RequestId: r-.*\ncustom got hello\nFC Invoke End RequestId: r-/);
    await pidOf(inst);
    await backend.freeze(inst);
    await backend.stopInstance(inst, { preStop: true, timeoutMs: 3000 });
    const dir = (prepared as PreparedRevision & { codeDir: string }).codeDir;
    assert.equal(readFileSync(join(dir, 'prestopped.marker'), 'utf8'), 'yes');
    assert.ok(readFileSync(join(dir, 'initialized.marker'), 'utf8').length > 0);
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
    const rq = req('{"a":1}');
    const r = await backend.invoke(inst, rq);
    assert.equal(r.status, 200);
    assert.deepEqual(JSON.parse(r.body.toString()), { event: '{"a":1}', inits: 1, requestId: rq.requestId, fn: 'node', ak: 'LOCALFC_ACCESS_KEY_ID' });
    assert.match(r.logs ?? '', /node handler saw \{"a":1\}/);
    assert.match(backend.instanceLogs(inst), /node handler saw/);
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
    const rq = req('ping');
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

  it('times out a slow handler, kills it and restarts on the next call', async () => {
    const prepared = await prepare('slow', [{ path: 'index.js', data: `exports.handler = async (e) => { if (e.toString() === 'pid') return String(process.pid); await new Promise((r) => setTimeout(r, 10000)); };` }], {});
    const inst = await start(prepared);
    const before = await pidOf(inst);
    const r = await backend.invoke(inst, req('slow', { timeoutMs: 300 }));
    assert.equal(r.errorType, 'UnhandledInvocationError');
    assert.match(JSON.parse(r.body.toString()).errorMessage, /timed out/);
    assert.equal(alive(before), false);
    const afterPid = await pidOf(inst);
    assert.notEqual(afterPid, before);
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
    await pidOf(inst);
    await backend.invoke(inst, req('start'));
    await new Promise((r) => setTimeout(r, 200));
    const running = Number((await backend.invoke(inst, req('count'))).body.toString());
    assert.ok(running >= 3, `the interval runs while thawed (${running})`);
    const a = Number((await backend.invoke(inst, req('count'))).body.toString());
    await backend.freeze(inst);
    // Real time on purpose: this observes OS process suspension.
    await new Promise((r) => setTimeout(r, 300));
    await backend.thaw(inst);
    const b = Number((await backend.invoke(inst, req('count'))).body.toString());
    assert.ok(b - a <= 2, `counter advanced by ${b - a} while frozen`);
  });

  it('rejects broken zips, missing handler files and unsupported runtimes', async () => {
    await assert.rejects(prepare('broken', Buffer.from('this is not a zip'), {}), (e: unknown) => e instanceof BackendError && e.code === 'InvalidZipFileException');
    await assert.rejects(prepare('nohandler', [{ path: 'other.js', data: '' }], { handler: 'index.handler' }), (e: unknown) => e instanceof BackendError && e.code === 'HandlerNotFound');
    await assert.rejects(prepare('nopy', [{ path: 'index.js', data: '' }], { runtime: 'python3.10', handler: 'index.handler' }), (e: unknown) => e instanceof BackendError && e.code === 'HandlerNotFound');
    await assert.rejects(prepare('container', [{ path: 'index.js', data: '' }], { runtime: 'custom-container' }), (e: unknown) => e instanceof BackendError && e.code === 'InvalidRuntime' && /docker/.test(e.message));
    await assert.rejects(prepare('java', [{ path: 'index.js', data: '' }], { runtime: 'java11' }), (e: unknown) => e instanceof BackendError && e.code === 'InvalidRuntime');
  });

  it('reports a process that exits at start as CAExited', async () => {
    const prepared = await prepare('crash', [{ path: 'server.js', data: `console.error('cannot start: missing config'); process.exit(3);` }], { runtime: 'custom', customRuntimeConfig: { command: ['node', 'server.js'] } });
    await assert.rejects(start(prepared), (e: unknown) => e instanceof BackendError && e.code === 'CAExited' && /code 3/.test(e.message) && /missing config/.test(e.message));
  });
});
