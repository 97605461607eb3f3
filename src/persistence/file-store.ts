/**
 * @module
 * A crash-safe store in a directory: one JSON snapshot plus content-addressed blobs (code zips). Every file is written
 * to a temporary name, fsynced and renamed into place, so a `kill -9` at any moment leaves either the old or the new
 * snapshot, never a torn one. Blobs are written before the snapshot that names them.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { isAlive } from '../os/process-alive.ts';

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
    for (;;) {
      try {
        await writeFile(path, String(process.pid), { flag: 'wx' });
        return;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      }
      const holder = Number(await readFile(path, 'utf8').catch(() => ''));
      if (holder && holder !== process.pid && isAlive(holder)) {
        throw new Error(`data directory ${this.#dir} is in use by another localfc (pid ${holder})`);
      }
      // The holder died (kill -9) or is this very process reopening: take the directory over.
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
    const envelope = JSON.parse(text) as Envelope<T>;
    if (envelope.format !== FORMAT) throw new Error(`${join(this.#dir, SNAPSHOT)} has format ${envelope.format}; this localfc reads format ${FORMAT}`);
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

  getBlob(key: string): Promise<Buffer> {
    if (!/^[0-9a-f]{64}$/.test(key)) return Promise.reject(new Error(`bad blob key '${key}'`));
    return readFile(join(this.#dir, BLOBS, key));
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
