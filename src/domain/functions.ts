/**
 * @module
 * FunctionService: Create/Get/Update/Delete/List, versions, and invocation admission by qualifier. Preparation runs as clock timers plus the
 * backend's real work; every state change goes through transition() and lands in the function's timeline.
 */
import type { Backend, FunctionIdentity, PreparedRevision } from '../backends/backend.ts';
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { FcError, errors } from './errors.ts';
import { type FaultEngine, type FaultPhase, type FaultRule, functionFaults } from './faults.ts';
import type { FunctionConfig, FunctionRecord, PreparationKind, Revision, Tag, TimelineEntry } from './model.ts';
import { isContainer } from './model.ts';
import { PreparedRefs } from './prepared-refs.ts';
import { type ImageRegistry, type RegistryEvent, parseImageRef } from './registry.ts';
import { buildRevision, imageProblem } from './revisions.ts';
import { type StateEvent, transition } from './state-machine.ts';
import type { CreateInput, FunctionServiceDeps, FunctionsState, UpdateInput } from './function-types.ts';
import { FunctionVersions, type VersionRecord } from './versions.ts';

export type { CreateInput, FunctionServiceDeps, FunctionsState, TimingConfig, UpdateInput } from './function-types.ts';

const TIMELINE_LIMIT = 500;

interface Entry {
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
}

export class FunctionService {
  readonly #functions = new Map<string, Entry>();
  readonly #inFlight = new Set<Promise<void>>();
  /** Resources that hang off a function (configs, triggers, tasks) drop theirs when it is deleted. */
  readonly #deleteListeners = new Set<(name: string) => void>();
  #revisionCounter = 0;
  readonly #unsubscribe: () => void;
  readonly #random: () => number;

  constructor(private readonly deps: FunctionServiceDeps) {
    this.#random = deps.random ?? Math.random;
    this.#unsubscribe = deps.registry.onChange((e) => this.#onRegistryChange(e));
  }

  async create(input: CreateInput): Promise<FunctionRecord> {
    if (this.#functions.has(input.functionName)) throw errors.functionAlreadyExists(input.functionName);
    const now = this.deps.clock.now();
    const revision = await buildRevision(this.deps, ++this.#revisionCounter, input.config, input.zip, undefined);
    // Re-check: building a revision may have awaited the registry.
    if (this.#functions.has(input.functionName)) throw errors.functionAlreadyExists(input.functionName);
    const base: FunctionRecord = {
      functionName: input.functionName,
      functionId: this.deps.ids.uuid(),
      functionArn: `acs:fc:${this.deps.region}:${this.deps.accountId}:functions/${input.functionName}`,
      createdTime: now,
      lastModifiedTime: now,
      state: 'Pending',
      lastUpdateStatus: 'InProgress',
      latest: revision,
      tags: input.tags,
    };
    const entry: Entry = { record: base, timeline: [], refs: new PreparedRefs(), versions: new FunctionVersions(input.functionName, () => this.deps.clock.now(), this.#random) };
    this.#functions.set(input.functionName, entry);
    this.#apply(entry, { type: 'create' }, revision.id);
    this.#startPreparation(entry, 'create');
    return entry.record;
  }

  get(name: string): FunctionRecord {
    return this.#entry(name).record;
  }

  /** Shown by GetFunction: the new revision while it is being prepared, otherwise the serving one. */
  shown(record: FunctionRecord): Revision {
    return record.preparing || !record.serving ? record.latest : record.serving;
  }

  async update(name: string, input: UpdateInput): Promise<FunctionRecord> {
    const entry = this.#entry(name);
    this.#assertUpdatable(entry.record);
    const revision = await buildRevision(this.deps, ++this.#revisionCounter, input.config, input.zip, entry.record.latest);
    this.#assertUpdatable(entry.record);
    if (this.#functions.get(name) !== entry) throw errors.functionNotFound(name);
    const wasInactive = entry.record.state === 'Inactive';
    entry.record = { ...entry.record, latest: revision, lastModifiedTime: this.deps.clock.now() };
    this.#apply(entry, { type: 'update' }, revision.id);
    if (wasInactive) this.#clearIdle(entry);
    this.#startPreparation(entry, 'update');
    return entry.record;
  }

  #assertUpdatable(fn: FunctionRecord): void {
    if (fn.preparing?.kind === 'update') throw errors.concurrentUpdate(fn.functionName, 'An update is in progress (lastUpdateStatus: InProgress)');
    if (fn.state === 'Pending') throw errors.concurrentUpdate(fn.functionName, `The function is in state Pending (stateReasonCode: ${fn.stateReasonCode ?? 'Creating'})`);
  }

  async delete(name: string): Promise<void> {
    const entry = this.#entry(name);
    this.#functions.delete(name);
    for (const listener of this.#deleteListeners) listener(name);
    this.#stopTimers(entry);
    entry.abort?.abort();
    entry.release?.();
    // Versions and aliases go with the function; so does every prepared revision they held.
    await Promise.all(entry.refs.clear().map((p) => this.#retire(p)));
  }

  onDeleted(listener: (name: string) => void): () => void {
    this.#deleteListeners.add(listener);
    return () => this.#deleteListeners.delete(listener);
  }

  list(opts: { prefix?: string; limit?: number; nextToken?: string; filter?: (r: FunctionRecord) => boolean }): { functions: FunctionRecord[]; nextToken?: string } {
    const limit = opts.limit ?? 20;
    const names = [...this.#functions.keys()]
      .filter((n) => (!opts.prefix || n.startsWith(opts.prefix)) && (!opts.nextToken || n >= opts.nextToken))
      .sort();
    const records = names.map((n) => this.#entry(n).record).filter((r) => !opts.filter || opts.filter(r));
    const page = records.slice(0, limit);
    const next = records[limit];
    return next ? { functions: page, nextToken: next.functionName } : { functions: page };
  }

  /**
   * Admission for an invocation: resolves LATEST, a version id or an alias (weighted), and returns what to run, or
   * throws the cloud's error. State rules are the function's, whatever the qualifier: invoking an Inactive function
   * fails and starts preparing it again, as FC does.
   */
  admitInvocation(name: string, qualifier = 'LATEST'): { record: FunctionRecord; prepared: PreparedRevision; revision: Revision; resolvedQualifier: string } {
    const entry = this.#entry(name);
    const routed = qualifier === 'LATEST' ? { versionId: 'LATEST' } : entry.versions.route(qualifier);
    const fn = entry.record;
    if (fn.invocationRestriction?.disable) {
      throw errors.invocationDisabled(name, fn.invocationRestriction.reason);
    }
    if (fn.state === 'Inactive' && !fn.preparing) {
      this.#apply(entry, { type: 'wake' });
      this.#startPreparation(entry, 'wake');
      throw errors.functionNotActive(name, 'Inactive', 'Idle');
    }
    if (fn.state !== 'Active' || !entry.prepared) throw errors.functionNotActive(name, fn.state, fn.stateReasonCode);
    const prepared = routed.version ? entry.refs.get(routed.version.revision.id) : entry.prepared;
    if (!prepared) throw errors.internal(`version '${routed.versionId}' of function '${name}' has no prepared code`);
    this.#armIdle(entry);
    return { record: fn, prepared, revision: prepared.revision, resolvedQualifier: routed.versionId };
  }

  // ---- versions ----

  /** The function's versions and aliases (reads and alias changes; publishing and deleting go through here). */
  versions(name: string): FunctionVersions {
    return this.#entry(name).versions;
  }

  /** What GetFunction shows for a qualifier: a version's snapshot, an alias's main version, or LATEST's revision. */
  shownFor(name: string, qualifier = 'LATEST'): Revision {
    const entry = this.#entry(name);
    return entry.versions.resolveStatic(qualifier)?.revision ?? this.shown(entry.record);
  }

  /** Snapshots the serving code and configuration; only while the function is Active with nothing being prepared. */
  publishVersion(name: string, description: string): VersionRecord {
    const entry = this.#entry(name);
    this.#assertUpdatable(entry.record);
    const fn = entry.record;
    if (fn.state !== 'Active' || !entry.prepared) {
      throw errors.preconditionFailed('FunctionNotActive', `The function '${name}' cannot be published now: it is in state ${fn.state}${fn.stateReasonCode ? ` (stateReasonCode: ${fn.stateReasonCode})` : ''}; a version can only be published while it is Active`);
    }
    const version = entry.versions.publish(entry.prepared.revision, description);
    entry.refs.hold(entry.prepared);
    this.note(name, 'note', 'version.published', { versionId: version.versionId, revision: version.revision.id });
    return version;
  }

  async deleteVersion(name: string, versionId: string): Promise<void> {
    const entry = this.#entry(name);
    const version = entry.versions.remove(versionId);
    this.note(name, 'note', 'version.deleted', { versionId });
    const last = entry.refs.drop(version.revision.id);
    if (last) await this.#retire(last);
  }

  /** Fault lookup for a function: engine rules first, then the function's own reserved tags/env. */
  takeFault(name: string, phase: FaultPhase, extra: { operation?: string; qualifier?: string } = {}): FaultRule | undefined {
    const entry = this.#functions.get(name);
    const rev = entry ? this.shown(entry.record) : undefined;
    const own = entry && rev ? functionFaults(entry.record.tags, rev.config.environmentVariables) : [];
    const rule = this.deps.faults.take({ phase, functionName: name, ...extra }, own);
    if (rule && entry) this.note(name, 'fault', `fault.${phase}`, { rule: rule.id, source: rule.source, effect: rule.effect });
    return rule;
  }

  timeline(name: string): TimelineEntry[] {
    return [...this.#entry(name).timeline];
  }

  note(name: string, kind: TimelineEntry['kind'], event: string, detail?: Record<string, unknown>): void {
    const entry = this.#functions.get(name);
    if (entry) this.#record(entry, { at: this.deps.clock.now(), kind, event, ...(detail ? { detail } : {}) });
  }

  /** Admin: put a function in a state (e.g. force Inactive) as if time or the cloud had done it. */
  force(name: string, event: StateEvent): FunctionRecord {
    const entry = this.#entry(name);
    if (event.type === 'idle') {
      if (!this.#apply(entry, event)) throw errors.preconditionFailed('InvalidState', `function '${name}' is ${entry.record.state}${entry.record.preparing ? ' and being prepared' : ''}; only an Active function can go Inactive`);
      this.#clearIdle(entry);
      return entry.record;
    }
    this.#apply(entry, event);
    return entry.record;
  }

  /** Admin: release a function held in Pending/InProgress by a hold fault. Returns false if nothing was held. */
  release(name: string): boolean {
    const entry = this.#entry(name);
    if (!entry.release) return false;
    entry.release();
    return true;
  }

  setRestriction(name: string, restriction: FunctionRecord['invocationRestriction']): FunctionRecord {
    const entry = this.#entry(name);
    const { invocationRestriction: _old, ...rest } = entry.record;
    entry.record = restriction ? { ...rest, invocationRestriction: restriction } : rest;
    return entry.record;
  }

  setTags(name: string, tags: readonly Tag[]): void {
    const entry = this.#entry(name);
    entry.record = { ...entry.record, tags };
  }

  /** Resolves once every preparation started so far has finished (used after advancing the manual clock). */
  async quiesce(): Promise<void> {
    while (this.#inFlight.size) await Promise.allSettled([...this.#inFlight]);
  }

  async reset(): Promise<void> {
    const names = [...this.#functions.keys()];
    await Promise.all(names.map((n) => this.delete(n).catch(() => undefined)));
  }

  async close(): Promise<void> {
    this.#unsubscribe();
    await this.reset();
  }

  // ---- persistence ----

  exportState(): FunctionsState {
    return { revisionCounter: this.#revisionCounter, functions: [...this.#functions.values()].map((e) => ({ record: e.record, versions: e.versions.exportState() })) };
  }

  /**
   * Start-up from saved state. Nothing runs yet, so versions' code is prepared again on the backend and each function
   * that could serve goes through Pending (Restoring), as a cloud re-preparing it would; Failed/Inactive stay as they were.
   */
  async importState(state: FunctionsState): Promise<void> {
    this.#revisionCounter = Math.max(this.#revisionCounter, state.revisionCounter);
    for (const saved of state.functions) {
      const { preparing: _preparing, ...record } = saved.record;
      const entry: Entry = { record, timeline: [], refs: new PreparedRefs(), versions: new FunctionVersions(record.functionName, () => this.deps.clock.now(), this.#random) };
      entry.versions.importState(saved.versions);
      this.#functions.set(record.functionName, entry);
      for (const version of entry.versions.all()) {
        const held = entry.refs.get(version.revision.id);
        if (held) entry.refs.hold(held);
        const result = held ? undefined : await this.#prepareOnBackend(this.#identity(record), version.revision, new AbortController().signal, () => {});
        if (result?.ok) entry.refs.hold(result.prepared);
        else if (result) this.note(record.functionName, 'note', 'version.restoreFailed', { versionId: version.versionId, code: result.code, reason: result.reason });
      }
      if (this.#apply(entry, { type: 'restore' })) this.#startPreparation(entry, 'restore');
    }
  }

  #identity(record: FunctionRecord): FunctionIdentity {
    return { functionName: record.functionName, functionArn: record.functionArn, region: this.deps.region, accountId: this.deps.accountId, qualifier: 'LATEST' };
  }

  // ---- preparation ----

  #startPreparation(entry: Entry, kind: PreparationKind): void {
    const name = entry.record.functionName;
    const revision = entry.record.latest;
    const container = isContainer(revision.config);
    // An update of an Active function only swaps code; a Failed/Inactive one (now Pending) is prepared from scratch.
    const delay =
      kind === 'update' && entry.record.state === 'Active'
        ? this.deps.timing.updateMs
        : container
          ? this.deps.timing.containerPreparationMs
          : this.deps.timing.codePreparationMs;
    const phase: FaultPhase = kind === 'update' ? 'update' : 'preparation';
    // A custom container's image pull can fail on its own (e.g. ImageAccessDenied): the image phase, then the general one.
    const fault = (container ? this.takeFault(name, 'image') : undefined) ?? this.takeFault(name, phase);
    const abort = new AbortController();
    entry.abort = abort;
    const identity = this.#identity(entry.record);
    const work = (async () => {
      // A revision a version still holds (waking from Inactive) needs no new preparation on the backend.
      const held = entry.refs.get(revision.id);
      const backendWork = held
        ? Promise.resolve({ ok: true as const, prepared: held })
        : this.#prepareOnBackend(identity, revision, abort.signal, (m) => this.note(name, 'note', 'preparation.progress', { message: m }));
      const extra = fault?.effect.type === 'latency' ? fault.effect.ms : 0;
      await this.#wait(entry, delay + extra, `${kind} ${name}`);
      if (fault?.effect.type === 'hold') await this.#hold(entry, fault.effect.ms);
      // From here on the work no longer waits for the clock: quiesce() waits for it.
      let finish!: () => void;
      this.#track(name, new Promise<void>((resolve) => (finish = resolve)));
      try {
        await this.#finishPreparation(entry, kind, revision, phase, fault, abort, await backendWork);
      } finally {
        finish();
      }
    })();
    void work.catch((e: unknown) => this.note(name, 'note', 'preparation.crashed', { message: String(e) }));
  }

  #track(name: string, p: Promise<void>): void {
    const tracked = p.catch((e: unknown) => this.note(name, 'note', 'preparation.crashed', { message: String(e) }));
    this.#inFlight.add(tracked);
    void tracked.finally(() => this.#inFlight.delete(tracked));
  }

  async #finishPreparation(
    entry: Entry,
    kind: PreparationKind,
    revision: Revision,
    phase: FaultPhase,
    fault: FaultRule | undefined,
    abort: AbortController,
    result: { ok: true; prepared: PreparedRevision } | { ok: false; code: string; reason: string },
  ): Promise<void> {
    const name = entry.record.functionName;
    let outcome = result;
    if (abort.signal.aborted || this.#functions.get(name) !== entry) {
      if (outcome.ok) await this.#discard(entry, outcome.prepared);
      return;
    }
    // The registry may have moved while the function was Pending: the pinned digest must still be there.
    const problem = outcome.ok ? await imageProblem(this.deps.registry, revision) : undefined;
    if (outcome.ok && problem) {
      await this.#discard(entry, outcome.prepared);
      outcome = { ok: false, ...problem };
    }
    if (outcome.ok && fault?.effect.type === 'error') {
      await this.#discard(entry, outcome.prepared);
      outcome = { ok: false, code: fault.effect.code, reason: fault.effect.message ?? `injected ${phase} failure (${fault.effect.code}) by fault rule ${fault.id}` };
    }
    delete entry.abort;
    if (outcome.ok) {
      const old = entry.prepared;
      entry.prepared = outcome.prepared;
      entry.refs.hold(outcome.prepared);
      entry.record = { ...entry.record, serving: revision };
      this.#apply(entry, { type: 'prepared' });
      this.#armIdle(entry);
      // The replaced revision goes unless a version still holds it.
      const last = old ? entry.refs.drop(old.revision.id) : undefined;
      if (last) await this.#retire(last);
    } else {
      if (kind === 'update' && entry.record.serving) entry.record = { ...entry.record, latest: entry.record.serving };
      this.#apply(entry, { type: 'prepareFailed', code: outcome.code, reason: outcome.reason });
      if (kind === 'wake' && entry.prepared) {
        const last = entry.refs.drop(entry.prepared.revision.id);
        delete entry.prepared;
        if (last) await this.#retire(last);
      }
    }
  }

  async #prepareOnBackend(fn: FunctionIdentity, revision: Revision, signal: AbortSignal, log: (m: string) => void): Promise<{ ok: true; prepared: PreparedRevision } | { ok: false; code: string; reason: string }> {
    try {
      return { ok: true, prepared: await this.deps.backend.prepare({ fn, revision, log, signal }) };
    } catch (e) {
      const code = e instanceof Error && 'code' in e && typeof e.code === 'string' ? e.code : 'InternalError';
      return { ok: false, code, reason: e instanceof Error ? e.message : String(e) };
    }
  }

  #wait(entry: Entry, ms: number, label: string): Promise<void> {
    return new Promise((resolve) => {
      entry.prepTimer = this.deps.clock.setTimer(ms, label, () => {
        delete entry.prepTimer;
        resolve();
      });
      entry.abort?.signal.addEventListener('abort', () => resolve(), { once: true });
    });
  }

  #hold(entry: Entry, ms: number | undefined): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        delete entry.release;
        if (timer !== undefined) this.deps.clock.clearTimer(timer);
        resolve();
      };
      const timer = ms === undefined ? undefined : this.deps.clock.setTimer(ms, `hold ${entry.record.functionName}`, done);
      entry.release = done;
    });
  }

  // ---- idle → Inactive ----

  #armIdle(entry: Entry): void {
    this.#clearIdle(entry);
    if (!(this.deps.timing.inactiveAfterMs > 0) || !Number.isFinite(this.deps.timing.inactiveAfterMs)) return;
    entry.idleTimer = this.deps.clock.setTimer(this.deps.timing.inactiveAfterMs, `idle ${entry.record.functionName}`, () => {
      delete entry.idleTimer;
      if (this.#apply(entry, { type: 'idle' }) && entry.prepared) {
        // Versions keep their code while Inactive; only the serving hold is let go.
        const last = entry.refs.drop(entry.prepared.revision.id);
        delete entry.prepared;
        if (last) void this.#retire(last);
      }
    });
  }

  #clearIdle(entry: Entry): void {
    if (entry.idleTimer !== undefined) this.deps.clock.clearTimer(entry.idleTimer);
    delete entry.idleTimer;
  }

  #stopTimers(entry: Entry): void {
    this.#clearIdle(entry);
    if (entry.prepTimer !== undefined) this.deps.clock.clearTimer(entry.prepTimer);
    delete entry.prepTimer;
  }

  /** A freshly prepared handle that will not serve: released unless it is one a holder already has. */
  async #discard(entry: Entry, prepared: PreparedRevision): Promise<void> {
    if (!entry.refs.owns(prepared)) await this.deps.backend.release(prepared).catch(() => undefined);
  }

  async #retire(prepared: PreparedRevision): Promise<void> {
    await this.deps.onRevisionRetired?.(prepared).catch(() => undefined);
    await this.deps.backend.release(prepared).catch(() => undefined);
  }

  // ---- registry follows ----

  #onRegistryChange(e: RegistryEvent): void {
    for (const entry of this.#functions.values()) {
      const revision = entry.record.serving;
      if (!revision?.image || parseImageRef(revision.image.image).repository !== e.repository) continue;
      this.#track(entry.record.functionName, (async () => {
        const problem = await imageProblem(this.deps.registry, revision);
        if (!problem || this.#functions.get(entry.record.functionName) !== entry || entry.record.serving !== revision) return;
        this.#record(entry, { at: this.deps.clock.now(), kind: 'registry', event: `image.${e.type}`, detail: { ...e } });
        this.#apply(entry, { type: 'invalidate', ...problem });
      })());
    }
  }

  // ---- bookkeeping ----

  #apply(entry: Entry, event: StateEvent, revisionId?: number): boolean {
    const result = transition(entry.record, event, revisionId);
    if (!result.ok) return false;
    entry.record = result.record;
    const r = result.record;
    const reasonCode = r.state === 'Active' ? r.lastUpdateStatusReasonCode : r.stateReasonCode;
    const reason = r.state === 'Active' ? r.lastUpdateStatusReason : r.stateReason;
    this.#record(entry, {
      at: this.deps.clock.now(),
      kind: 'transition',
      event: event.type,
      state: r.state,
      lastUpdateStatus: r.lastUpdateStatus,
      ...(reasonCode ? { reasonCode } : {}),
      ...(reason ? { reason } : {}),
    });
    return true;
  }

  #record(entry: Entry, t: TimelineEntry): void {
    entry.timeline.push(t);
    if (entry.timeline.length > TIMELINE_LIMIT) entry.timeline.splice(0, entry.timeline.length - TIMELINE_LIMIT);
  }

  #entry(name: string): Entry {
    const e = this.#functions.get(name);
    if (!e) throw errors.functionNotFound(name);
    return e;
  }
}
