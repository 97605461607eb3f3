/**
 * @module
 * Who still needs a prepared revision: the function's serving revision and every version that snapshots it.
 * The backend's handle is released only when its last holder lets go.
 */
import type { PreparedRevision } from './ports/backend.ts';

interface Held {
  readonly prepared: PreparedRevision;
  holders: number;
}

export class PreparedRefs {
  // Nearly every function holds one revision (the serving one): it is kept in fields, and a Map made only for the
  // others, because an empty Map costs ≈ 200 bytes and there is one of these per function (issue 16's memory row).
  #first: Held | undefined;
  #others: Map<number, Held> | undefined;

  hold(prepared: PreparedRevision): void {
    const held = this.#find(prepared.revision.id);
    if (held) held.holders++;
    else if (!this.#first) this.#first = { prepared, holders: 1 };
    else (this.#others ??= new Map()).set(prepared.revision.id, { prepared, holders: 1 });
  }

  get(revisionId: number): PreparedRevision | undefined {
    return this.#find(revisionId)?.prepared;
  }

  /** True when this exact handle is held (so it must not be released directly). */
  owns(prepared: PreparedRevision): boolean {
    return this.#find(prepared.revision.id)?.prepared === prepared;
  }

  /** Lets go of one hold; returns the handle when that was the last one, for the caller to release. */
  drop(revisionId: number): PreparedRevision | undefined {
    const held = this.#find(revisionId);
    if (!held) return undefined;
    if (--held.holders > 0) return undefined;
    if (held === this.#first) this.#first = undefined;
    else this.#others!.delete(revisionId);
    return held.prepared;
  }

  /** Everything held, emptied (the function is gone). */
  clear(): PreparedRevision[] {
    const all = [...(this.#first ? [this.#first] : []), ...(this.#others?.values() ?? [])].map((h) => h.prepared);
    this.#first = undefined;
    this.#others = undefined;
    return all;
  }

  #find(revisionId: number): Held | undefined {
    return this.#first?.prepared.revision.id === revisionId ? this.#first : this.#others?.get(revisionId);
  }
}
