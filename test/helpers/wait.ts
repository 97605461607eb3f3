/**
 * @module
 * Waiting for an effect that arrives on its own (an engine event, a background run, a process's output): polls, and
 * fails the test with what it waited for instead of hanging the run.
 */

/** Polls `fn` until it has a value; rejects after `timeoutMs` of real time (generous: a loaded machine is slow, and the bound only turns a hang into a named failure). */
export async function waitFor<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 120_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}
