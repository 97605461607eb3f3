/**
 * @module
 * A function's lifecycle as data. transition() takes the function as it is (its record and the prepared handle that
 * serves it) and one event, and returns the whole outcome: the new record (state and update status with their reasons,
 * what is latest, what serves, what is being prepared), the handle that serves now, and the effects to carry out, in
 * order. It is pure; the one dispatcher (lifecycle.ts) stores the outcome, records it in the timeline and runs the
 * effects. Nothing else writes `serving`, `latest`, `preparing` or the serving handle.
 */
import type { PreparedRevision } from './ports/backend.ts';
import type { FunctionRecord, PreparationKind, Revision, State, UpdateStatus } from './model.ts';
import { REASON_TEXT, ReasonCode } from './reason-codes.ts';

export type StateEvent =
  /** Create: preparation of the first revision starts. */
  | { readonly type: 'create'; readonly revision: Revision }
  /** Update accepted at `at`: `revision` is the latest from now on and its preparation starts. */
  | { readonly type: 'update'; readonly revision: Revision; readonly at: number }
  /** Preparation (create, update, wake or restore) finished: the latest revision serves from now on, on `prepared`. */
  | { readonly type: 'prepared'; readonly prepared: PreparedRevision }
  | { readonly type: 'prepareFailed'; readonly code: string; readonly reason: string }
  /** No invocation for the idle period (or the admin API / an `inactive` fault says so): resources released. */
  | { readonly type: 'idle' }
  /** Invoked (or redeployed) while Inactive: resources are prepared again. */
  | { readonly type: 'wake' }
  /** localfc restarted from its data directory: nothing runs yet, so a function that could serve is prepared again. */
  | { readonly type: 'restore' }
  /** The pinned image was deleted or its tag moved (or the admin API says so): the function can no longer run. */
  | { readonly type: 'invalidate'; readonly code: string; readonly reason: string }
  /** An invocation was admitted: the idle countdown starts again. */
  | { readonly type: 'invoked' };

/** The function as the state machine sees it. */
export interface Lifecycle {
  readonly record: FunctionRecord;
  /** The prepared handle of the serving revision, while one is held for it (none while Inactive). */
  readonly prepared?: PreparedRevision | undefined;
}

/** What the dispatcher carries out after storing an outcome, in the order given. */
export type Effect =
  /** Start preparing the latest revision (`record.preparing` says which), stopping any preparation still under way. */
  | { readonly type: 'prepare'; readonly kind: PreparationKind }
  /** Hold the handle that serves now (as versions and admitted requests hold theirs). */
  | { readonly type: 'hold'; readonly prepared: PreparedRevision }
  /** Let go of the serving hold on a handle: the revision is retired (instances stopped, files removed) if it was the last. */
  | { readonly type: 'letGo'; readonly prepared: PreparedRevision }
  /** (Re)start the idle countdown. */
  | { readonly type: 'armIdle' }
  | { readonly type: 'clearIdle' };

export interface Outcome extends Lifecycle {
  /** False when no field of the record changed: nothing to record in the timeline or to save. */
  readonly changed: boolean;
  readonly effects: readonly Effect[];
}

export type TransitionResult = ({ readonly ok: true } & Outcome) | { readonly ok: false; readonly why: string };

/** What one rule changes; a field left out stays as it is, `null` clears it. */
interface Change {
  state?: State;
  stateCode?: string | null;
  stateReason?: string | null;
  update?: UpdateStatus;
  updateCode?: string | null;
  updateReason?: string | null;
  preparing?: PreparationKind | null;
  latest?: Revision;
  serving?: Revision;
  lastModifiedTime?: number;
  /** The handle that serves from now on; `null`: none does. */
  prepared?: PreparedRevision | null;
  effects?: Effect[];
}

type Rule<E extends StateEvent> = (lc: Lifecycle, event: E) => Change | string;

/** The serving hold let go, if there is one. */
const letGo = (lc: Lifecycle): Effect[] => (lc.prepared ? [{ type: 'letGo', prepared: lc.prepared }] : []);

/** An admitted invocation's change: nothing in the record, the idle countdown restarted (one object, it is every call's). */
const INVOKED: Change = { effects: [{ type: 'armIdle' }] };

/** (event type) → rule giving the change, or a string saying why the event is not allowed now. */
const TABLE: { readonly [T in StateEvent['type']]: Rule<Extract<StateEvent, { type: T }>> } = {
  create: (_lc, { revision }) => ({
    state: 'Pending',
    stateCode: ReasonCode.Creating,
    stateReason: REASON_TEXT.Creating,
    update: 'InProgress',
    updateCode: ReasonCode.Creating,
    updateReason: REASON_TEXT.Creating,
    latest: revision,
    preparing: 'create',
    effects: [{ type: 'prepare', kind: 'create' }],
  }),
  update: ({ record: fn }, { revision, at }) => {
    // An update supersedes a preparation under way (the 'prepare' effect stops it): the newest configuration is the one
    // prepared. Terraform updates a function right after creating it, while a custom container is still Pending, and
    // never waits or retries a 409 (docs/behaviour.md); a function still being created stays Pending, Creating.
    const latest = { latest: revision, lastModifiedTime: at } as const;
    if (fn.preparing?.kind === 'create') return { ...latest, preparing: 'create', effects: [{ type: 'prepare', kind: 'create' }] };
    const updating = { ...latest, update: 'InProgress', updateCode: ReasonCode.Updating, updateReason: REASON_TEXT.Updating, preparing: 'update' } as const;
    // An Active function keeps serving the old revision (and counting down to idle); a Failed or Inactive one has
    // nothing to serve and goes back to Pending.
    if (fn.state === 'Active') return { ...updating, effects: [{ type: 'prepare', kind: 'update' }] };
    return { ...updating, state: 'Pending', stateCode: ReasonCode.Updating, stateReason: REASON_TEXT.Updating, effects: [{ type: 'clearIdle' }, { type: 'prepare', kind: 'update' }] };
  },
  prepared: (lc, { prepared }) => {
    const fn = lc.record;
    if (!fn.preparing) return 'nothing is being prepared';
    // The new handle is held before the old one is let go: waking on the same revision never drops it to no holder.
    const serve: Change = { serving: fn.latest, prepared, preparing: null, effects: [{ type: 'hold', prepared }, { type: 'armIdle' }, ...letGo(lc)] };
    const active = { ...serve, state: 'Active', stateCode: null, stateReason: null } as const;
    // Waking, or restoring a function whose last update had ended, is not an update.
    if (fn.preparing.kind === 'wake' || (fn.preparing.kind === 'restore' && fn.lastUpdateStatus !== 'InProgress')) return active;
    return { ...active, update: 'Successful', updateCode: null, updateReason: null };
  },
  prepareFailed: (lc, { code, reason }) => {
    const fn = lc.record;
    if (!fn.preparing) return 'nothing is being prepared';
    const failed = { state: 'Failed', stateCode: code, stateReason: reason, preparing: null } as const;
    const updateFailed = { update: 'Failed', updateCode: code, updateReason: reason } as const;
    switch (fn.preparing.kind) {
      case 'wake':
        // FC: "when the resources cannot be prepared again, the function stays Inactive"; nothing serves any more.
        return { state: 'Inactive', stateCode: code, stateReason: reason, preparing: null, prepared: null, effects: letGo(lc) };
      case 'update': {
        // A failed update leaves the previous revision serving, and latest again.
        const latest = fn.serving ? { latest: fn.serving } : {};
        if (fn.state === 'Active') return { ...updateFailed, ...latest, preparing: null };
        return { ...failed, ...updateFailed, ...latest };
      }
      case 'restore':
        if (fn.lastUpdateStatus !== 'InProgress') return failed;
        return { ...failed, ...updateFailed };
      case 'create':
        return { ...failed, ...updateFailed };
    }
  },
  idle: (lc) => {
    const fn = lc.record;
    if (fn.state !== 'Active') return `state is ${fn.state}, not Active`;
    if (fn.preparing) return 'an update is in progress';
    // Versions keep their code while Inactive; only the serving hold is let go.
    return { state: 'Inactive', stateCode: ReasonCode.Idle, stateReason: REASON_TEXT.Idle, prepared: null, effects: [{ type: 'clearIdle' }, ...letGo(lc)] };
  },
  wake: ({ record: fn }) => {
    if (fn.state !== 'Inactive') return `state is ${fn.state}, not Inactive`;
    return { state: 'Pending', stateCode: ReasonCode.Restoring, stateReason: REASON_TEXT.Restoring, preparing: 'wake', effects: [{ type: 'prepare', kind: 'wake' }] };
  },
  restore: ({ record: fn }) => {
    // Failed and Inactive functions have nothing running on the cloud either; they stay as they were.
    if (fn.state === 'Failed' || fn.state === 'Inactive') return `state is ${fn.state}: nothing to restore`;
    return { state: 'Pending', stateCode: ReasonCode.Restoring, stateReason: REASON_TEXT.Restarted, preparing: 'restore', effects: [{ type: 'prepare', kind: 'restore' }] };
  },
  invalidate: ({ record: fn }, { code, reason }) => {
    if (fn.state === 'Failed' && fn.stateReasonCode === code) return 'already failed for this reason';
    return { state: 'Failed', stateCode: code, stateReason: reason };
  },
  invoked: ({ record: fn }) => {
    if (fn.state !== 'Active') return `state is ${fn.state}, not Active`;
    return INVOKED;
  },
};

/** Applies one event to a function. Pure: the dispatcher stores the outcome and carries out its effects. */
export function transition(lc: Lifecycle, event: StateEvent): TransitionResult {
  const change = (TABLE[event.type] as Rule<StateEvent>)(lc, event);
  if (typeof change === 'string') return { ok: false, why: change };
  const fn = lc.record;
  // Effects only (an admitted invocation, on every call): the record stays as it is, with no copy made to compare.
  if (effectsOnly(change)) return { ok: true, record: fn, prepared: lc.prepared, changed: false, effects: change.effects ?? [] };
  const next: Record<string, unknown> = { ...fn };
  if (change.state) next.state = change.state;
  setOrClear(next, 'stateReasonCode', change.stateCode);
  setOrClear(next, 'stateReason', change.stateReason);
  if (change.update) next.lastUpdateStatus = change.update;
  setOrClear(next, 'lastUpdateStatusReasonCode', change.updateCode);
  setOrClear(next, 'lastUpdateStatusReason', change.updateReason);
  if (change.latest) next.latest = change.latest;
  if (change.serving) next.serving = change.serving;
  if (change.lastModifiedTime !== undefined) next.lastModifiedTime = change.lastModifiedTime;
  if (change.preparing === null) next.preparing = undefined;
  else if (change.preparing) next.preparing = { kind: change.preparing, revisionId: (next.latest as Revision).id };
  const changed = differs(fn, next);
  const prepared = change.prepared === null ? undefined : (change.prepared ?? lc.prepared);
  return { ok: true, record: changed ? (withoutCleared(next) as unknown as FunctionRecord) : fn, prepared, changed, effects: change.effects ?? [] };
}

function effectsOnly(change: Change): boolean {
  for (const key in change) if (key !== 'effects') return false;
  return true;
}

/** A cleared field is set to undefined here and left out of the record by withoutCleared. */
function setOrClear(target: Record<string, unknown>, key: string, value: string | null | undefined): void {
  if (value === null) target[key] = undefined;
  else if (value !== undefined) target[key] = value;
}

/**
 * The record without its cleared fields, built anew rather than with `delete`: V8 turns an object that loses a property
 * into a dictionary several times its size, and every function keeps one record (issue 16's memory row).
 */
function withoutCleared(next: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(next)) if (next[k] !== undefined) out[k] = next[k];
  return out;
}

function differs(before: object, after: Record<string, unknown>): boolean {
  const old = before as Record<string, unknown>;
  const keys = new Set([...Object.keys(old), ...Object.keys(after)]);
  for (const k of keys) if (old[k] !== after[k]) return true;
  return false;
}
