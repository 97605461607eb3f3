/**
 * @module
 * Code that ignores FC_SERVER_PORT and listens on the configured port (9000 by default). All instances share the host's
 * network, so at most one of them can own that port at a time: a lease per port, held for the life of the owning
 * process; a waiter evicts the owner as soon as it is idle (frozen between invocations). Also detects such code: which
 * TCP ports a process tree listens on, read from /proc (Linux).
 */
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';

export interface LeaseOwner {
  readonly id: string;
  /** Stop the owning process (it is idle and someone else needs the port); its exit releases the lease. */
  readonly evict: () => void;
}

export interface Lease {
  readonly port: number;
  /** Idle owners are evicted when someone waits for the port. */
  setIdle(idle: boolean): void;
  release(): void;
}

interface Slot {
  holder?: { owner: LeaseOwner; idle: boolean; evicting: boolean };
  readonly waiters: Array<{ owner: LeaseOwner; grant: (l: Lease) => void; cancel: (e: Error) => void }>;
}

export class PortLeases {
  readonly #slots = new Map<number, Slot>();
  /** Revisions (prepared keys) whose code was seen listening on the fixed port. */
  readonly hardCoded = new Set<string>();

  holder(port: number): string | undefined {
    return this.#slots.get(port)?.holder?.owner.id;
  }

  tryAcquire(port: number, owner: LeaseOwner): Lease | undefined {
    const slot = this.#slot(port);
    if (slot.holder) return undefined;
    slot.holder = { owner, idle: false, evicting: false };
    return this.#lease(port, slot, owner);
  }

  /** Waits (evicting an idle owner) for the port; rejects naming the owner once `signal` (the start-up timeout) is aborted. */
  acquire(port: number, owner: LeaseOwner, signal?: AbortSignal): Promise<Lease> {
    const now = this.tryAcquire(port, owner);
    if (now) return Promise.resolve(now);
    const slot = this.#slot(port);
    return new Promise<Lease>((resolve, reject) => {
      const giveUp = (): void => {
        slot.waiters.splice(slot.waiters.indexOf(waiter), 1);
        reject(new Error(`port ${port} stayed in use by instance ${slot.holder?.owner.id ?? '?'}`));
      };
      const waiter = { owner, grant: (l: Lease) => (signal?.removeEventListener('abort', giveUp), resolve(l)), cancel: (e: Error) => (signal?.removeEventListener('abort', giveUp), reject(e)) };
      if (signal?.aborted) return reject(new Error(`port ${port} stayed in use by instance ${slot.holder?.owner.id ?? '?'}`));
      signal?.addEventListener('abort', giveUp, { once: true });
      slot.waiters.push(waiter);
      this.#maybeEvict(slot);
    });
  }

  /** The backend is closing: nobody gets a port any more. */
  closeAll(): void {
    for (const slot of this.#slots.values()) for (const w of slot.waiters.splice(0)) w.cancel(new Error('the backend is closing'));
    this.hardCoded.clear();
  }

  #lease(port: number, slot: Slot, owner: LeaseOwner): Lease {
    return {
      port,
      setIdle: (idle) => {
        if (slot.holder?.owner !== owner) return;
        slot.holder.idle = idle;
        this.#maybeEvict(slot);
      },
      release: () => {
        if (slot.holder?.owner !== owner) return;
        delete slot.holder;
        const next = slot.waiters.shift();
        if (!next) return;
        slot.holder = { owner: next.owner, idle: false, evicting: false };
        next.grant(this.#lease(port, slot, next.owner));
      },
    };
  }

  #maybeEvict(slot: Slot): void {
    const h = slot.holder;
    if (!h || !h.idle || h.evicting || slot.waiters.length === 0) return;
    h.evicting = true;
    h.owner.evict();
  }

  #slot(port: number): Slot {
    let s = this.#slots.get(port);
    if (!s) this.#slots.set(port, (s = { waiters: [] }));
    return s;
  }
}

/** Pids of a process and all its descendants (via /proc/<pid>/task/<tid>/children). */
function processTree(pid: number): number[] {
  const out: number[] = [];
  const todo = [pid];
  while (todo.length) {
    const p = todo.pop()!;
    out.push(p);
    try {
      for (const tid of readdirSync(`/proc/${p}/task`)) {
        const kids = readFileSync(`/proc/${p}/task/${tid}/children`, 'utf8').trim();
        if (kids) todo.push(...kids.split(/\s+/).map(Number));
      }
    } catch {
      /* exited meanwhile, or no /proc */
    }
  }
  return out;
}

/** Inodes of the sockets listening on TCP `port` (any address), from /proc/net/tcp{,6}: empty when none, or not Linux. */
function listeningInodes(port: number): Set<string> {
  return new Set(listeningSockets(port).keys());
}

/** The sockets listening on TCP `port`: inode → local address (hex, as /proc/net/tcp{,6} writes it). */
function listeningSockets(port: number): Map<string, string> {
  const hex = port.toString(16).toUpperCase().padStart(4, '0');
  const sockets = new Map<string, string>();
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    let text: string;
    try {
      text = readFileSync(table, 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n').slice(1)) {
      const f = line.trim().split(/\s+/);
      // local_address is ADDR:PORT in hex; state 0A is LISTEN; field 9 is the socket inode.
      if (f.length > 9 && f[3] === '0A' && f[1]!.endsWith(`:${hex}`)) sockets.set(f[9]!, f[1]!.slice(0, -5));
    }
  }
  return sockets;
}

/** A /proc/net address (IPv4 as a little-endian word; IPv6 as four) that is a loopback one, as text; else undefined. */
function loopbackText(addr: string): string | undefined {
  const v4 = addr.length === 8 ? addr : addr.startsWith('0000000000000000FFFF0000') ? addr.slice(24) : undefined;
  if (v4) return v4.endsWith('7F') ? [6, 4, 2, 0].map((i) => parseInt(v4.slice(i, i + 2), 16)).join('.') : undefined;
  return addr === '00000000000000000000000001000000' ? '::1' : undefined;
}

/**
 * The loopback address the process `pid` (or a descendant) listens on `port` at, when it listens there and only on
 * loopback addresses (127.0.0.1, ::1): a server FC could not reach. Undefined otherwise (and off Linux).
 */
export function loopbackOnly(pid: number, port: number): string | undefined {
  const sockets = listeningSockets(port);
  if (sockets.size === 0) return undefined;
  const tree = processTree(pid);
  const own = [...sockets].filter(([inode]) => tree.some((p) => holdsSocket(p, new Set([inode]))));
  if (own.length === 0) return undefined;
  const loopback = own.map(([, addr]) => loopbackText(addr));
  return loopback.every((a) => a !== undefined) ? loopback[0] : undefined;
}

/** Whether process `p` has an open fd on one of the sockets `inodes`. */
function holdsSocket(p: number, inodes: ReadonlySet<string>): boolean {
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${p}/fd`);
  } catch {
    return false;
  }
  for (const fd of fds) {
    try {
      const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${fd}`));
      if (m && inodes.has(m[1]!)) return true;
    } catch {
      /* closed meanwhile */
    }
  }
  return false;
}

/** Whether the process `pid` (or a descendant) has a listening TCP socket on `port`. Linux only; false elsewhere. */
export function listensOn(pid: number, port: number): boolean {
  const inodes = listeningInodes(port);
  return inodes.size > 0 && processTree(pid).some((p) => holdsSocket(p, inodes));
}

/** When process `p` started (clock ticks after boot, /proc/<p>/stat field 22), or undefined once it is gone. */
function startTime(p: number): number | undefined {
  try {
    const stat = readFileSync(`/proc/${p}/stat`, 'utf8');
    return Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
  } catch {
    return undefined;
  }
}

/**
 * Whether what listens on `port` is only other programs' (Linux; false elsewhere and whenever in doubt): no socket of
 * `pid`'s tree listens there, and every process holding a listening socket on it started before `pid` did, so none can
 * be its offspring. A newer holder outside the tree is given the benefit of the doubt (code may start a daemon that
 * leaves its tree, as FC accepts any listener in the instance); a holder that did not exist when the port was chosen,
 * released and handed to `pid` is the race this tells apart from a ready instance.
 */
export function listenedOnByOthers(pid: number, port: number): boolean {
  const inodes = listeningInodes(port);
  if (inodes.size === 0) return false;
  const tree = processTree(pid);
  if (tree.some((p) => holdsSocket(p, inodes))) return false;
  const born = startTime(pid);
  if (born === undefined) return false;
  let holders = 0;
  for (const entry of readdirSync('/proc')) {
    const p = Number(entry);
    if (!Number.isInteger(p) || tree.includes(p) || !holdsSocket(p, inodes)) continue;
    const t = startTime(p);
    if (t === undefined || t >= born) return false;
    holders++;
  }
  return holders > 0;
}
