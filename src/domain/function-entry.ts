/**
 * @module
 * One function as FunctionService keeps it: record, timeline, prepared handles, versions and timers. Its state, what is
 * latest, what serves and the holds on prepared revisions change only through the dispatcher (lifecycle.ts).
 */
import type { PreparedRevision } from './ports/backend.ts';
import type { Clock } from '../clock.ts';
import type { FunctionRecord, TimelineEntry } from './model.ts';
import { PreparedRefs } from './prepared-refs.ts';
import { addEntry, recentEntries } from './timeline.ts';
import { FunctionVersions } from './versions.ts';

/**
 * Every field is present from the start and set to undefined rather than deleted: V8 turns an object that loses a
 * property into a slower, larger dictionary, and there is one entry per function (issue 16's memory row).
 */
export interface FunctionEntry {
  record: FunctionRecord;
  timeline: TimelineEntry[];
  /** Prepared handle of the serving revision (also held in refs). */
  prepared: PreparedRevision | undefined;
  /** Holds on prepared revisions: the serving one, each version's and each admitted request's. */
  refs: PreparedRefs;
  versions: FunctionVersions;
  prepTimer: number | undefined;
  idleTimer: number | undefined;
  /** Set while a hold fault keeps the function Pending/InProgress; calling it releases the hold. */
  release: (() => void) | undefined;
  abort: AbortController | undefined;
  /** Told after each transition (the service's onStateChanged). */
  readonly onChange: (() => void) | undefined;
}

export function newEntry(record: FunctionRecord, clock: Clock, random: () => number, onChange?: () => void): FunctionEntry {
  return {
    record,
    timeline: [],
    prepared: undefined,
    refs: new PreparedRefs(),
    versions: new FunctionVersions(record.functionName, clock, random),
    prepTimer: undefined,
    idleTimer: undefined,
    release: undefined,
    abort: undefined,
    onChange,
  };
}

export function addToTimeline(entry: FunctionEntry, t: TimelineEntry): void {
  addEntry(entry.timeline, t);
}

/** The timeline as shown: every transition kept and the newest marks (timeline.ts), a copy. */
export function shownTimeline(entry: FunctionEntry): TimelineEntry[] {
  return recentEntries(entry.timeline);
}
