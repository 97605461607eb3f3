/**
 * @module
 * The timelines of deleted functions, kept until reset or stop: a CI run's clean-up (DeleteFunction in afterEach)
 * must not erase the history of the function whose test failed, nor must the next test's function of the same name
 * (which starts a timeline of its own, as a new function does). Only the timeline and a few words on the last state
 * are kept (not the record: its revisions hold the code), for the newest DELETED_KEPT deletions.
 */
import type { FunctionRecord, Revision, TimelineEntry } from './model.ts';

/** Deleted functions whose timelines are kept; the oldest deletion is forgotten first. */
export const DELETED_KEPT = 1_000;

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

  keep(record: FunctionRecord, shown: Revision, deletedAt: number, timeline: TimelineEntry[]): void {
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
    if (this.#kept.length > DELETED_KEPT) this.#kept.shift();
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
  }
}
