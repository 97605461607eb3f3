/**
 * @module
 * The state machine as data: every change of `state` or `lastUpdateStatus` goes through transition().
 * The table says, for each event and current situation, what the function becomes.
 */
import type { FunctionRecord, PreparationKind, State, UpdateStatus } from './model.ts';
import { REASON_TEXT, ReasonCode } from './reason-codes.ts';

export type StateEvent =
  /** Create: preparation of the first revision starts. */
  | { readonly type: 'create' }
  /** Update accepted: preparation of a new revision starts. */
  | { readonly type: 'update' }
  /** Preparation (create, update or wake) finished; the prepared revision serves from now on. */
  | { readonly type: 'prepared' }
  | { readonly type: 'prepareFailed'; readonly code: string; readonly reason: string }
  /** No invocation for the idle period: resources released. */
  | { readonly type: 'idle' }
  /** Invoked (or redeployed) while Inactive: resources are prepared again. */
  | { readonly type: 'wake' }
  /** localfc restarted from its data directory: nothing runs yet, so a function that could serve is prepared again. */
  | { readonly type: 'restore' }
  /** The pinned image was deleted or its tag moved: the function can no longer run. */
  | { readonly type: 'invalidate'; readonly code: string; readonly reason: string };

export type TransitionResult =
  | { readonly ok: true; readonly record: FunctionRecord }
  | { readonly ok: false; readonly why: string };

interface Outcome {
  state?: State;
  stateCode?: string | null;
  stateReason?: string | null;
  update?: UpdateStatus;
  updateCode?: string | null;
  updateReason?: string | null;
  preparing?: PreparationKind | null;
}

type Rule = (fn: FunctionRecord, event: StateEvent) => Outcome | string;

/** (event type) → rule giving the outcome, or a string saying why the event is not allowed now. */
const TABLE: Record<StateEvent['type'], Rule> = {
  create: () => ({
    state: 'Pending',
    stateCode: ReasonCode.Creating,
    stateReason: REASON_TEXT.Creating,
    update: 'InProgress',
    updateCode: ReasonCode.Creating,
    updateReason: REASON_TEXT.Creating,
    preparing: 'create',
  }),
  update: (fn) => {
    if (fn.preparing) return `a preparation (${fn.preparing.kind}) is in progress`;
    // An Active function keeps serving the old revision; a Failed or Inactive one has nothing to serve and goes back to Pending.
    if (fn.state === 'Active') return { update: 'InProgress', updateCode: ReasonCode.Updating, updateReason: REASON_TEXT.Updating, preparing: 'update' };
    return {
      state: 'Pending',
      stateCode: ReasonCode.Updating,
      stateReason: REASON_TEXT.Updating,
      update: 'InProgress',
      updateCode: ReasonCode.Updating,
      updateReason: REASON_TEXT.Updating,
      preparing: 'update',
    };
  },
  prepared: (fn) => {
    if (!fn.preparing) return 'nothing is being prepared';
    if (fn.preparing.kind === 'wake') return { state: 'Active', stateCode: null, stateReason: null, preparing: null };
    if (fn.preparing.kind === 'restore' && fn.lastUpdateStatus !== 'InProgress') return { state: 'Active', stateCode: null, stateReason: null, preparing: null };
    return { state: 'Active', stateCode: null, stateReason: null, update: 'Successful', updateCode: null, updateReason: null, preparing: null };
  },
  prepareFailed: (fn, e) => {
    const { code, reason } = e as Extract<StateEvent, { type: 'prepareFailed' }>;
    if (!fn.preparing) return 'nothing is being prepared';
    switch (fn.preparing.kind) {
      case 'wake':
        // FC: "when the resources cannot be prepared again, the function stays Inactive".
        return { state: 'Inactive', stateCode: code, stateReason: reason, preparing: null };
      case 'update':
        if (fn.state === 'Active') return { update: 'Failed', updateCode: code, updateReason: reason, preparing: null };
        return { state: 'Failed', stateCode: code, stateReason: reason, update: 'Failed', updateCode: code, updateReason: reason, preparing: null };
      case 'restore':
        if (fn.lastUpdateStatus !== 'InProgress') return { state: 'Failed', stateCode: code, stateReason: reason, preparing: null };
        return { state: 'Failed', stateCode: code, stateReason: reason, update: 'Failed', updateCode: code, updateReason: reason, preparing: null };
      case 'create':
        return { state: 'Failed', stateCode: code, stateReason: reason, update: 'Failed', updateCode: code, updateReason: reason, preparing: null };
    }
  },
  idle: (fn) => {
    if (fn.state !== 'Active') return `state is ${fn.state}, not Active`;
    if (fn.preparing) return 'an update is in progress';
    return { state: 'Inactive', stateCode: ReasonCode.Idle, stateReason: REASON_TEXT.Idle };
  },
  wake: (fn) => {
    if (fn.state !== 'Inactive') return `state is ${fn.state}, not Inactive`;
    return { state: 'Pending', stateCode: ReasonCode.Restoring, stateReason: REASON_TEXT.Restoring, preparing: 'wake' };
  },
  restore: (fn) => {
    // Failed and Inactive functions have nothing running on the cloud either; they stay as they were.
    if (fn.state === 'Failed' || fn.state === 'Inactive') return `state is ${fn.state}: nothing to restore`;
    return { state: 'Pending', stateCode: ReasonCode.Restoring, stateReason: REASON_TEXT.Restarted, preparing: 'restore' };
  },
  invalidate: (fn, e) => {
    const { code, reason } = e as Extract<StateEvent, { type: 'invalidate' }>;
    if (fn.state === 'Failed' && fn.stateReasonCode === code) return 'already failed for this reason';
    return { state: 'Failed', stateCode: code, stateReason: reason };
  },
};

/** Applies one event. Pure: the caller stores the new record and records the timeline entry. */
export function transition(fn: FunctionRecord, event: StateEvent, revisionId?: number): TransitionResult {
  const outcome = TABLE[event.type](fn, event);
  if (typeof outcome === 'string') return { ok: false, why: outcome };
  const next: Record<string, unknown> = { ...fn };
  if (outcome.state) next.state = outcome.state;
  setOrClear(next, 'stateReasonCode', outcome.stateCode);
  setOrClear(next, 'stateReason', outcome.stateReason);
  if (outcome.update) next.lastUpdateStatus = outcome.update;
  setOrClear(next, 'lastUpdateStatusReasonCode', outcome.updateCode);
  setOrClear(next, 'lastUpdateStatusReason', outcome.updateReason);
  if (outcome.preparing === null) delete next.preparing;
  else if (outcome.preparing) next.preparing = { kind: outcome.preparing, revisionId: revisionId ?? fn.latest.id };
  return { ok: true, record: next as unknown as FunctionRecord };
}

function setOrClear(target: Record<string, unknown>, key: string, value: string | null | undefined): void {
  if (value === null) delete target[key];
  else if (value !== undefined) target[key] = value;
}
