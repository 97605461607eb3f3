/**
 * The freezing rule a handler can observe, on the process backend with real processes and the manual clock: after
 * its last response an instance keeps running for the grace period of clock time (100 ms by default), then it is
 * stopped (SIGSTOP) until the next invocation; `freezeInstances: false` never stops it.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { advanceClock } from '../helpers/clock.ts';

const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, String(process.pid))' }]).toString('base64');

/** The process state letter from /proc (T = stopped). */
function procState(pid: number): string {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
}

/**
 * Polls until the state is `want`, at most `polls` times 20 ms; returns the last state seen. Signals take effect
 * asynchronously; the default bound (60 s) only turns a hang into a failure on a loaded machine.
 */
async function settle(pid: number, want: (s: string) => boolean, polls = 3000): Promise<string> {
  let state = procState(pid);
  for (let i = 0; i < polls && !want(state); i++) {
    await sleep(20);
    state = procState(pid);
  }
  return state;
}

async function withFunction(options: { freezeInstances?: boolean; freezeGraceMs?: number }, body: (fc: RunningLocalfc, invoke: () => Promise<number>) => Promise<void>): Promise<void> {
  const fc = await start({ clock: 'manual', backend: 'process', ...(options.freezeInstances === false ? { freezeInstances: false } : {}), ...(options.freezeGraceMs !== undefined ? { timing: { freezeGraceMs: options.freezeGraceMs } } : {}) });
  try {
    const res = await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'f', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } }) });
    assert.equal(res.status, 200, await res.text());
    await advanceClock(fc, 1000);
    const invoke = async () => {
      const r = await fetch(`${fc.url}/2023-03-30/functions/f/invocations`, { method: 'POST', body: '{}' });
      assert.equal(r.status, 200);
      return Number(await r.text());
    };
    await body(fc, invoke);
  } finally {
    await fc.stop();
  }
}

/** Advances through the admin API, as a user's test does: it returns once what fell due (the freeze too) has run. */
async function advance(fc: RunningLocalfc, ms: number): Promise<void> {
  const res = await fetch(`${fc.url}/_localfc/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms }) });
  assert.equal(res.status, 200);
}

const stopped = (s: string) => s === 'T';

describe('freezing after the grace period (process backend, manual clock)', { timeout: 120_000 }, () => {
  it('an instance runs on for the grace period after its response, is frozen at its end and thawed for the next call', async () => {
    await withFunction({}, async (fc, invoke) => {
      const pid = await invoke();
      await advance(fc, 99);
      assert.notEqual(procState(pid), 'T', 'still running 99 ms (clock) after its last response');
      await advance(fc, 1);
      assert.equal(await settle(pid, stopped), 'T', 'frozen 100 ms after its last response');
      assert.equal(await invoke(), pid, 'the frozen instance serves the next call');
      assert.notEqual(procState(pid), 'T');
      await advance(fc, 100);
      assert.equal(await settle(pid, stopped), 'T');
    });
  });

  it('the grace period is a setting (timing.freezeGraceMs); 0 freezes at once', async () => {
    await withFunction({ freezeGraceMs: 0 }, async (_fc, invoke) => {
      const pid = await invoke();
      assert.equal(await settle(pid, stopped), 'T', 'frozen with no clock movement');
    });
  });

  it('freezeInstances: false never freezes', async () => {
    await withFunction({ freezeInstances: false }, async (fc, invoke) => {
      const pid = await invoke();
      await advance(fc, 60_000);
      // Watched for 2 s: a freeze that came late would show (a shorter watch can only miss one, never fail a good run).
      assert.notEqual(await settle(pid, stopped, 100).then(() => procState(pid)), 'T');
    });
  });
});
