/**
 * @module
 * Each instance runs in a process group of its own (spawned detached: a new session whose id is the instance's pid),
 * so what its code starts in the background is frozen, thawed and stopped with it. A child that makes a session of its
 * own (a double-forking daemon) leaves the group and is not followed.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { groupMembers } from '../../os/proc-stat.ts';

/** Signals every process of the group; a group that is gone is not an error. */
export function signalGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal);
  } catch {
    /* the group has no members any more */
  }
}

export interface GroupLeader {
  readonly pgid: number;
  /** Resolves once the leader (the process localfc spawned) has exited and been reaped by Node. */
  readonly exit: Promise<void>;
  exited(): boolean;
}

/**
 * Ends a group: SIGTERM to all of it (then SIGCONT, so a frozen group receives it), SIGKILL to whatever is left after
 * `graceMs` (the leader, or a grandchild that ignores SIGTERM and outlived it); with no grace, SIGKILL at once.
 * Resolves once the group is empty. Once the leader has exited, the group is signalled only while /proc still shows
 * members: a group id is free for reuse once empty.
 */
export async function endGroup(g: GroupLeader, graceMs: number): Promise<void> {
  const remaining = (): boolean => groupMembers(g.pgid).length > 0;
  if (g.exited() && !remaining()) return;
  if (graceMs > 0) {
    signalGroup(g.pgid, 'SIGTERM');
    signalGroup(g.pgid, 'SIGCONT');
    const deadline = Date.now() + graceMs;
    await Promise.race([g.exit, sleep(graceMs)]);
    while (Date.now() < deadline && remaining()) await sleep(25);
  }
  if (!g.exited() || remaining()) signalGroup(g.pgid, 'SIGKILL');
  await g.exit;
  // SIGKILL is final, but a process takes a moment to be torn down (bounded: the group is gone or going).
  for (let i = 0; i < 80 && remaining(); i++) await sleep(25);
}
