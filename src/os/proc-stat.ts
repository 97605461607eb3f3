/**
 * @module
 * What Linux's /proc says about a process: its state, process group and start time. The start time (clock ticks since
 * boot) tells a process from a later one that reused its pid. Everything answers "unknown" without /proc.
 */
import { readdirSync, readFileSync } from 'node:fs';

export interface ProcStat {
  /** R running, S sleeping, T stopped, Z exited but not yet reaped by its parent, … */
  readonly state: string;
  readonly pgid: number;
  /** Start time in clock ticks since boot, as /proc prints it. */
  readonly start: string;
}

/** undefined when the process does not exist (or there is no /proc). */
export function procStat(pid: number): ProcStat | undefined {
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields are counted from the last ')'.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { state: f[0]!, pgid: Number(f[2]), start: f[19]! };
}

/** The live members (zombies excluded: they run nothing and need only their parent) of process group `pgid`. */
export function groupMembers(pgid: number): Array<{ pid: number; start: string }> {
  let pids: string[];
  try {
    pids = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: Array<{ pid: number; start: string }> = [];
  for (const name of pids) {
    const pid = Number(name);
    if (!Number.isInteger(pid) || pid <= 0) continue;
    const s = procStat(pid);
    if (s && s.pgid === pgid && s.state !== 'Z' && s.state !== 'X') out.push({ pid, start: s.start });
  }
  return out;
}
