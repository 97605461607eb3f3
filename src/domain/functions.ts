/**
 * @module
 * FunctionService: Create/Get/Update/Delete/List, versions, and invocation admission by qualifier. Preparation
 * (preparation.ts), going Inactive (idle-timers.ts) and following the registry (registry-follow.ts) work on the same
 * per-function entries; every change of state, of what is latest or serves, goes through the one dispatcher
 * (lifecycle.ts) as an event, and lands in the function's timeline.
 */
import { type PreparedRevision, servingVersion } from './ports/backend.ts';
import { errors } from './errors.ts';
import type { FaultRule } from './faults/engine.ts';
import { type FaultPhase, type FaultRuleInput, functionFaults } from './faults/rules.ts';
import { type FunctionEntry, addToTimeline, newEntry, shownTimeline } from './function-entry.ts';
import { type DeletedFunction, DeletedHistory } from './deleted-history.ts';
import { recentEntries } from './timeline.ts';
import type { CreateInput, FunctionServiceDeps, FunctionsState, UpdateInput } from './function-types.ts';
import { FunctionLifecycle } from './lifecycle.ts';
import { type FunctionRecord, type Revision, sharedIfNone, type Tag, type TimelineEntry } from './model.ts';
import { PreparationRunner } from './preparation.ts';
import { followRegistry } from './registry-follow.ts';
import { buildRevision } from './revisions.ts';
import type { StateEvent } from './state-machine.ts';
import type { FunctionVersions, VersionRecord } from './versions.ts';
import { pageByKey } from './paging.ts';
import { ReasonCode } from './reason-codes.ts';

/** functionFaults per (tags, env) pair: both are replaced, never mutated, so every invocation need not parse them again. */
const ownFaultsCache = new WeakMap<object, { tags: readonly Tag[]; rules: FaultRuleInput[] }>();
function ownFaults(tags: readonly Tag[], env: Readonly<Record<string, string>>): FaultRuleInput[] {
  const hit = ownFaultsCache.get(env);
  if (hit?.tags === tags) return hit.rules;
  const rules = functionFaults(tags, env);
  ownFaultsCache.set(env, { tags, rules });
  return rules;
}

/** What an invocation runs; `leave()` when it has ended (or will not run) lets go of the revision's code. */
export interface AdmittedInvocation {
  readonly record: FunctionRecord;
  readonly prepared: PreparedRevision;
  readonly revision: Revision;
  readonly resolvedQualifier: string;
  readonly leave: () => void;
}

export type { CreateInput, FunctionServiceDeps, FunctionsState, TimingConfig, UpdateInput } from './function-types.ts';

export class FunctionService {
  readonly #functions = new Map<string, FunctionEntry>();
  /** Timelines of deleted functions, until reset. */
  readonly #deleted = new DeletedHistory();
  /** Resources that hang off a function (configs, triggers, tasks) drop theirs when it is deleted. */
  readonly #deleteListeners = new Set<(name: string) => void>();
  #revisionCounter = 0;
  readonly #unsubscribe: () => void;
  readonly #random: () => number;
  readonly #lifecycle: FunctionLifecycle;
  readonly #preparation: PreparationRunner;

  constructor(private readonly deps: FunctionServiceDeps) {
    this.#random = deps.random ?? Math.random;
    const isCurrent = (entry: FunctionEntry) => this.#isCurrent(entry);
    this.#lifecycle = new FunctionLifecycle({
      clock: deps.clock,
      timing: deps.timing,
      ...(deps.keepsInstances ? { keepsInstances: deps.keepsInstances } : {}),
      prepare: (entry, kind) => this.#preparation.start(entry, kind),
      retire: (prepared) => this.#retire(prepared),
      track: (name, work) => this.#preparation.track(name, work),
    });
    this.#preparation = new PreparationRunner({
      ...deps,
      dispatch: (entry, event) => this.#lifecycle.dispatch(entry, event),
      isCurrent,
      takeFault: (name, phase) => this.takeFault(name, phase),
      note: (name, kind, event, detail) => this.note(name, kind, event, detail),
    });
    this.#unsubscribe = followRegistry({
      registry: deps.registry,
      clock: deps.clock,
      lifecycle: this.#lifecycle,
      entries: () => this.#functions.values(),
      isCurrent,
      track: (name, work) => this.#preparation.track(name, work),
    });
  }

  async create(input: CreateInput): Promise<FunctionRecord> {
    if (this.#functions.has(input.functionName)) throw errors.functionAlreadyExists(input.functionName);
    const now = this.deps.clock.now();
    const pulled: string[] = [];
    const revision = await buildRevision(this.deps, ++this.#revisionCounter, input.config, input.zip, undefined, (m) => pulled.push(m));
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
      tags: sharedIfNone(input.tags),
    };
    const entry = newEntry(base, this.deps.clock, this.#random, this.deps.onStateChanged);
    this.#functions.set(input.functionName, entry);
    this.#notePulled(input.functionName, pulled);
    await this.#dispatch(entry, { type: 'create', revision });
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
    const pulled: string[] = [];
    const revision = await buildRevision(this.deps, ++this.#revisionCounter, input.config, input.zip, entry.record.latest, (m) => pulled.push(m));
    if (this.#functions.get(name) !== entry) throw errors.functionNotFound(name);
    this.#notePulled(name, pulled);
    await this.#dispatch(entry, { type: 'update', revision, at: this.deps.clock.now() });
    return entry.record;
  }

  /** An image pulled while the call resolved it: the pull belongs to the preparation that follows, so it is shown there. */
  #notePulled(name: string, lines: readonly string[]): void {
    for (const message of lines) this.note(name, 'note', 'preparation.progress', { message });
  }

  async delete(name: string): Promise<void> {
    const entry = this.#entry(name);
    this.#functions.delete(name);
    const now = this.deps.clock.now();
    addToTimeline(entry, { at: now, kind: 'transition', event: 'delete' });
    this.#deleted.keep(entry.record, this.shown(entry.record), now, shownTimeline(entry));
    for (const listener of this.#deleteListeners) listener(name);
    this.#preparation.cancel(entry);
    // Versions and aliases go with the function; so does every prepared revision they held.
    await this.#lifecycle.retireAll(entry);
  }

  onDeleted(listener: (name: string) => void): () => void {
    this.#deleteListeners.add(listener);
    return () => this.#deleteListeners.delete(listener);
  }

  list(opts: { prefix?: string; limit?: number; nextToken?: string; filter?: (r: FunctionRecord) => boolean }): { functions: FunctionRecord[]; nextToken?: string } {
    const records = [...this.#functions.values()].map((e) => e.record).filter((r) => !opts.filter || opts.filter(r));
    const { items, nextToken } = pageByKey(records, (r) => r.functionName, opts);
    return nextToken ? { functions: items, nextToken } : { functions: items };
  }

  /**
   * Admission for an invocation: resolves LATEST, a version id or an alias (weighted), and returns what to run, or
   * throws the cloud's error. State rules are the function's, whatever the qualifier: invoking an Inactive function
   * fails and starts preparing it again, as FC does.
   */
  admitInvocation(name: string, qualifier = 'LATEST'): AdmittedInvocation {
    const entry = this.#entry(name);
    const routed = qualifier === 'LATEST' ? { versionId: 'LATEST' } : entry.versions.route(qualifier);
    const fn = entry.record;
    if (fn.invocationRestriction?.disable) {
      throw errors.invocationDisabled(name, fn.invocationRestriction.reason);
    }
    if (fn.state === 'Inactive' && !fn.preparing) {
      this.#lifecycle.dispatch(entry, { type: 'wake' });
      throw errors.functionNotActive(name, 'Inactive', ReasonCode.Idle);
    }
    if (fn.state !== 'Active' || !entry.prepared) throw errors.functionNotActive(name, fn.state, fn.stateReasonCode);
    const held = routed.version ? entry.refs.get(routed.version.revision.id) : entry.prepared;
    // A bug, not an answer of FC's: a plain Error is logged with its stack (api/errors.ts).
    if (!held) throw new Error(`version '${routed.versionId}' of function '${name}' has no prepared code`);
    const prepared = servingVersion(held, routed.versionId);
    this.#lifecycle.dispatch(entry, { type: 'invoked' });
    return { record: fn, prepared, revision: prepared.revision, resolvedQualifier: routed.versionId, leave: this.#lease(entry, held) };
  }

  /**
   * An admitted invocation holds its revision like a version does: an update, alias switch or version deletion that
   * replaces it retires it (stops its instances, preStop first) only once the last request admitted on it has ended.
   */
  #lease(entry: FunctionEntry, prepared: PreparedRevision): () => void {
    this.#lifecycle.hold(entry, prepared);
    let left = false;
    return () => {
      if (left) return;
      left = true;
      // A deleted function already retired everything it held.
      if (!this.#isCurrent(entry)) return;
      // Work to track only when this was the revision's last holder (an update replaced it meanwhile): not per call.
      const retiring = this.#lifecycle.letGo(entry, prepared.revision.id);
      if (retiring) this.#preparation.track(entry.record.functionName, retiring);
    };
  }

  /**
   * The backend handle a qualifier serves now, if the function is Active: LATEST's serving revision, or the version a
   * version id or alias (its main version) names. Throws VersionNotFound / AliasNotFound for an unknown qualifier.
   */
  preparedFor(name: string, qualifier: string): PreparedRevision | undefined {
    const entry = this.#functions.get(name);
    if (!entry || entry.record.state !== 'Active') return undefined;
    const version = qualifier === 'LATEST' ? undefined : entry.versions.resolveStatic(qualifier);
    const held = version ? entry.refs.get(version.revision.id) : entry.prepared;
    return held && version ? servingVersion(held, version.versionId) : held;
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
    const fn = entry.record;
    // What a version would snapshot is still being prepared (docs/behaviour.md: UNCERTAIN, as FC's rule is not documented).
    if (fn.preparing?.kind === 'update') throw errors.concurrentUpdate(name, 'An update is in progress (lastUpdateStatus: InProgress)');
    if (fn.state === 'Pending') throw errors.concurrentUpdate(name, `The function is in state Pending (stateReasonCode: ${fn.stateReasonCode ?? ReasonCode.Creating})`);
    if (fn.state !== 'Active' || !entry.prepared) {
      throw errors.preconditionFailed('FunctionNotActive', `The function '${name}' cannot be published now: it is in state ${fn.state}${fn.stateReasonCode ? ` (stateReasonCode: ${fn.stateReasonCode})` : ''}; a version can only be published while it is Active`);
    }
    const version = entry.versions.publish(entry.prepared.revision, description);
    this.#lifecycle.hold(entry, entry.prepared);
    this.note(name, 'note', 'version.published', { versionId: version.versionId, revision: version.revision.id });
    return version;
  }

  async deleteVersion(name: string, versionId: string): Promise<void> {
    const entry = this.#entry(name);
    const version = entry.versions.remove(versionId);
    this.note(name, 'note', 'version.deleted', { versionId });
    await this.#lifecycle.letGo(entry, version.revision.id);
  }

  /** Fault lookup for a function: engine rules first, then the function's own reserved tags/env. */
  /** `requestId`: the call the fault acts on, named in the timeline's entry. */
  takeFault(name: string, phase: FaultPhase, extra: { operation?: string; qualifier?: string } = {}, requestId?: string): FaultRule | undefined {
    const entry = this.#functions.get(name);
    const rev = entry ? this.shown(entry.record) : undefined;
    const own = entry && rev ? ownFaults(entry.record.tags, rev.config.environmentVariables) : [];
    const rule = this.deps.faults.take({ phase, functionName: name, ...extra }, own);
    if (rule && entry) this.note(name, 'fault', `fault.${phase}`, requestId ? { requestId, rule: rule.id, source: rule.source, effect: rule.effect } : { rule: rule.id, source: rule.source, effect: rule.effect });
    return rule;
  }

  /** A function's timeline, or else the latest deleted one's of that name (until reset). */
  timeline(name: string): TimelineEntry[] {
    const entry = this.#functions.get(name);
    if (entry) return shownTimeline(entry);
    const gone = this.#deleted.latest(name);
    if (gone) return recentEntries(gone.timeline);
    throw errors.functionNotFound(name);
  }

  /** The latest deleted function of this name, when no function of that name exists now (its timeline is the one shown). */
  deleted(name: string): DeletedFunction | undefined {
    return this.#functions.has(name) ? undefined : this.#deleted.latest(name);
  }

  /** Every deleted function whose timeline is kept, the oldest deletion first; names can repeat. */
  deletedFunctions(): readonly DeletedFunction[] {
    return this.#deleted.list();
  }

  note(name: string, kind: TimelineEntry['kind'], event: string, detail?: Record<string, unknown>): void {
    const entry = this.#functions.get(name);
    if (!entry) return;
    const at = this.deps.clock.now();
    addToTimeline(entry, detail ? { at, kind, event, detail } : { at, kind, event });
  }

  /** Admin (or an `inactive` fault): put a function Inactive or Failed as if time or the cloud had done it. */
  force(name: string, event: Extract<StateEvent, { type: 'idle' | 'invalidate' }>): FunctionRecord {
    const entry = this.#entry(name);
    const done = this.#lifecycle.dispatch(entry, event);
    if (!done.ok && event.type === 'idle') throw errors.preconditionFailed('InvalidState', `function '${name}' is ${entry.record.state}${entry.record.preparing ? ' and being prepared' : ''}; only an Active function can go Inactive`);
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
    await this.#preparation.quiesce();
  }

  async reset(): Promise<void> {
    const names = [...this.#functions.keys()];
    await Promise.all(names.map((n) => this.delete(n).catch(() => undefined)));
    this.#deleted.clear();
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
      const entry = newEntry(record, this.deps.clock, this.#random, this.deps.onStateChanged);
      entry.versions.importState(saved.versions);
      this.#functions.set(record.functionName, entry);
      for (const version of entry.versions.all()) {
        const held = entry.refs.get(version.revision.id);
        if (held) this.#lifecycle.hold(entry, held);
        const result = held ? undefined : await this.#preparation.prepareVersion(record, version.revision);
        if (result?.ok) this.#lifecycle.hold(entry, result.prepared);
        else if (result) this.note(record.functionName, 'note', 'version.restoreFailed', { versionId: version.versionId, code: result.code, reason: result.reason });
      }
      this.#lifecycle.dispatch(entry, { type: 'restore' });
    }
  }

  /** Dispatches an event the caller's request asked for; waits for its effects' work (a preparation with nothing to wait for). */
  async #dispatch(entry: FunctionEntry, event: StateEvent): Promise<void> {
    const done = this.#lifecycle.dispatch(entry, event);
    if (!done.ok) throw errors.concurrentUpdate(entry.record.functionName, `The function cannot take ${event.type} now: ${done.why}`);
    await done.done;
  }

  async #retire(prepared: PreparedRevision): Promise<void> {
    await this.deps.onRevisionRetired?.(prepared).catch(() => undefined);
    await this.deps.backend.release(prepared).catch(() => undefined);
  }

  #isCurrent(entry: FunctionEntry): boolean {
    return this.#functions.get(entry.record.functionName) === entry;
  }

  #entry(name: string): FunctionEntry {
    const e = this.#functions.get(name);
    if (!e) throw errors.functionNotFound(name);
    return e;
  }
}
