// The bundled server (scripts/bundle.mjs) answers its first request without loading the npm undici: only the process
// and container backends use it, and the bundle's stand-in requires it when one of its exports is first read, so a
// module that reads one at load time (`const { X } = errors` at top level) loads it at every start-up. Nor does it load
// Node.js's own undici (what the global Request, Response, Headers and fetch are) to answer the health check, which
// the fast routes answer before @hono/node-server is imported (server.ts); the first CreateFunction then loads it.
// And it leaves zod's locales but English out (scripts/bundle.mjs). Checked on a scratch bundle built from the
// sources, with a preload that watches which Node.js modules the bundle requires.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { it } from 'node:test';
import { createZip } from '../helpers/zip.ts';

const ROOT = new URL('../..', import.meta.url).pathname;

// Reports, when the first response is written, which modules the process required by then.
const WATCH = `const Module = require('node:module');
const http = require('node:http');
const seen = new Set();
const load = Module._load;
Module._load = function (request, ...rest) { seen.add(request); return load.call(this, request, ...rest); };
// What main() has required once the listening line is out (the same tick's work included).
const write = process.stdout.write;
process.stdout.write = function (chunk, ...a) {
  if (String(chunk).includes('listening on ')) process.nextTick(() => process.stderr.write('required at listening: ' + JSON.stringify([...seen]) + '\\n'));
  return write.call(this, chunk, ...a);
};
const end = http.ServerResponse.prototype.end;
let told = false;
http.ServerResponse.prototype.end = function (...a) {
  if (!told) {
    told = true;
    process.stderr.write('required by the first answer: ' + JSON.stringify([...seen]) + '\\n');
    process.stderr.write('built-in undici by the first answer: ' + process.moduleLoadList.includes('NativeModule internal/deps/undici/undici') + '\\n');
  }
  return end.apply(this, a);
};
`;

it('answers its first request without loading undici, nor the built-in one for the health check, and loads undici for the process backend', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'localfc-bundle-'));
  try {
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/bundle.mjs')], { cwd: ROOT, env: { ...process.env, LOCALFC_BUNDLE_DIR: dir }, timeout: 180_000 });
    // zod's other languages (its Indonesian message for a bad input) and undici (one of its error codes) are left out
    // of the source every start reads.
    const source = readFileSync(path.join(dir, 'localfc.cjs'), 'latin1');
    assert.ok(!source.includes('Input tidak valid'), "the bundle holds zod's other locales");
    assert.ok(!source.includes('UND_ERR_SOCKS') && readFileSync(path.join(dir, 'undici.cjs'), 'latin1').includes('UND_ERR_SOCKS'), 'undici is in the bundle, not in undici.cjs');
    // So are pino, yauzl and croner, each in a file of its own (a string of each package's own source).
    for (const [file, text] of [['pino.cjs', 'SonicBoom'], ['yauzl.cjs', 'central directory file header signature'], ['croner.cjs', 'legacyMode']] as const) {
      assert.ok(!source.includes(text) && readFileSync(path.join(dir, file), 'latin1').includes(text), `${file} is in the bundle, not in a file of its own`);
    }
    // The process and container backends' modules are initialised when app.ts first reads their class (an esbuild
    // wrapper named after the module), not evaluated by every start-up of the default simulated backend.
    for (const m of ['src/backends/docker/docker-backend.ts', 'src/backends/process/process-backend.ts']) assert.ok(source.includes(`"${m}"(){`), `${m} is evaluated at start-up`);
    // So are GetFunction's and InvokeFunction's route groups and the function schemas (app.ts mounts them lazily;
    // server.ts builds them after the first answer).
    for (const m of ['src/api/routes/functions.ts', 'src/api/routes/invoke.ts', 'src/api/schemas/function.ts']) assert.ok(source.includes(`"${m}"(){`), `${m} is evaluated at start-up`);
    writeFileSync(path.join(dir, 'watch.cjs'), WATCH);
    // The access log on (its line is written after the answer, through pino's destination).
    const server = spawn(process.execPath, ['-r', path.join(dir, 'watch.cjs'), path.join(dir, 'localfc.mjs'), '--port', '0', '--host', '127.0.0.1', '--log', 'text'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => server.once('exit', resolve));
    try {
      let out = '';
      let err = '';
      server.stderr.on('data', (d: Buffer) => (err += d));
      const url = await new Promise<string>((resolve, reject) => {
        server.stdout.on('data', (d: Buffer) => {
          out += d;
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        server.once('exit', (code) => reject(new Error(`exited (${code}) before listening: ${out} ${err}`)));
      });
      const res = await fetch(`${url}/_localfc/health`, { signal: AbortSignal.timeout(60_000) });
      assert.equal(res.status, 200);
      await res.text();
      const required = JSON.parse(/required by the first answer: (.*)\n/.exec(err)?.[1] ?? 'null') as string[];
      assert.ok(required.includes('node:http'), `the watch sees the bundle's requires: ${err}`);
      // undici is a file of its own next to the bundle (undici.cjs); its lib/core/util.js (loaded by any part of it)
      // requires node:querystring, which nothing else of the server's start-up does.
      assert.ok(!required.some((r) => r.endsWith('undici.cjs')) && !required.includes('node:querystring'), `undici was loaded before the first answer: ${required.join(', ')}`);
      assert.match(err, /built-in undici by the first answer: false\n/, 'the health check loaded @hono/node-server (and with it Node.js\'s undici)');
      // Nor what only later work needs (scripts/bundle.mjs LAZY): pino (its worker_threads transport) until the first
      // log line is handed over, the process backend's modules, and heap-trim.ts's node:v8 and node:perf_hooks, started
      // a second after listening.
      // node:crypto neither: request ids need none of it (ids.ts), code links' secret is made on first use.
      for (const m of ['worker_threads', 'node:os', 'node:fs/promises', 'node:timers/promises', 'node:child_process', 'node:crypto']) assert.ok(!required.includes(m), `${m} was loaded before the first answer`);
      const atListening = JSON.parse(/required at listening: (.*)\n/.exec(err)?.[1] ?? 'null') as string[];
      assert.ok(atListening.includes('node:http') && !atListening.includes('node:v8') && !atListening.includes('node:perf_hooks'), `heap-trim.ts's modules were loaded at listening: ${atListening.join(', ')}`);
      // What a user sends next goes to the full app, which loads it then.
      const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
      const body = JSON.stringify({ functionName: 'first', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } });
      const created = await fetch(`${url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(60_000) });
      const answer = await created.text();
      assert.equal(created.status, 200, answer);
      assert.equal((JSON.parse(answer) as { functionName: string }).functionName, 'first');
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
    // The process backend forwards through undici, which the bundle then loads from undici.cjs.
    const proc = spawn(process.execPath, [path.join(dir, 'localfc.mjs'), '--port', '0', '--host', '127.0.0.1', '--log', 'silent', '--backend', 'process'], { stdio: ['ignore', 'pipe', 'inherit'] });
    const procExited = new Promise((resolve) => proc.once('exit', resolve));
    try {
      const url = await new Promise<string>((resolve, reject) => {
        let out = '';
        proc.stdout.on('data', (d: Buffer) => {
          out += d;
          const m = /listening on (http:\/\/\S+)/.exec(out);
          if (m) resolve(m[1]!);
        });
        proc.once('exit', (code) => reject(new Error(`exited (${code}) before listening: ${out}`)));
      });
      const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
      const body = JSON.stringify({ functionName: 'echo', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } });
      const created = await fetch(`${url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: AbortSignal.timeout(60_000) });
      assert.equal(created.status, 200, await created.text());
      const invoked = await fetch(`${url}/2023-03-30/functions/echo/invocations`, { method: 'POST', body: '{"a":1}', signal: AbortSignal.timeout(120_000) });
      assert.deepEqual([invoked.status, await invoked.text()], [200, '{"a":1}']);
    } finally {
      proc.kill('SIGTERM');
      await procExited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
