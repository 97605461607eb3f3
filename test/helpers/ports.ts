/**
 * @module
 * A port for a test to hand to code that listens on it later (a hard-coded port). A port found free by listening on
 * port 0 is in the kernel's ephemeral range, where every other test file's servers on port 0 (and outgoing
 * connections) are given ports too: between the choice and the code's listen, one of them can take it. A port below
 * that range is never handed out by the kernel; only another test choosing the same one at random could clash.
 */
import { readFileSync } from 'node:fs';
import { portTaken } from '../../src/backends/process/ports.ts';

/** Where the kernel's ephemeral ports start (Linux; 32768, the usual default, elsewhere). */
function ephemeralStart(): number {
  try {
    const start = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0]);
    return Number.isInteger(start) && start > 0 ? start : 32768;
  } catch {
    return 32768;
  }
}

/** A port free now, outside the ephemeral range (10000 up to its start), picked at random. */
export async function unclaimedPort(): Promise<number> {
  const low = 10_000;
  const high = Math.max(ephemeralStart(), low + 1000);
  for (;;) {
    const port = low + Math.floor(Math.random() * (high - low));
    if (!(await portTaken(port))) return port;
  }
}
