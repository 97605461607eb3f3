// `npm start` is the server process (issue 15): a signal to the pid that `npm start &` printed stops the server and
// every instance it started, instead of leaving them running behind a dead npm.
import assert from 'node:assert/strict';
import { execFile, spawn } from 'node:child_process';
import { once } from 'node:events';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { describe, it } from 'node:test';
import { request } from 'undici';
import { createZip } from '../helpers/zip.ts';
import { waitFor } from '../helpers/wait.ts';

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

describe('npm start', () => {
  it('SIGTERM to the npm pid stops the server and its function instances', async () => {
    const npm = spawn('npm', ['start', '--silent', '--', '--port', '0', '--clock', 'manual', '--backend', 'process'], { stdio: ['ignore', 'pipe', 'pipe'], detached: true });
    let out = '';
    npm.stdout.on('data', (d: Buffer) => (out += d.toString()));
    npm.stderr.on('data', (d: Buffer) => (out += d.toString()));
    try {
      const url = await waitFor('the listening line', async () => /listening on (http:\/\/[^\s]+:\d+)/.exec(out)?.[1], 60_000);
      const call = async (method: string, path: string, body?: unknown) => {
        const res = await request(`${url}${path}`, { method: method as 'GET', headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: JSON.stringify(body) }) });
        const text = await res.body.text();
        assert.ok(res.statusCode < 300, `${method} ${path}: ${res.statusCode} ${text}`);
        return JSON.parse(text || '{}') as Record<string, unknown>;
      };
      const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "up")' }]).toString('base64');
      await call('POST', '/2023-03-30/functions', { functionName: 'f', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip } });
      await call('POST', '/_localfc/clock/advance', { ms: 1000 });
      const res = await request(`${url}/2023-03-30/functions/f/invocations`, { method: 'POST', body: 'x' });
      assert.equal(await res.body.text(), 'up');
      const { instances } = (await call('GET', '/_localfc/functions/f/instances')) as { instances: { pid?: number }[] };
      const pid = instances[0]?.pid;
      assert.ok(pid && alive(pid), 'the instance runs as a process');

      const exited = once(npm, 'exit');
      npm.kill('SIGTERM');
      await exited;
      await waitFor('the instance process to end', async () => (alive(pid) ? undefined : true), 120_000);
      await assert.rejects(request(`${url}/_localfc/health`), 'the server stopped listening');
    } finally {
      // Whatever failed, nothing of this test outlives it: its own process group goes.
      try {
        process.kill(-npm.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
  });

  // bin/start.mjs (npm start) runs the bundle when it is at least as new as every file under src/, else the sources
  // under tsx: a checkout being edited never runs stale code. Checked in a scratch copy with stand-in files.
  it('runs dist/localfc.mjs when current, the sources under tsx when src/ is newer or nothing is built', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'localfc-start-'));
    try {
      mkdirSync(path.join(dir, 'bin'));
      mkdirSync(path.join(dir, 'src', 'api'), { recursive: true });
      copyFileSync(new URL('../../bin/start.mjs', import.meta.url), path.join(dir, 'bin', 'start.mjs'));
      symlinkSync(new URL('../../node_modules', import.meta.url).pathname, path.join(dir, 'node_modules'));
      writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
      // a .ts file that only tsx can run (a type annotation), deep in src/ like the real ones
      writeFileSync(path.join(dir, 'src', 'main.ts'), "const from: string = 'sources';\nconsole.log(from);\n");
      writeFileSync(path.join(dir, 'src', 'api', 'x.ts'), 'export {};\n');
      const run = async () => (await promisify(execFile)(process.execPath, [path.join(dir, 'bin', 'start.mjs')])).stdout.trim();
      const at = (file: string, seconds: number) => utimesSync(path.join(dir, file), seconds, seconds);

      assert.equal(await run(), 'sources', 'no dist/: the sources');
      mkdirSync(path.join(dir, 'dist'));
      writeFileSync(path.join(dir, 'dist', 'localfc.mjs'), "console.log('bundle');\n");
      at('src/main.ts', 1000);
      at('src/api/x.ts', 1000);
      at('dist/localfc.mjs', 2000);
      assert.equal(await run(), 'bundle', 'a current bundle runs');
      at('src/api/x.ts', 3000);
      assert.equal(await run(), 'sources', 'a file under src/ changed after the build: the sources');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
