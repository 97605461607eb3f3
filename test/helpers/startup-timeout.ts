/**
 * @module
 * The start-up timeout on localfc's manual clock, the same check for every backend that runs code: a function whose
 * server never listens is given up exactly when the clock passes FC's 120 s, not before, with FC's answer.
 */
import assert from 'node:assert/strict';
import type { RunningLocalfc } from '../../src/server.ts';
import { advanceClock } from './clock.ts';
import { type Answer, invokeRaw } from './rollover.ts';
import { waitFor } from './wait.ts';

export const STARTUP_TIMEOUT_MS = 120_000;

/** Labels of the clock's pending timers. */
export async function timerLabels(fc: RunningLocalfc): Promise<string[]> {
  const clock = (await (await fetch(`${fc.url}/_localfc/clock`)).json()) as { timers: Array<{ label: string }> };
  return clock.timers.map((t) => t.label);
}

/** Waits until a clock timer whose label starts with `prefix` is pending (the step arming it has been reached). */
export async function timerArmed(fc: RunningLocalfc, prefix: string): Promise<void> {
  await waitFor(`a pending clock timer '${prefix}…'`, async () => ((await timerLabels(fc)).some((l) => l.startsWith(prefix)) ? true : undefined));
}

/** An invocation under way over plain HTTP, and whether it has been answered yet. */
export function pendingInvocation(fc: RunningLocalfc, functionName: string, body = 'x'): { answered: () => boolean; answer: Promise<Answer> } {
  let done = false;
  const answer = invokeRaw(fc, functionName, body).finally(() => (done = true));
  return { answered: () => done, answer };
}

/**
 * Invokes `functionName` (a server that never listens) and checks FC's start-up timeout on the manual clock: no answer
 * 1 ms before 120 s, `502 FunctionNotStarted` "Function instance health check failed on port … in 120 seconds." at
 * 120 s, and nothing left running. `running` waits until the server runs (it is given up only then). Returns the
 * answer's message.
 */
export async function checkGivenUpAtStartupTimeout(fc: RunningLocalfc, functionName: string, port: RegExp, running?: () => Promise<void>): Promise<string> {
  const call = pendingInvocation(fc, functionName);
  await timerArmed(fc, 'start-up timeout');
  await running?.();
  await advanceClock(fc, STARTUP_TIMEOUT_MS - 1);
  assert.equal(call.answered(), false, 'given up before the start-up timeout');
  await advanceClock(fc, 1);
  const { status, text } = await call.answer;
  assert.equal(status, 502, text);
  const error = JSON.parse(text) as { Code: string; Message: string };
  assert.equal(error.Code, 'FunctionNotStarted');
  assert.match(error.Message, new RegExp(`^Function instance health check failed on port ${port.source} in 120 seconds\\.`));
  const listed = (await (await fetch(`${fc.url}/_localfc/functions/${functionName}/instances`)).json()) as { instances: unknown[] };
  assert.deepEqual(listed.instances, [], 'the instance that never listened is gone');
  assert.deepEqual((await timerLabels(fc)).filter((l) => l.startsWith('start-up timeout')), []);
  return error.Message;
}
