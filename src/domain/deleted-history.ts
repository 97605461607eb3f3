/**
 * @module
 * The timelines of deleted functions, kept until reset or stop: a CI run's clean-up (DeleteFunction in afterEach)
 * must not erase the history of the function whose test failed, nor must the next test's function of the same name
 * (which starts a timeline of its own, as a new function does). Only the timeline and a few words on the last state
 * are kept (not the record: its revisions hold the code), for the newest DELETED_KEPT deletions and at most
 * DELETED_ENTRIES_KEPT entries in all, so a long run that deletes busy functions stays bounded.
 */
import type { FunctionRecord, Revision, TimelineEntry } from './model.ts';

/** Deleted functions whose timelines are kept; the oldest deletion is forgotten first. */
export const DELETED_KEPT = 1_000;
/** Timeline entries kept across all deleted functions (a busy function's timeline holds about 500). */
export const DELETED_ENTRIES_KEPT = 100_000;

/** What the page and the admin API say of a deleted function besides its timeline. */
export interface DeletedFunction {
  readonly functionName: string;
  readonly deletedAt: number;
  readonly state: FunctionRecord['state'];
  readonly stateReasonCode: string | undefined;
  readonly stateReason: string | undefined;
  readonly lastUpdateStatus: FunctionRecord['lastUpdateStatus'];
  readonly lastUpdateStatusReasonCode: string | undefined;
  readonly runtime: string;
  readonly codeChecksum: string;
  readonly resolvedImageUri: string | undefined;
  readonly timeline: TimelineEntry[];
}

export class DeletedHistory {
  /** In deletion order, the oldest first. */
  #kept: DeletedFunction[] = [];
  #entries = 0;

  /** `timeline`: what is shown of it (a copy without the slack a live timeline keeps before trimming). */
  keep(record: FunctionRecord, shown: Revision, deletedAt: number, timeline: TimelineEntry[]): void {
    this.#entries += timeline.length;
    this.#kept.push({
      functionName: record.functionName,
      deletedAt,
      state: record.state,
      stateReasonCode: record.stateReasonCode,
      stateReason: record.stateReason,
      lastUpdateStatus: record.lastUpdateStatus,
      lastUpdateStatusReasonCode: record.lastUpdateStatusReasonCode,
      runtime: shown.config.runtime,
      codeChecksum: shown.codeChecksum,
      resolvedImageUri: shown.image?.resolvedImageUri,
      timeline,
    });
    while (this.#kept.length > DELETED_KEPT || (this.#entries > DELETED_ENTRIES_KEPT && this.#kept.length > 1)) this.#entries -= this.#kept.shift()!.timeline.length;
  }

  /** The latest deleted function of this name. */
  latest(name: string): DeletedFunction | undefined {
    return this.#kept.findLast((f) => f.functionName === name);
  }

  list(): readonly DeletedFunction[] {
    return this.#kept;
  }

  clear(): void {
    this.#kept = [];
    this.#entries = 0;
  }
}
