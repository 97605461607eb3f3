/**
 * @module
 * One function as FunctionService keeps it: record, timeline, prepared handles, versions and timers. applyEvent() is the
 * one place a function's record changes state, always through transition(), and each change lands in the timeline.
 */
import type { PreparedRevision } from './ports/backend.ts';
import type { Clock } from '../clock.ts';
import type { FunctionRecord, TimelineEntry } from './model.ts';
import { PreparedRefs } from './prepared-refs.ts';
import { type StateEvent, transition } from './state-machine.ts';
import { FunctionVersions } from './versions.ts';

const TIMELINE_LIMIT = 500;

export interface FunctionEntry {
  record: FunctionRecord;
  timeline: TimelineEntry[];
  /** Prepared handle of the serving revision (also held in refs). */
  prepared?: PreparedRevision;
  /** Holds on prepared revisions: the serving one and each version's. */
  refs: PreparedRefs;
  versions: FunctionVersions;
  prepTimer?: number;
  idleTimer?: number;
  /** Set while a hold fault keeps the function Pending/InProgress; calling it releases the hold. */
  release?: () => void;
  abort?: AbortController;
  /** Told after each transition (the service's onStateChanged). */
  readonly onChange?: () => void;
}

export function newEntry(record: FunctionRecord, clock: Clock, random: () => number, onChange?: () => void): FunctionEntry {
  return { record, timeline: [], refs: new PreparedRefs(), versions: new FunctionVersions(record.functionName, () => clock.now(), random), ...(onChange ? { onChange } : {}) };
}

/** Applies a state event; false (and nothing recorded) when the state machine refuses it. */
export function applyEvent(entry: FunctionEntry, event: StateEvent, clock: Clock, revisionId?: number): boolean {
  const result = transition(entry.record, event, revisionId);
  if (!result.ok) return false;
  entry.record = result.record;
  const r = result.record;
  const reasonCode = r.state === 'Active' ? r.lastUpdateStatusReasonCode : r.stateReasonCode;
  const reason = r.state === 'Active' ? r.lastUpdateStatusReason : r.stateReason;
  addToTimeline(entry, {
    at: clock.now(),
    kind: 'transition',
    event: event.type,
    state: r.state,
    lastUpdateStatus: r.lastUpdateStatus,
    ...(reasonCode ? { reasonCode } : {}),
    ...(reason ? { reason } : {}),
  });
  entry.onChange?.();
  return true;
}

export function addToTimeline(entry: FunctionEntry, t: TimelineEntry): void {
  entry.timeline.push(t);
  if (entry.timeline.length > TIMELINE_LIMIT) entry.timeline.splice(0, entry.timeline.length - TIMELINE_LIMIT);
}

/** Lets go of the serving hold (versions keep theirs); returns the handle when that was its last holder, to retire. */
export function dropServing(entry: FunctionEntry): PreparedRevision | undefined {
  if (!entry.prepared) return undefined;
  const last = entry.refs.drop(entry.prepared.revision.id);
  delete entry.prepared;
  return last;
}
