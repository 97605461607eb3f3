/**
 * @module
 * Who still needs a prepared revision: the function's serving revision and every version that snapshots it.
 * The backend's handle is released only when its last holder lets go.
 */
import type { PreparedRevision } from './ports/backend.ts';

export class PreparedRefs {
  readonly #byRevision = new Map<number, { prepared: PreparedRevision; holders: number }>();

  hold(prepared: PreparedRevision): void {
    const held = this.#byRevision.get(prepared.revision.id);
    if (held) held.holders++;
    else this.#byRevision.set(prepared.revision.id, { prepared, holders: 1 });
  }

  get(revisionId: number): PreparedRevision | undefined {
    return this.#byRevision.get(revisionId)?.prepared;
  }

  /** True when this exact handle is held (so it must not be released directly). */
  owns(prepared: PreparedRevision): boolean {
    return this.#byRevision.get(prepared.revision.id)?.prepared === prepared;
  }

  /** Lets go of one hold; returns the handle when that was the last one, for the caller to release. */
  drop(revisionId: number): PreparedRevision | undefined {
    const held = this.#byRevision.get(revisionId);
    if (!held) return undefined;
    if (--held.holders > 0) return undefined;
    this.#byRevision.delete(revisionId);
    return held.prepared;
  }

  /** Everything held, emptied (the function is gone). */
  clear(): PreparedRevision[] {
    const all = [...this.#byRevision.values()].map((h) => h.prepared);
    this.#byRevision.clear();
    return all;
  }
}
