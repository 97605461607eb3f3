/**
 * @module
 * Optional persistence (`--data-dir`): each stateful service contributes one part of a snapshot; the snapshot is
 * saved after every accepted change (writes are coalesced, so a burst of changes costs one or two writes) and
 * read back at start-up. Code and layer zips go to content-addressed blobs.
 */
import { FileStore } from './file-store.ts';

export interface BlobWriter {
  /** Stores bytes and returns the key to put in the snapshot. */
  put(bytes: Buffer): Promise<string>;
}

export interface BlobReader {
  get(key: string): Promise<Buffer>;
}

/** One service's share of the snapshot: plain JSON out, and the same JSON back in at start-up. */
export interface Persistable {
  readonly persistKey: string;
  exportState(blobs: BlobWriter): Promise<unknown>;
  importState(state: unknown, blobs: BlobReader): Promise<void>;
}

export class Persistence {
  readonly #store: FileStore<Record<string, unknown>>;
  readonly #parts: readonly Persistable[];
  /** The save loop in progress, and whether something changed since its current write began. */
  #saving: Promise<void> | undefined;
  #dirty = false;
  /** Saves asked for while parts are still being restored wait for the end: a snapshot of half the parts would lose the rest. */
  #restoring = false;
  /** After close the directory is another localfc's to take: nothing more is written. */
  #closed = false;

  constructor(dir: string, parts: readonly Persistable[]) {
    this.#store = new FileStore(dir);
    this.#parts = parts;
  }

  /** Opens the directory and restores every part that has saved state. Returns whether anything was restored. */
  async restore(): Promise<boolean> {
    await this.#store.open();
    try {
      return await this.#restoreParts();
    } catch (e) {
      // A localfc that cannot start on this directory does not keep it locked.
      this.#closed = true;
      await this.#store.close();
      throw e;
    }
  }

  async #restoreParts(): Promise<boolean> {
    const snapshot = await this.#store.load();
    if (!snapshot) return false;
    const blobs: BlobReader = { get: (key) => this.#store.getBlob(key) };
    this.#restoring = true;
    try {
      for (const part of this.#parts) {
        if (!(part.persistKey in snapshot)) continue;
        try {
          await part.importState(snapshot[part.persistKey], blobs);
        } catch (e) {
          // Name the file and the part: a bare TypeError or ENOENT says nothing about which data directory is damaged.
          throw new Error(`could not restore '${part.persistKey}' from ${this.#store.snapshotPath}: ${e instanceof Error ? e.message : String(e)}`, { cause: e });
        }
      }
    } finally {
      this.#restoring = false;
    }
    if (this.#dirty) await this.flush();
    return true;
  }

  /** Waits for the last write, then gives the directory up. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.#saving;
    await this.#store.close();
  }

  /**
   * Saves the current state and resolves once it is on disk. Concurrent callers share writes: a change made while a
   * write runs is picked up by one more write in the same loop, which the caller also waits for.
   */
  flush(): Promise<void> {
    this.#dirty = true;
    if (this.#restoring || this.#closed) return this.#saving ?? Promise.resolve();
    this.#saving ??= this.#saveLoop();
    return this.#saving;
  }

  async #saveLoop(): Promise<void> {
    try {
      while (this.#dirty) {
        this.#dirty = false;
        await this.#saveOnce();
      }
    } finally {
      // No await between the loop's last check and here, so no flush() can slip in unseen.
      this.#saving = undefined;
    }
  }

  async #saveOnce(): Promise<void> {
    const live = new Set<string>();
    const blobs: BlobWriter = {
      put: async (bytes) => {
        const key = await this.#store.putBlob(bytes);
        live.add(key);
        return key;
      },
    };
    const snapshot: Record<string, unknown> = {};
    for (const part of this.#parts) snapshot[part.persistKey] = await part.exportState(blobs);
    await this.#store.save(snapshot);
    await this.#store.prune(live);
  }
}
