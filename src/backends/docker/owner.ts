/**
 * @module
 * Who owns a container, in a way the next localfc on the same engine can check from any machine. Every container
 * localfc creates carries its backend's random owner id and one liveness signal, checked in this order:
 *
 * 1. `localfc.owner-container`: localfc itself runs in a container of this engine (the README's CI set-up, where it is
 *    pid 1). Alive while the engine says that container runs, whoever asks and from wherever.
 * 2. `localfc.boot-id` + `localfc.pid-ns` + `localfc.pid` + `localfc.pid-start`: a process on a kernel and in a pid
 *    namespace the asker shares. Alive while that pid runs with that start time (a reused pid is not the owner).
 * 3. A lease kept through the engine: a volume labelled with the owner id, replaced every `leaseMs / 3` while the
 *    backend lives. To another machine (or pid namespace) the owner is dead once its newest lease volume is older than
 *    the `leaseMs` it declared, on the engine's own clock (its CreatedAt against the Date of the engine's answer).
 *
 * Only positive evidence of death reaps: containers whose owner cannot be judged (no signal the asker can check, a
 * lease volume pruned away) are left alone, and so is every container of a localfc that is running.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync, readlinkSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAlive } from '../../os/process-alive.ts';
import { procStat } from '../../os/proc-stat.ts';
import { type ContainerSummary, type DockerEngine, DockerError } from './engine.ts';

export const LABELS = {
  managed: 'localfc',
  owner: 'localfc.owner',
  ownerContainer: 'localfc.owner-container',
  bootId: 'localfc.boot-id',
  pidNs: 'localfc.pid-ns',
  pid: 'localfc.pid',
  pidStart: 'localfc.pid-start',
  host: 'localfc.host',
  lease: 'localfc.lease',
  leaseMs: 'localfc.lease-ms',
  fn: 'localfc.function',
  instance: 'localfc.instance',
  revision: 'localfc.revision',
} as const;

/** How long a lease holds without renewal (renewed three times in that span). */
export const DEFAULT_LEASE_MS = 30_000;

/** The process's start time in clock ticks since boot (Linux), so a reused pid is not mistaken for the owner. */
export function processStart(pid: number): string | undefined {
  return procStat(pid)?.start;
}

const read = (read: () => string): string | undefined => {
  try {
    return read().trim() || undefined;
  } catch {
    return undefined;
  }
};

/** What this process can say about where it runs; tests pass other facts to play a localfc on another machine. */
export interface HostFacts {
  /** The kernel's boot id: two processes with the same one share a kernel (a host and its containers do). */
  readonly bootId?: string;
  /** The pid namespace: a pid means the same process only to a process in the same one. */
  readonly pidNs?: string;
  readonly pid: number;
  readonly hostname: string;
  /** The id of the container this process runs in, if the mount table or cgroup names one (not yet checked with the engine). */
  readonly containerId?: string;
}

/** Docker mounts /etc/hostname from .../containers/<id>/; cgroup v1 names /docker/<id>; Podman writes /run/.containerenv. */
export function ownContainerId(): string | undefined {
  const sources = [() => readFileSync('/proc/self/mountinfo', 'utf8'), () => readFileSync('/proc/self/cgroup', 'utf8'), () => readFileSync('/run/.containerenv', 'utf8')];
  for (const source of sources) {
    const text = read(source) ?? '';
    const m = /\/containers\/([0-9a-f]{64})\//.exec(text) ?? /(?:docker|libpod)[-/]([0-9a-f]{64})/.exec(text) ?? /^id="([0-9a-f]{64})"/m.exec(text);
    if (m?.[1]) return m[1];
  }
  return undefined;
}

export function localFacts(): HostFacts {
  const bootId = read(() => readFileSync('/proc/sys/kernel/random/boot_id', 'utf8'));
  const pidNs = read(() => readlinkSync('/proc/self/ns/pid'));
  const containerId = ownContainerId();
  return { pid: process.pid, hostname: hostname(), ...(bootId ? { bootId } : {}), ...(pidNs ? { pidNs } : {}), ...(containerId ? { containerId } : {}) };
}

/** The owner of the containers one backend creates; `labels()` asks the engine once whether we run in one of its containers. */
export class Owner {
  readonly id = randomUUID().replace(/-/g, '').slice(0, 12);
  #labels: Promise<Record<string, string>> | undefined;

  constructor(
    private readonly engine: DockerEngine,
    readonly facts: HostFacts = localFacts(),
    readonly leaseMs = DEFAULT_LEASE_MS,
  ) {}

  /** The labels every container of this owner carries; a failed engine call is not cached. */
  labels(): Promise<Record<string, string>> {
    this.#labels ??= this.#identify();
    this.#labels.catch(() => (this.#labels = undefined));
    return this.#labels;
  }

  /** Whether the owner's liveness rests on the lease (it does not run in a container of this engine). */
  async needsLease(): Promise<boolean> {
    return !(await this.labels())[LABELS.ownerContainer];
  }

  async #identify(): Promise<Record<string, string>> {
    const f = this.facts;
    const start = processStart(f.pid);
    const base: Record<string, string> = {
      [LABELS.managed]: '1',
      [LABELS.owner]: this.id,
      [LABELS.pid]: String(f.pid),
      [LABELS.host]: f.hostname,
      ...(f.bootId ? { [LABELS.bootId]: f.bootId } : {}),
      ...(f.pidNs ? { [LABELS.pidNs]: f.pidNs } : {}),
      ...(start ? { [LABELS.pidStart]: start } : {}),
    };
    // Only a container this engine knows (and that is running: ourselves) can vouch for us to every other localfc.
    if (f.containerId) {
      const self = await this.engine.inspectContainer(f.containerId).catch((e: unknown) => {
        if (e instanceof DockerError && e.kind === 'not-found') return undefined;
        throw e;
      });
      if (self?.state.running) base[LABELS.ownerContainer] = self.id;
    }
    return base;
  }
}

/** The verdict on one owner's containers, as far as the asker can tell. */
type Verdict = 'alive' | 'dead' | 'unknown';

/** Judges owners from an asker's point of view, caching one verdict per owner for one sweep. */
class OwnerJudge {
  readonly #verdicts = new Map<string, Promise<Verdict>>();
  #leases: Promise<Map<string, { at: number; ttl: number }>> | undefined;
  #now: Promise<number> | undefined;

  constructor(private readonly engine: DockerEngine, private readonly facts: HostFacts) {}

  verdict(labels: Readonly<Record<string, string>>): Promise<Verdict> {
    const owner = labels[LABELS.owner];
    if (!owner) return Promise.resolve('unknown');
    let v = this.#verdicts.get(owner);
    if (!v) this.#verdicts.set(owner, (v = this.#judge(labels)));
    return v;
  }

  async #judge(l: Readonly<Record<string, string>>): Promise<Verdict> {
    const container = l[LABELS.ownerContainer];
    if (container) return (await this.#containerRuns(container)) ? 'alive' : 'dead';
    const pid = Number(l[LABELS.pid]);
    if (l[LABELS.bootId] && l[LABELS.bootId] === this.facts.bootId && l[LABELS.pidNs] === this.facts.pidNs && Number.isInteger(pid) && pid > 0) {
      return pidRuns(pid, l[LABELS.pidStart]) ? 'alive' : 'dead';
    }
    const lease = (await this.#leaseTable()).get(l[LABELS.owner] ?? '');
    if (lease) return (await this.#engineNow()) - lease.at > lease.ttl ? 'dead' : 'alive';
    if (!l[LABELS.bootId]) return legacyVerdict(l, this.facts, (id) => this.#containerRuns(id));
    return 'unknown';
  }

  async #containerRuns(id: string): Promise<boolean> {
    try {
      return (await this.engine.inspectContainer(id)).state.running;
    } catch (e) {
      if (e instanceof DockerError && e.kind === 'not-found') return false;
      throw e;
    }
  }

  /** Owner id → its newest lease (engine time, ms) and the lease length it declared. */
  #leaseTable(): Promise<Map<string, { at: number; ttl: number }>> {
    this.#leases ??= this.engine.listVolumes({ labels: [LABELS.lease] }).then((volumes) => {
      const table = new Map<string, { at: number; ttl: number }>();
      for (const v of volumes) {
        const owner = v.labels[LABELS.lease] ?? '';
        const at = Date.parse(v.createdAt);
        const ttl = Number(v.labels[LABELS.leaseMs] ?? DEFAULT_LEASE_MS);
        if (!owner || Number.isNaN(at)) continue;
        if (at > (table.get(owner)?.at ?? -Infinity)) table.set(owner, { at, ttl });
      }
      return table;
    });
    return this.#leases;
  }

  #engineNow(): Promise<number> {
    this.#now ??= this.engine.now();
    return this.#now;
  }
}

function pidRuns(pid: number, recordedStart: string | undefined): boolean {
  if (!isAlive(pid)) return false;
  const now = processStart(pid);
  return recordedStart === undefined || now === undefined || recordedStart === now;
}

/**
 * Labels written before owner identities (pid, start time and hostname only): dead when the host is ours and the pid is
 * gone, or when the owner was pid 1 of a container (its hostname is the short container id) the engine no longer runs.
 */
async function legacyVerdict(l: Readonly<Record<string, string>>, facts: HostFacts, containerRuns: (id: string) => Promise<boolean>): Promise<Verdict> {
  const pid = Number(l[LABELS.pid]);
  const host = l[LABELS.host] ?? '';
  if (pid === 1 && /^[0-9a-f]{12}$/.test(host)) return (await containerRuns(host)) ? 'alive' : 'dead';
  if (host !== facts.hostname || !Number.isInteger(pid) || pid <= 0) return 'unknown';
  return pidRuns(pid, l[LABELS.pidStart]) ? 'alive' : 'dead';
}

/**
 * Removes containers (and lease volumes) of localfc runs that are provably gone, as seen from `facts`; returns the
 * container ids removed. `skipOwner` is the asker's own id.
 */
export async function reapOrphans(engine: DockerEngine, facts: HostFacts = localFacts(), skipOwner?: string): Promise<string[]> {
  const judge = new OwnerJudge(engine, facts);
  const gone: string[] = [];
  const deadOwners = new Set<string>();
  const containers: ContainerSummary[] = await engine.listContainers({ labels: { [LABELS.managed]: '1' }, all: true });
  for (const c of containers) {
    const owner = c.labels[LABELS.owner];
    if (!owner || owner === skipOwner || (await judge.verdict(c.labels)) !== 'dead') continue;
    deadOwners.add(owner);
    await engine.removeContainer(c.id, { force: true }).then(() => gone.push(c.id), () => undefined);
  }
  // Leases last: a lease outlives its owner's containers, so a sweep interrupted half-way still finds it stale.
  const leases = await engine.listVolumes({ labels: [LABELS.lease] }).catch(() => []);
  for (const v of leases) {
    const owner = v.labels[LABELS.lease] ?? '';
    if (owner === skipOwner) continue;
    if (deadOwners.has(owner) || (await judge.verdict({ [LABELS.owner]: owner, [LABELS.bootId]: 'lease-only' })) === 'dead') {
      await engine.removeVolume(v.name).catch(() => undefined);
    }
  }
  return gone;
}

/** Removes every container of one owner (optionally only one revision's); returns how many. */
export async function removeOwned(engine: DockerEngine, ownerId: string, extra: Record<string, string> = {}): Promise<number> {
  const list = await engine.listContainers({ labels: { [LABELS.owner]: ownerId, ...extra }, all: true });
  await Promise.all(list.map((c) => engine.removeContainer(c.id, { force: true }).catch(() => undefined)));
  return list.length;
}

/**
 * Keeps an owner's lease fresh: a new volume every leaseMs / 3 (engine clock at creation), the older ones removed.
 * Started before the owner's first container, stopped (and its volumes removed) when the backend closes.
 */
export class Lease {
  readonly #engine: DockerEngine;
  readonly #owner: Owner;
  #timer: NodeJS.Timeout | undefined;
  #started: Promise<void> | undefined;
  #renewing: Promise<void> = Promise.resolve();
  #stopped = false;

  constructor(engine: DockerEngine, owner: Owner) {
    this.#engine = engine;
    this.#owner = owner;
  }

  /** Takes the lease (once) when the owner's liveness rests on it; resolves once the first lease volume exists. */
  ensure(): Promise<void> {
    this.#started ??= (async () => {
      if (!(await this.#owner.needsLease())) return;
      await this.#renew();
      if (this.#stopped) return;
      this.#timer = setInterval(() => void (this.#renewing = this.#renew().catch(() => undefined)), Math.max(1, Math.floor(this.#owner.leaseMs / 3)));
      this.#timer.unref();
    })();
    this.#started.catch(() => (this.#started = undefined));
    return this.#started;
  }

  async #renew(): Promise<void> {
    const owner = this.#owner.id;
    const name = `localfc-lease-${owner}-${randomUUID().slice(0, 8)}`;
    await this.#engine.createVolume(name, { [LABELS.managed]: '1', [LABELS.lease]: owner, [LABELS.leaseMs]: String(this.#owner.leaseMs) });
    await this.#removeVolumes((n) => n !== name);
  }

  async #removeVolumes(which: (name: string) => boolean): Promise<void> {
    const mine = await this.#engine.listVolumes({ labels: [`${LABELS.lease}=${this.#owner.id}`] });
    await Promise.all(mine.filter((v) => which(v.name)).map((v) => this.#engine.removeVolume(v.name).catch(() => undefined)));
  }

  /** Stops renewing and removes the lease volumes (after the owner's containers are gone). */
  async release(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#timer);
    if (!this.#started) return;
    await this.#started.catch(() => undefined);
    await this.#renewing;
    await this.#removeVolumes(() => true).catch(() => undefined);
  }
}
