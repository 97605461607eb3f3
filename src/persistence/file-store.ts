/**
 * @module
 * A crash-safe store in a directory: one JSON snapshot plus content-addressed blobs (code zips). Every file is written
 * to a temporary name, fsynced and renamed into place, so a `kill -9` at any moment leaves either the old or the new
 * snapshot, never a torn one. Blobs are written before the snapshot that names them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { existsSync, readFileSync } from 'node:fs';
import { isAlive } from '../os/process-alive.ts';
import { procStat } from '../os/proc-stat.ts';

const SNAPSHOT = 'state.json';
const BLOBS = 'blobs';
const LOCK = 'localfc.lock';
const FORMAT = 1;

interface Envelope<T> {
  readonly format: number;
  readonly savedAt: string;
  readonly state: T;
}

export class FileStore<T> {
  readonly #dir: string;
  readonly #known = new Set<string>();
  /** Keys of buffers already stored, so a save that offers the same zip again skips hashing it. */
  readonly #keyOf = new WeakMap<Buffer, string>();

  constructor(dir: string) {
    this.#dir = dir;
  }

  get snapshotPath(): string {
    return join(this.#dir, SNAPSHOT);
  }

  /** Takes the directory (one localfc per data dir) and clears what a crashed run left half-written. */
  async open(): Promise<void> {
    await mkdir(join(this.#dir, BLOBS), { recursive: true });
    await this.#lock();
    for (const name of await readdir(join(this.#dir, BLOBS))) {
      // Leftovers of a write cut short by a crash.
      if (name.includes('.tmp-')) await rm(join(this.#dir, BLOBS, name), { force: true });
      else this.#known.add(name);
    }
    for (const name of await readdir(this.#dir)) if (name.includes('.tmp-')) await rm(join(this.#dir, name), { force: true });
  }

  async close(): Promise<void> {
    await rm(join(this.#dir, LOCK), { force: true });
  }

  async #lock(): Promise<void> {
    const path = join(this.#dir, LOCK);
    const start = procStat(process.pid)?.start;
    const mine: LockHolder = { pid: process.pid, ...(start !== undefined ? { start } : {}) };
    for (;;) {
      try {
        await writeFile(path, JSON.stringify(mine), { flag: 'wx' });
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = parseLock(await readFile(path, 'utf8').catch(() => ''));
      if (holder && holder.pid !== process.pid && holdsLock(holder)) {
        throw new Error(`data directory ${this.#dir} is in use by another localfc (pid ${holder.pid}); stop it, or remove ${path} if that process is not a localfc`);
      }
      // The holder died (kill -9), its pid now names another process, or this very process reopens: take it over.
      await rm(path, { force: true });
    }
  }

  /** The last snapshot saved, or undefined for an empty directory. */
  async load(): Promise<T | undefined> {
    let text: string;
    try {
      text = await readFile(join(this.#dir, SNAPSHOT), 'utf8');
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw e;
    }
    const path = join(this.#dir, SNAPSHOT);
    const damaged = (what: string) => new Error(`${path} is damaged: ${what}. localfc does not start on it; move it away to start with an empty state (the code in ${join(this.#dir, BLOBS)} stays)`);
    let envelope: Envelope<T>;
    try {
      envelope = JSON.parse(text) as Envelope<T>;
    } catch (e) {
      throw damaged(`it is not JSON (${text.length} bytes; ${e instanceof Error ? e.message : String(e)})`);
    }
    if (!envelope || typeof envelope !== 'object' || Array.isArray(envelope)) throw damaged('it holds no snapshot object');
    if (envelope.format !== FORMAT) throw new Error(`${path} has format ${envelope.format}; this localfc reads format ${FORMAT}`);
    if (!envelope.state || typeof envelope.state !== 'object') throw damaged("its 'state' is missing or not an object");
    return envelope.state;
  }

  async save(state: T): Promise<void> {
    const envelope: Envelope<T> = { format: FORMAT, savedAt: new Date().toISOString(), state };
    await writeAtomically(this.#dir, SNAPSHOT, Buffer.from(JSON.stringify(envelope)));
  }

  /**
   * Stores bytes under their sha256 and returns that key; already stored content is not written again. Every save
   * offers every zip again, and zips are never changed in place: a buffer already stored is not hashed again.
   */
  async putBlob(bytes: Buffer): Promise<string> {
    const stored = this.#keyOf.get(bytes);
    if (stored !== undefined && this.#known.has(stored)) return stored;
    const key = createHash('sha256').update(bytes).digest('hex');
    if (!this.#known.has(key)) {
      await writeAtomically(join(this.#dir, BLOBS), key, bytes);
      this.#known.add(key);
    }
    this.#keyOf.set(bytes, key);
    return key;
  }

  /** A blob's bytes, checked against their name (their sha256): a truncated or changed blob is an error, never served. */
  async getBlob(key: string): Promise<Buffer> {
    if (!/^[0-9a-f]{64}$/.test(key)) throw new Error(`bad blob key '${key}'`);
    const path = join(this.#dir, BLOBS, key);
    const bytes = await readFile(path);
    const actual = createHash('sha256').update(bytes).digest('hex');
    if (actual !== key) throw new Error(`${path} is damaged: its ${bytes.length} bytes hash to sha256 ${actual}, not to its name (truncated or changed on disk)`);
    return bytes;
  }

  /** Removes blobs no snapshot refers to any more. */
  async prune(live: ReadonlySet<string>): Promise<void> {
    for (const key of [...this.#known]) {
      if (live.has(key)) continue;
      this.#known.delete(key);
      await rm(join(this.#dir, BLOBS, key), { force: true });
    }
  }
}

/** Who holds a data directory: its pid and, where /proc tells, its start time, so a reused pid is not mistaken for it. */
interface LockHolder {
  readonly pid: number;
  readonly start?: string;
}

/** The lock's content: `{"pid","start"}`, or a bare pid as older versions wrote it. */
function parseLock(text: string): LockHolder | undefined {
  if (/^\d+$/.test(text.trim())) return { pid: Number(text) };
  try {
    const v = JSON.parse(text) as { pid?: unknown; start?: unknown };
    if (typeof v.pid === 'number' && Number.isInteger(v.pid) && v.pid > 0) return { pid: v.pid, ...(typeof v.start === 'string' ? { start: v.start } : {}) };
  } catch {
    // A torn or foreign lock file names no live holder.
  }
  return undefined;
}

/**
 * Whether the process the lock names still is the localfc that wrote it. With /proc: the same start time, or for an
 * older lock without one, a Node.js process; a pid reused by anything else (a shell as pid 1 in a new container) does
 * not hold the directory. Without /proc only liveness can be asked.
 */
function holdsLock(holder: LockHolder): boolean {
  if (!isAlive(holder.pid)) return false;
  const stat = procStat(holder.pid);
  if (!stat) return !existsSync('/proc/self/stat');
  if (holder.start !== undefined) return stat.start === holder.start;
  try {
    return /(^|\/)node(js)?\b/.test(readFileSync(`/proc/${holder.pid}/cmdline`, 'utf8').split('\0')[0] ?? '');
  } catch {
    return false;
  }
}

async function writeAtomically(dir: string, name: string, bytes: Buffer): Promise<void> {
  const tmp = join(dir, `${name}.tmp-${randomBytes(6).toString('hex')}`);
  const file = await open(tmp, 'w');
  try {
    await file.writeFile(bytes);
    await file.sync();
  } finally {
    await file.close();
  }
  await rename(tmp, join(dir, name));
  // The rename itself must reach the disk too.
  const d = await open(dir, 'r');
  try {
    await d.sync();
  } finally {
    await d.close();
  }
}
