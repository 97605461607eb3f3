/**
 * Nothing left running (issue 18): each process-backend instance is a process group of its own. What a handler starts
 * in the background (a grandchild, here one that ignores SIGTERM) is frozen with it, stopped with it on DeleteFunction
 * and on a server SIGTERM, and a localfc killed with SIGKILL has its handlers (idle ones frozen) reaped by the next
 * localfc to start, with or without --data-dir, while a live localfc's are left alone. Real servers on free ports, real
 * processes, observed in /proc by polling with a generous bound.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { ProcessBackend } from '../../src/backends/process/index.ts';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { advanceClock } from '../helpers/clock.ts';
import { processState } from '../helpers/process.ts';
import { startServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait.ts';

/** A custom runtime whose first call starts a grandchild that ignores SIGTERM and ticks; answers both pids. */
const withGrandchild = createZip([{
  path: 'index.js',
  data: `
const http = require('node:http');
const { spawn } = require('node:child_process');
let kid;
http.createServer((req, res) => {
  req.resume();
  req.on('end', () => {
    const answer = () => res.end(JSON.stringify({ pid: process.pid, grandchild: kid.pid }));
    if (kid) return answer();
    kid = spawn(process.execPath, ['-e', "process.on('SIGTERM', () => {}); setInterval(() => {}, 20); console.log('ready')"], { stdio: ['ignore', 'pipe', 'ignore'] });
    kid.stdout.once('data', answer);
  });
}).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');
`,
}]).toString('base64');
// The record directory of running process groups is shared by every localfc of this user (tmpdir()/localfc-owned-UID),
// so a localfc another test file starts meanwhile would reap this file's SIGKILLed server first (seen once under load).
// A private TMPDIR for this file's process (and the servers it spawns, which inherit it) keeps the reaping to be checked ours.
const privateTmp = mkdtempSync(join(tmpdir(), 'localfc-groups-test-'));
process.env.TMPDIR = privateTmp;
after(() => rmSync(privateTmp, { recursive: true, force: true }));

const plain = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, JSON.stringify({ pid: process.pid }))' }]).toString('base64');

const seen = new Set<number>();
const gone = (pid: number): boolean => {
  const s = processState(pid);
  return s === undefined || s === 'Z';
};
const waitGone = (what: string, pids: number[]) => waitFor(`${what} (${pids.join(', ')}) to end`, async () => (pids.every(gone) ? true : undefined), 120_000);

async function call(url: string, path: string, method = 'GET', json?: unknown): Promise<{ status: number; text: string }> {
  const res = await fetch(`${url}${path}`, { method, ...(json !== undefined ? { headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) } : {}), signal: AbortSignal.timeout(60_000) });
  return { status: res.status, text: await res.text() };
}
async function create(url: string, functionName: string, grandchild: boolean): Promise<void> {
  const spec = grandchild ? { runtime: 'custom.debian10', customRuntimeConfig: { command: ['node', 'index.js'] }, code: { zipFile: withGrandchild } } : { runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: plain } };
  const r = await call(url, '/2023-03-30/functions', 'POST', { functionName, ...spec });
  assert.equal(r.status, 200, r.text);
}
async function invoke(url: string, functionName: string): Promise<{ pid: number; grandchild?: number }> {
  const r = await call(url, `/2023-03-30/functions/${functionName}/invocations`, 'POST', {});
  assert.equal(r.status, 200, r.text);
  const pids = JSON.parse(r.text) as { pid: number; grandchild?: number };
  seen.add(pids.pid);
  if (pids.grandchild) seen.add(pids.grandchild);
  return pids;
}

after(() => {
  // Whatever a failing run left behind (only pids these tests saw).
  for (const pid of seen) if (!gone(pid)) for (const sig of ['SIGKILL', 'SIGCONT'] as const) try { process.kill(pid, sig); } catch { /* gone */ }
});

describe('process groups: background work is frozen and stopped with its instance', { timeout: 180_000 }, () => {
  it('freezing stops the grandchild too, thawing runs it again; DeleteFunction ends it though it ignores SIGTERM', async () => {
    const fcs = await start({ clock: 'manual', backend: 'process' });
    try {
      await create(fcs.url, 'bg', true);
      const { pid, grandchild } = await invoke(fcs.url, 'bg');
      assert.ok(grandchild);
      await advanceClock(fcs, 1000); // past the freeze grace
      await waitFor('the instance and its grandchild to be stopped (T)', async () => (processState(pid) === 'T' && processState(grandchild) === 'T' ? true : undefined));
      const again = await invoke(fcs.url, 'bg');
      assert.equal(again.grandchild, grandchild);
      assert.notEqual(processState(grandchild), 'T', 'the grandchild runs again with its instance');
      assert.equal((await call(fcs.url, '/2023-03-30/functions/bg', 'DELETE')).status, 204);
      await waitGone('the instance and the SIGTERM-ignoring grandchild', [pid, grandchild]);
    } finally {
      await fcs.stop();
    }
  });

  it('a server stopped with SIGTERM ends its handlers\' grandchildren', async () => {
    const server = await startServerProcess(['--backend', 'process']);
    try {
      await create(server.url, 'bg', true);
      const { pid, grandchild } = await invoke(server.url, 'bg');
      await server.stop('SIGTERM');
      await waitGone('the instance and its grandchild', [pid, grandchild!]);
    } finally {
      await server.stop('SIGKILL');
    }
  });
});

describe('reaping what a localfc killed with SIGKILL left running', { timeout: 240_000 }, () => {
  const dataDirs: string[] = [];
  after(() => dataDirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
  const dataDir = () => {
    const d = mkdtempSync(join(tmpdir(), 'localfc-reap-'));
    dataDirs.push(d);
    return d;
  };

  for (const variant of [{ name: 'without --data-dir', args: () => [] as string[] }, { name: 'with --data-dir', args: () => ['--data-dir', dataDir()] }]) {
    it(`the next localfc to start kills a dead one's handlers (frozen ones and SIGTERM-ignoring grandchildren), ${variant.name}; a live one's stay`, async () => {
      const doomed = await startServerProcess(['--backend', 'process', ...variant.args()]);
      const alive = await startServerProcess(['--backend', 'process']);
      let next: RunningLocalfc | undefined;
      try {
        await create(doomed.url, 'idle', false);
        await create(doomed.url, 'bg', true);
        await create(alive.url, 'bystander', true);
        const idle = await invoke(doomed.url, 'idle');
        const bg = await invoke(doomed.url, 'bg');
        const bystander = await invoke(alive.url, 'bystander');
        // The idle instance freezes after the grace period (100 ms of real time on the system clock).
        await waitFor('the idle instance to be frozen', async () => (processState(idle.pid) === 'T' ? true : undefined));
        await doomed.stop('SIGKILL');
        const orphans = [idle.pid, bg.pid, bg.grandchild!];
        assert.ok(orphans.every((p) => !gone(p)), 'SIGKILL of the server leaves its handlers running');
        const backend = new ProcessBackend({});
        next = await start({ backend: 'process', ...(variant.args().length ? { dataDir: dataDir() } : {}) }, { backend });
        const reaped = await backend.reaped;
        await waitGone('the dead localfc\'s handlers', orphans);
        for (const p of orphans) assert.ok(reaped.includes(p), `pid ${p} reported as reaped: ${reaped.join(', ')}`);
        for (const p of [bystander.pid, bystander.grandchild!]) assert.ok(!gone(p), `the live localfc's process ${p} is untouched`);
        assert.equal((await invoke(alive.url, 'bystander')).pid, bystander.pid);
      } finally {
        await next?.stop();
        await alive.stop();
        await doomed.stop('SIGKILL');
      }
    });
  }
});
