/**
 * The README's start command as a user runs it: prints the endpoint, answers health, stops cleanly on SIGTERM.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { SETTING_LIST } from '../../src/settings.ts';

it('starts on a free port with --port 0, prints the dashboard URL, serves health and the page at /, exits 0 on SIGTERM', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port', '0', '--log', 'silent'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
  });
  assert.match(out, /SDK endpoint: 127\.0\.0\.1:\d+, protocol: http/);
  assert.ok(out.includes(`dashboard: ${url}/_localfc/ui)`), `the start-up line names the dashboard: ${out}`);
  const health = (await (await fetch(`${url}/_localfc/health`)).json()) as { status: string };
  assert.equal(health.status, 'ok');
  // The bare address and the admin prefix, typed into a browser, lead to the page.
  for (const path of ['/', '/_localfc']) {
    const res = await fetch(`${url}${path}`, { redirect: 'manual' });
    assert.equal(res.status, 302, path);
    assert.equal(res.headers.get('location'), '/_localfc/ui', path);
  }
  const page = await fetch(`${url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /<link rel="icon"/);
  child.kill('SIGTERM');
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
});

it('with --public-url (a mapped port), prints the endpoint and dashboard clients reach it at, beside the address it listens on', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port', '0', '--log', 'silent', '--public-url', 'http://127.0.0.1:9537'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = once(child, 'exit');
  let out = '';
  try {
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.includes('\n')) resolve();
      });
      child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}`)));
    });
    assert.match(out, /^localfc listening on http:\/\/127\.0\.0\.1:\d+ \(reached at http:\/\/127\.0\.0\.1:9537; SDK endpoint: 127\.0\.0\.1:9537, /, out);
    assert.ok(out.includes('dashboard: http://127.0.0.1:9537/_localfc/ui)'), out);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
});

it('refuses a bad setting with a clear message and exit code 2', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', 'oops'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 2);
  assert.match(err, /unexpected argument 'oops'/);
});

it('--help prints every flag of the settings table with its variable and exits 0 without starting a server', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  assert.match(out, /^Usage: localfc/);
  for (const flag of ['--backend', '--clock', '--data-dir', '--admin-token', '--config', '--version']) assert.ok(out.includes(flag), flag);
  for (const s of SETTING_LIST.filter((s) => s.flag)) assert.match(out, new RegExp(`--${s.flag}\\b.*\\[${s.env!.replace(/[<>]/g, '.')}\\]`), s.flag);
});

it('--version prints the package version and exits 0 without starting a server', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--version'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  assert.equal(code, 0);
  const { version } = JSON.parse(readFileSync('package.json', 'utf8')) as { version: string };
  assert.equal(out, `${version}\n`);
});
