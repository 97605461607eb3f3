/**
 * @module
 * Preparing a function's latest revision (create, update, wake, restore): a clock timer for the cloud's delay, any
 * latency/hold/error fault, and the backend's real work, then the outcome (prepared or prepareFailed) dispatched.
 */
import type { FunctionIdentity, PreparedRevision } from './ports/backend.ts';
import { FcError } from './errors.ts';
import type { FaultRule } from './faults/engine.ts';
import { applyFault } from './faults/effects.ts';
import type { FaultPhase } from './faults/rules.ts';
import type { FunctionEntry } from './function-entry.ts';
import type { FunctionServiceDeps } from './function-types.ts';
import type { Dispatched } from './lifecycle.ts';
import type { FunctionRecord, PreparationKind, Revision, TimelineEntry } from './model.ts';
import { isContainer } from './model.ts';
import { imageProblem } from './revisions.ts';
import type { StateEvent } from './state-machine.ts';
import { ReasonCode } from './reason-codes.ts';

type BackendResult = { ok: true; prepared: PreparedRevision } | { ok: false; code: string; reason: string };

export interface PreparationDeps extends Pick<FunctionServiceDeps, 'clock' | 'timing' | 'backend' | 'registry' | 'region' | 'accountId'> {
  /** The lifecycle's dispatcher: a finished preparation is an event like any other. */
  readonly dispatch: (entry: FunctionEntry, event: StateEvent) => Dispatched;
  /** False once the function was deleted (or deleted and created again): what was prepared for it does not serve. */
  readonly isCurrent: (entry: FunctionEntry) => boolean;
  readonly takeFault: (name: string, phase: FaultPhase) => FaultRule | undefined;
  readonly note: (name: string, kind: TimelineEntry['kind'], event: string, detail?: Record<string, unknown>) => void;
}

export class PreparationRunner {
  readonly #inFlight = new Set<Promise<void>>();

  constructor(private readonly deps: PreparationDeps) {}

  /**
   * Starts preparing the function's latest revision. With no delay to wait (a code package under the default timing, and
   * no latency or hold fault) the returned promise settles once it is done, so the caller can answer with the outcome:
   * on FC a code-package function is invocable as soon as CreateFunction returns.
   */
  start(entry: FunctionEntry, kind: PreparationKind): Promise<void> | undefined {
    // One preparation per function: one still under way (its revision superseded by an update) ends unserved.
    this.cancel(entry);
    const name = entry.record.functionName;
    const revision = entry.record.latest;
    const container = isContainer(revision.config);
    const { timing } = this.deps;
    // A container's update of an Active function only swaps the image; a Failed/Inactive one (now Pending) is prepared
    // from scratch. A code package takes codePreparationMs either way (0 by default: nothing to wait for on FC).
    const delay = !container ? timing.codePreparationMs : kind === 'update' && entry.record.state === 'Active' ? timing.updateMs : timing.containerPreparationMs;
    const phase: FaultPhase = kind === 'update' ? 'update' : 'preparation';
    // A custom container's image pull can fail on its own (e.g. ImageAccessDenied): the image phase, then the general one.
    const imageFault = container ? this.deps.takeFault(name, 'image') : undefined;
    const faultPhase: FaultPhase = imageFault ? 'image' : phase;
    const fault = imageFault ?? this.deps.takeFault(name, phase);
    const abort = new AbortController();
    entry.abort = abort;
    const identity = this.#identity(entry.record);
    // Tracked from the moment the clock or a release lets it go on, so a quiesce() right after either waits for it.
    let finish!: () => void;
    const settled = new Promise<void>((resolve) => (finish = resolve));
    let resumed = false;
    const resume = () => {
      if (!resumed) this.track(name, settled);
      resumed = true;
    };
    // Nothing to wait for (a code package under the default timing, no fault): done before the caller answers.
    const immediate = delay === 0 && !fault;
    const work = (async () => {
      // A revision a version still holds (waking from Inactive) needs no new preparation on the backend.
      const held = entry.refs.get(revision.id);
      const backendWork = held
        ? Promise.resolve({ ok: true as const, prepared: held })
        : this.#prepareOnBackend(identity, revision, abort.signal, (m) => this.deps.note(name, 'note', 'preparation.progress', { message: m }));
      // The fault acts once the cloud's delay is over: latency lengthens it, hold keeps the state until released. An
      // injected failure is kept for the end, where a real failure of the backend's work wins over it. While the
      // fault still waits (on the clock or for a release), quiesce() must not wait for it: tracked when that ends.
      if (!immediate) await this.#wait(entry, delay, `${kind} ${name}`, fault ? () => {} : resume);
      const injected = fault ? await this.#applyFault(entry, fault, faultPhase, resume) : undefined;
      resume();
      try {
        await this.#finish(entry, revision, injected, abort, await backendWork);
      } finally {
        finish();
      }
    })();
    void work.catch((e: unknown) => this.deps.note(name, 'note', 'preparation.crashed', { message: String(e) }));
    return immediate ? settled : undefined;
  }

  /** A version's code prepared again on start-up, outside any state change. */
  prepareVersion(record: FunctionRecord, revision: Revision): Promise<BackendResult> {
    return this.#prepareOnBackend(this.#identity(record), revision, new AbortController().signal, () => {});
  }

  /** Stops whatever preparation the function has under way (it is being deleted, or a newer one starts). */
  cancel(entry: FunctionEntry): void {
    if (entry.prepTimer !== undefined) this.deps.clock.clearTimer(entry.prepTimer);
    entry.prepTimer = undefined;
    entry.abort?.abort();
    entry.release?.();
  }

  /** Work quiesce() waits for; a crash lands in the function's timeline. */
  track(name: string, p: Promise<void>): void {
    const tracked = p.catch((e: unknown) => this.deps.note(name, 'note', 'preparation.crashed', { message: String(e) }));
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
  }

  /** Resolves once every piece of tracked work started so far has finished. */
  async quiesce(): Promise<void> {
    while (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
  }

  /**
   * Carries out the fault with this preparation's own timer and hold (each calls `resume` the moment it lets go);
   * resolves to the failure it injects, if any.
   */
  async #applyFault(entry: FunctionEntry, fault: FaultRule, phase: FaultPhase, resume: () => void): Promise<FcError | undefined> {
    try {
      await applyFault(fault, { phase, clock: this.deps.clock, sleep: (ms, label) => this.#wait(entry, ms, label, resume), hold: (ms) => this.#hold(entry, ms, resume) });
      return undefined;
    } catch (e) {
      if (e instanceof FcError) return e;
      throw e;
    }
  }

  async #finish(entry: FunctionEntry, revision: Revision, injected: FcError | undefined, abort: AbortController, result: BackendResult): Promise<void> {
    let outcome = result;
    if (abort.signal.aborted || !this.deps.isCurrent(entry)) {
      if (outcome.ok) await this.#discard(entry, outcome.prepared);
      return;
    }
    // The registry may have moved while the function was Pending: the pinned digest must still be there.
    const problem = outcome.ok ? await imageProblem(this.deps.registry, revision) : undefined;
    if (outcome.ok && problem) {
      await this.#discard(entry, outcome.prepared);
      outcome = { ok: false, ...problem };
    }
    if (outcome.ok && injected) {
      await this.#discard(entry, outcome.prepared);
      outcome = { ok: false, code: injected.code, reason: injected.message };
    }
    entry.abort = undefined;
    // The dispatch's work (the replaced revision retired unless something still holds it) is part of the preparation.
    const done = this.deps.dispatch(entry, outcome.ok ? { type: 'prepared', prepared: outcome.prepared } : { type: 'prepareFailed', code: outcome.code, reason: outcome.reason });
    if (done.ok) await done.done;
    else if (outcome.ok) await this.#discard(entry, outcome.prepared);
  }

  async #prepareOnBackend(fn: FunctionIdentity, revision: Revision, signal: AbortSignal, log: (m: string) => void): Promise<BackendResult> {
    try {
      return { ok: true, prepared: await this.deps.backend.prepare({ fn, revision, log, signal }) };
    } catch (e) {
      const code = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : ReasonCode.InternalError;
      return { ok: false, code, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  #identity(record: FunctionRecord): FunctionIdentity {
    return { functionName: record.functionName, functionArn: record.functionArn, region: this.deps.region, accountId: this.deps.accountId, qualifier: 'LATEST' };
  }

  #wait(entry: FunctionEntry, ms: number, label: string, resume: () => void): Promise<void> {
    return new Promise((resolve) => {
      entry.prepTimer = this.deps.clock.setTimer(ms, label, () => {
        entry.prepTimer = undefined;
        resume();
        resolve();
      });
      entry.abort?.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  /** Keeps the function Pending/InProgress until released (admin) or, with a duration, until it runs out. */
  #hold(entry: FunctionEntry, ms: number | undefined, resume: () => void): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        entry.release = undefined;
        if (timer !== undefined) this.deps.clock.clearTimer(timer);
        resume();
        resolve();
      };
      const timer = ms === undefined ? undefined : this.deps.clock.setTimer(ms, `hold ${entry.record.functionName}`, done);
      entry.release = done;
    });
  }

  /** A freshly prepared handle that will not serve: released unless it is one a holder already has. */
  async #discard(entry: FunctionEntry, prepared: PreparedRevision): Promise<void> {
    if (!entry.refs.owns(prepared)) await this.deps.backend.release(prepared).catch(() => undefined);
  }
}
