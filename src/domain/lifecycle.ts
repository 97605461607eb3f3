/**
 * @module
 * The one dispatcher of a function's lifecycle: dispatch() runs an event through transition(), stores the outcome
 * (record and serving handle), records it in the timeline, tells persistence, and carries out the effects. It also
 * owns the holds on prepared revisions (the serving one, each version's, each admitted request's), so "let go of the
 * last hold, retire the revision" happens in one place.
 */
import type { PreparedRevision } from './ports/backend.ts';
import { type FunctionEntry, addToTimeline } from './function-entry.ts';
import type { FunctionServiceDeps } from './function-types.ts';
import { IdleTimers } from './idle-timers.ts';
import type { PreparationKind } from './model.ts';
import { type Effect, type StateEvent, transition } from './state-machine.ts';

export interface LifecycleDeps extends Pick<FunctionServiceDeps, 'clock' | 'timing' | 'keepsInstances'> {
  /** Starts preparing the entry's latest revision; settles when it is done if there was nothing to wait for. */
  readonly prepare: (entry: FunctionEntry, kind: PreparationKind) => Promise<void> | undefined;
  /** A revision nothing holds any more: its instances stop and the backend removes its files. */
  readonly retire: (prepared: PreparedRevision) => Promise<void>;
  /** Work quiesce() waits for (after the manual clock moved): a dispatch's effects, e.g. a revision retired on going idle. */
  readonly track: (name: string, work: Promise<void>) => void;
}

export type Dispatched =
  /** `done` settles once the effects' work has (a retired revision stopped, a preparation with nothing to wait for ended). */
  | { readonly ok: true; readonly done: Promise<void> }
  | { readonly ok: false; readonly why: string };

/** A dispatch whose effects had no work to wait for (an admitted invocation's, on every call): one object for all. */
const NOTHING_TO_WAIT_FOR: Dispatched = { ok: true, done: Promise.resolve() };

export class FunctionLifecycle {
  readonly #idle: IdleTimers;

  constructor(private readonly deps: LifecycleDeps) {
    this.#idle = new IdleTimers(deps, (entry) => this.dispatch(entry, { type: 'idle' }));
  }

  /** Applies one event to the function; refused (and nothing changed) when the state machine does not allow it now. */
  dispatch(entry: FunctionEntry, event: StateEvent): Dispatched {
    const outcome = transition(entry, event);
    if (!outcome.ok) return outcome;
    if (outcome.prepared) entry.prepared = outcome.prepared;
    else entry.prepared = undefined;
    if (outcome.changed) {
      const r = (entry.record = outcome.record);
      const reasonCode = r.state === 'Active' ? r.lastUpdateStatusReasonCode : r.stateReasonCode;
      const reason = r.state === 'Active' ? r.lastUpdateStatusReason : r.stateReason;
      addToTimeline(entry, {
        at: this.deps.clock.now(),
        kind: 'transition',
        event: event.type,
        state: r.state,
        lastUpdateStatus: r.lastUpdateStatus,
        ...(reasonCode ? { reasonCode } : {}),
        ...(reason ? { reason } : {}),
      });
      entry.onChange?.();
    }
    let work: Array<Promise<void>> | undefined;
    for (const effect of outcome.effects) {
      const p = this.#carryOut(entry, effect);
      if (p) (work ??= []).push(p);
    }
    if (!work) return NOTHING_TO_WAIT_FOR;
    const done = Promise.all(work).then(() => undefined);
    this.deps.track(entry.record.functionName, done);
    return { ok: true, done };
  }

  /** A holder (a version, an admitted request) keeps this prepared revision from being retired. */
  hold(entry: FunctionEntry, prepared: PreparedRevision): void {
    entry.refs.hold(prepared);
  }

  /** One holder lets go of a revision; the last one to do so retires it (the work is returned; undefined: none). */
  letGo(entry: FunctionEntry, revisionId: number): Promise<void> | undefined {
    const last = entry.refs.drop(revisionId);
    return last ? this.deps.retire(last) : undefined;
  }

  /** The function is gone: no more idle countdown, and every revision it held is retired. */
  retireAll(entry: FunctionEntry): Promise<void> {
    this.#idle.clear(entry);
    entry.prepared = undefined;
    return Promise.all(entry.refs.clear().map((p) => this.deps.retire(p))).then(() => undefined);
  }

  #carryOut(entry: FunctionEntry, effect: Effect): Promise<void> | undefined {
    switch (effect.type) {
      case 'prepare':
        return this.deps.prepare(entry, effect.kind);
      case 'hold':
        this.hold(entry, effect.prepared);
        return undefined;
      case 'letGo':
        return this.letGo(entry, effect.prepared.revision.id);
      case 'armIdle':
        this.#idle.arm(entry);
        return undefined;
      case 'clearIdle':
        this.#idle.clear(entry);
        return undefined;
    }
  }
}
