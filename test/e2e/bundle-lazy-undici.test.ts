// The bundled server (scripts/bundle.mjs) answers its first request without loading the npm undici: only the process
// and container backends use it, and the bundle's stand-in requires it when one of its exports is first read, so a
// module that reads one at load time (`const { X } = errors` at top level) loads it at every start-up. Checked on a
// scratch bundle built from the sources, with a preload that watches which Node.js modules the bundle requires.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { it } from 'node:test';

const ROOT = new URL('../..', import.meta.url).pathname;

// Reports, when the first response is written, which modules the process required by then.
const WATCH = `const Module = require('node:module');
const http = require('node:http');
const seen = new Set();
const load = Module._load;
Module._load = function (request, ...rest) { seen.add(request); return load.call(this, request, ...rest); };
const end = http.ServerResponse.prototype.end;
let told = false;
http.ServerResponse.prototype.end = function (...a) {
  if (!told) { told = true; process.stderr.write('required by the first answer: ' + JSON.stringify([...seen]) + '\\n'); }
  return end.apply(this, a);
};
`;

it('answers its first request without loading undici', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'localfc-bundle-'));
  try {
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'scripts/bundle.mjs')], { cwd: ROOT, env: { ...process.env, LOCALFC_BUNDLE_DIR: dir }, timeout: 180_000 });
    writeFileSync(path.join(dir, 'watch.cjs'), WATCH);
    const server = spawn(process.execPath, ['-r', path.join(dir, 'watch.cjs'), path.join(dir, 'localfc.mjs'), '--port', '0', '--host', '127.0.0.1', '--log', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
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
      // undici is bundled, so it is not required by name: its lib/core/util.js (loaded by any part of it) requires
      // node:querystring, which nothing else of the server's start-up does.
      assert.ok(!required.includes('node:querystring'), `undici was loaded before the first answer (node:querystring was required): ${required.join(', ')}`);
    } finally {
      server.kill('SIGTERM');
      await exited;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
