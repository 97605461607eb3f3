/**
 * @module
 * Who owns a container: every container localfc creates carries labels naming its backend (a random id), the
 * process (pid + its start time) and the host. At start-up a backend reaps only containers whose owning process is
 * gone from this host, so a localfc running alongside (same engine, even same process) is never touched.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAlive } from '../../os/process-alive.ts';
import type { DockerEngine } from './engine.ts';

export const LABELS = {
  managed: 'localfc',
  owner: 'localfc.owner',
  pid: 'localfc.pid',
  pidStart: 'localfc.pid-start',
  host: 'localfc.host',
  fn: 'localfc.function',
  instance: 'localfc.instance',
  revision: 'localfc.revision',
} as const;

/** The process's start time in clock ticks since boot (Linux), so a reused pid is not mistaken for the owner. */
export function processStart(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

export interface Owner {
  readonly id: string;
  readonly labels: Readonly<Record<string, string>>;
}

export function newOwner(): Owner {
  const id = randomUUID().replace(/-/g, '').slice(0, 12);
  const start = processStart(process.pid);
  return {
    id,
    labels: {
      [LABELS.managed]: '1',
      [LABELS.owner]: id,
      [LABELS.pid]: String(process.pid),
      [LABELS.host]: hostname(),
      ...(start ? { [LABELS.pidStart]: start } : {}),
    },
  };
}

/** True when the labels name a localfc process on this host that no longer runs. */
export function ownerIsDead(labels: Readonly<Record<string, string>>): boolean {
  const pid = Number(labels[LABELS.pid]);
  if (!labels[LABELS.owner] || !Number.isInteger(pid) || pid <= 0 || labels[LABELS.host] !== hostname()) return false;
  if (!isAlive(pid)) return true;
  const recorded = labels[LABELS.pidStart];
  const now = processStart(pid);
  return recorded !== undefined && now !== undefined && recorded !== now;
}

/** Removes containers left by crashed localfc runs on this host; returns their ids. */
export async function reapOrphans(engine: DockerEngine): Promise<string[]> {
  const gone: string[] = [];
  for (const c of await engine.listContainers({ labels: { [LABELS.managed]: '1' }, all: true })) {
    if (!ownerIsDead(c.labels)) continue;
    await engine.removeContainer(c.id, { force: true }).then(() => gone.push(c.id), () => undefined);
  }
  return gone;
}

/** Removes every container of one owner (optionally only one revision's); returns how many. */
export async function removeOwned(engine: DockerEngine, ownerId: string, extra: Record<string, string> = {}): Promise<number> {
  const list = await engine.listContainers({ labels: { [LABELS.owner]: ownerId, ...extra }, all: true });
  await Promise.all(list.map((c) => engine.removeContainer(c.id, { force: true }).catch(() => undefined)));
  return list.length;
}
