/**
 * @module
 * What the kernel says about a process the tests started (Linux /proc), so a test observes freezing as a state rather
 * than through timings.
 */
import { readFileSync } from 'node:fs';

/** The scheduler state letter of a pid (R running, S sleeping, T stopped, …), or undefined without /proc or process. */
export function processState(pid: number): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '')[0];
  } catch {
    return undefined;
  }
}
