/**
 * @module
 * Provision configs (PutProvisionConfig) and scaling configs (PutScalingConfig) per function and qualifier: stored as
 * given, and their minimum (provision target / minInstances, whichever is larger) kept warm by the instance pool on
 * the revision the qualifier serves. A scaling config's `scheduledPolicies` move its target on the clock (one timer
 * per config, at the next change); provision schedules and tracking policies are stored and returned, not evaluated.
 */
import type { Clock } from '../clock.ts';
import { errors } from './errors.ts';
import type { FunctionService } from './functions.ts';
import type { InstancePool } from './instances.ts';
import { type ScheduledPolicy, ScheduleError, compilePolicies, nextChangeAfter, targetAt } from './scaling-schedule.ts';
import { type Page, pageByKey } from './paging.ts';

export interface ProvisionInput {
  readonly target?: number;
  readonly defaultTarget?: number;
  readonly alwaysAllocateCPU?: boolean;
  readonly alwaysAllocateGPU?: boolean;
  readonly scheduledActions?: readonly Record<string, unknown>[];
  readonly targetTrackingPolicies?: readonly Record<string, unknown>[];
}

export interface ScalingInput {
  readonly minInstances?: number;
  readonly enableMixMode?: boolean;
  readonly enableOnDemandScaling?: boolean;
  readonly horizontalScalingPolicies?: readonly Record<string, unknown>[];
  readonly scheduledPolicies?: readonly Record<string, unknown>[];
  readonly requestDispatchPolicy?: string;
  readonly residentPoolId?: string;
}

export interface ConfigKey {
  readonly functionName: string;
  readonly qualifier: string;
}

/** What the pool reported on the last reconcile: instances running for the serving revision, the last start failure. */
interface WarmStatus {
  readonly running: number;
  readonly error?: string;
}

export interface ProvisionView extends ConfigKey, ProvisionInput {
  readonly functionArn: string;
  readonly target: number;
  readonly current: number;
  readonly currentError?: string;
}

export interface ScalingView extends ConfigKey, ScalingInput {
  readonly functionArn: string;
  readonly minInstances: number;
  readonly currentInstances: number;
  readonly targetInstances: number;
  readonly currentError?: string;
}

export type { Page } from './paging.ts';

export interface ProvisioningState {
  readonly provision: ReadonlyArray<ConfigKey & { input: ProvisionInput }>;
  readonly scaling: ReadonlyArray<ConfigKey & { input: ScalingInput }>;
}

const keyOf = (k: ConfigKey): string => `${k.functionName}/${k.qualifier}`;

export class ProvisioningService {
  readonly #provision = new Map<string, ConfigKey & { input: ProvisionInput }>();
  readonly #scaling = new Map<string, ConfigKey & { input: ScalingInput }>();
  readonly #status = new Map<string, WarmStatus>();
  /** Scaling config key → its compiled scheduled policies (only configs that have some). */
  readonly #schedules = new Map<string, readonly ScheduledPolicy[]>();
  /** Scaling config key → the clock timer of its next scheduled change. */
  readonly #timers = new Map<string, number>();
  /** Warm-ups started by timers, awaited by close(). */
  readonly #running = new Set<Promise<void>>();
  #closed = false;

  constructor(private readonly deps: { readonly functions: FunctionService; readonly pool: InstancePool; readonly clock: Clock }) {}

  /** Persistence: the configs as put; instances are warmed again by reconcile once functions are Active. */
  exportState(): ProvisioningState {
    return { provision: [...this.#provision.values()], scaling: [...this.#scaling.values()] };
  }

  importState(state: ProvisioningState): void {
    for (const p of state.provision) this.#provision.set(keyOf(p), p);
    for (const s of state.scaling) {
      this.#scaling.set(keyOf(s), s);
      try {
        this.#schedule(s, compilePolicies(s.input.scheduledPolicies));
      } catch {
        // Only state saved before policies were validated can get here: keep the config, without its schedule.
      }
    }
  }

  // ---- provision configs ----

  async putProvision(k: ConfigKey, input: ProvisionInput): Promise<ProvisionView> {
    this.#checkQualifier(k);
    if (input.targetTrackingPolicies?.length) {
      const log = this.deps.functions.shownFor(k.functionName, k.qualifier).config.passthrough.logConfig as { enableInstanceMetrics?: unknown } | undefined;
      if (log?.enableInstanceMetrics !== true) throw errors.instanceMetricsRequired();
    }
    this.#provision.set(keyOf(k), { ...k, input });
    await this.reconcile(k.functionName);
    return this.#provisionView(k);
  }

  /** The config of an existing function's qualifier, or undefined when it has none (not an error: see the route). */
  async findProvision(k: ConfigKey): Promise<ProvisionView | undefined> {
    this.deps.functions.get(k.functionName);
    if (!this.#provision.has(keyOf(k))) return undefined;
    await this.reconcile(k.functionName);
    return this.#provisionView(k);
  }

  async deleteProvision(k: ConfigKey): Promise<void> {
    this.deps.functions.get(k.functionName);
    if (!this.#provision.delete(keyOf(k))) throw errors.provisionConfigNotFound(k.functionName, k.qualifier);
    await this.#warm(k);
  }

  async listProvision(opts: { functionName?: string; limit?: number; nextToken?: string }): Promise<Page<ProvisionView>> {
    return this.#page(this.#provision, opts, (k) => this.#provisionView(k));
  }

  // ---- scaling configs ----

  async putScaling(k: ConfigKey, input: ScalingInput): Promise<ScalingView> {
    this.#checkQualifier(k);
    let policies: ScheduledPolicy[];
    try {
      policies = compilePolicies(input.scheduledPolicies);
    } catch (e) {
      if (e instanceof ScheduleError) throw errors.invalidArgument(e.message);
      throw e;
    }
    this.#scaling.set(keyOf(k), { ...k, input });
    this.#schedule(k, policies);
    await this.reconcile(k.functionName);
    return this.#scalingView(k);
  }

  async getScaling(k: ConfigKey): Promise<ScalingView> {
    this.deps.functions.get(k.functionName);
    if (!this.#scaling.has(keyOf(k))) throw errors.scalingConfigNotFound(k.functionName, k.qualifier);
    await this.reconcile(k.functionName);
    return this.#scalingView(k);
  }

  async deleteScaling(k: ConfigKey): Promise<void> {
    this.deps.functions.get(k.functionName);
    if (!this.#scaling.delete(keyOf(k))) throw errors.scalingConfigNotFound(k.functionName, k.qualifier);
    this.#schedule(k, []);
    await this.#warm(k);
  }

  async listScaling(opts: { functionName?: string; limit?: number; nextToken?: string }): Promise<Page<ScalingView>> {
    return this.#page(this.#scaling, opts, (k) => this.#scalingView(k));
  }

  // ---- keeping instances warm ----

  /**
   * Brings each configured qualifier of a function to its minimum on the revision it serves now. Called on put/delete,
   * after a revision is retired (an update went live), before invocations and on reads, so a function that became
   * Active since is caught up before anyone can observe or use it.
   */
  /** Whether any provision or scaling config exists: without one, reconcile() has nothing to do. */
  hasConfigs(): boolean {
    return this.#provision.size > 0 || this.#scaling.size > 0;
  }

  async reconcile(functionName: string): Promise<void> {
    const qualifiers = new Set<string>();
    for (const c of [...this.#provision.values(), ...this.#scaling.values()]) if (c.functionName === functionName) qualifiers.add(c.qualifier);
    await Promise.all([...qualifiers].map((qualifier) => this.#warm({ functionName, qualifier })));
  }

  /** One qualifier to its current minimum (0 after its last config went: the instances may idle out again). */
  async #warm(k: ConfigKey): Promise<void> {
    const prepared = this.#serving(k);
    if (!prepared) {
      this.#status.set(keyOf(k), { running: 0 });
      return;
    }
    const r = await this.deps.pool.ensureWarm(prepared, this.#minimum(k));
    this.#status.set(keyOf(k), { running: r.current, ...(r.error ? { error: r.error } : {}) });
  }

  /**
   * FC refuses DeleteFunction while provisioned or resident instances are configured for any qualifier (Serverless
   * Devs deletes them, polls until none run, and retries DeleteFunction on these codes). A config at 0 holds nothing.
   */
  assertNothingResident(functionName: string): void {
    const qualifiersWhere = <T>(map: Map<string, ConfigKey & { input: T }>, holds: (c: ConfigKey & { input: T }) => boolean) =>
      [...map.values()].filter((c) => c.functionName === functionName && holds(c)).map((c) => c.qualifier);
    const provisioned = qualifiersWhere(this.#provision, (c) => targetOf(c.input) > 0);
    if (provisioned.length > 0) throw errors.provisionConfigExist(functionName, provisioned);
    const resident = qualifiersWhere(this.#scaling, (c) => this.#scalingTarget(c) > 0);
    if (resident.length > 0) throw errors.residentScalingConfigExists(functionName, resident);
  }

  /** A config of any qualifier asks for instances now (a provision target or a scaling minimum above 0). */
  keepsInstances(functionName: string): boolean {
    for (const c of this.#provision.values()) if (c.functionName === functionName && targetOf(c.input) > 0) return true;
    for (const c of this.#scaling.values()) if (c.functionName === functionName && this.#scalingTarget(c) > 0) return true;
    return false;
  }

  /** The function is gone: so are its configs (its instances went with its revisions). */
  forget(functionName: string): void {
    for (const s of [...this.#scaling.values()]) if (s.functionName === functionName) this.#schedule(s, []);
    for (const map of [this.#provision, this.#scaling, this.#status]) {
      for (const key of [...map.keys()]) if (key.startsWith(`${functionName}/`)) map.delete(key);
    }
  }

  reset(): void {
    for (const s of [...this.#scaling.values()]) this.#schedule(s, []);
    this.#provision.clear();
    this.#scaling.clear();
    this.#status.clear();
  }

  /** Shutdown: no scheduled change fires any more; waits for warm-ups already started by one. */
  async close(): Promise<void> {
    this.#closed = true;
    for (const id of this.#timers.values()) this.deps.clock.clearTimer(id);
    this.#timers.clear();
    await Promise.all([...this.#running]);
  }

  // ---- scheduled policies ----

  /** Replaces a scaling config's policies and arms a timer for their next change ([] disarms). */
  #schedule(k: ConfigKey, policies: readonly ScheduledPolicy[]): void {
    const key = keyOf(k);
    if (policies.length > 0) this.#schedules.set(key, policies);
    else this.#schedules.delete(key);
    this.#arm(k);
  }

  #arm(k: ConfigKey): void {
    const key = keyOf(k);
    const old = this.#timers.get(key);
    if (old !== undefined) this.deps.clock.clearTimer(old);
    this.#timers.delete(key);
    const policies = this.#schedules.get(key);
    if (this.#closed || !policies) return;
    const now = this.deps.clock.now();
    const next = nextChangeAfter(policies, now);
    if (next === undefined) return;
    this.#timers.set(key, this.deps.clock.setTimer(next - now, `scaling schedule ${key}`, () => {
      this.#timers.delete(key);
      // Re-arm first, so the next change is pending however long this warm-up takes.
      this.#arm(k);
      const run = this.#warm(k).catch(() => undefined).finally(() => this.#running.delete(run));
      this.#running.add(run);
    }));
  }

  /** The scaling config's target now: its scheduled policy in effect, else minInstances. */
  #scalingTarget(k: ConfigKey): number {
    const input = this.#scaling.get(keyOf(k))?.input;
    if (!input) return 0;
    const base = input.minInstances ?? 0;
    const policies = this.#schedules.get(keyOf(k));
    return policies ? targetAt(policies, base, this.deps.clock.now()) : base;
  }

  #minimum(k: ConfigKey): number {
    const p = this.#provision.get(keyOf(k))?.input;
    return Math.max(p ? targetOf(p) : 0, this.#scalingTarget(k));
  }

  /** The backend handle the qualifier serves right now, if the function is Active. */
  #serving(k: ConfigKey) {
    try {
      return this.deps.functions.preparedFor(k.functionName, k.qualifier);
    } catch {
      return undefined; // the version or alias was deleted since
    }
  }

  #checkQualifier(k: ConfigKey): void {
    this.deps.functions.get(k.functionName);
    // The definition's provision and scaling qualifier is "the function alias" (FC's PutProvisionConfig page: "The
    // function alias or LATEST"), never a version as for triggers and async configs.
    if (/^\d+$/.test(k.qualifier)) throw errors.invalidArgument(`qualifier '${k.qualifier}' is a version: provision and scaling configs take an alias or LATEST`);
    // An unknown version or alias fails as the cloud's VersionNotFound / AliasNotFound.
    if (k.qualifier !== 'LATEST') this.deps.functions.versions(k.functionName).resolveStatic(k.qualifier);
  }

  #arn(k: ConfigKey): string {
    return `${this.deps.functions.get(k.functionName).functionArn}/${k.qualifier}`;
  }

  #provisionView(k: ConfigKey): ProvisionView {
    const input = this.#provision.get(keyOf(k))!.input;
    const target = targetOf(input);
    const status = this.#status.get(keyOf(k)) ?? { running: 0 };
    return {
      functionName: k.functionName, qualifier: k.qualifier, ...input, functionArn: this.#arn(k), target, current: Math.min(target, status.running),
      ...(status.error ? { currentError: status.error } : {}),
    };
  }

  #scalingView(k: ConfigKey): ScalingView {
    const input = this.#scaling.get(keyOf(k))!.input;
    const min = input.minInstances ?? 0;
    const target = this.#scalingTarget(k);
    const status = this.#status.get(keyOf(k)) ?? { running: 0 };
    return {
      functionName: k.functionName, qualifier: k.qualifier, ...input, functionArn: this.#arn(k), minInstances: min, targetInstances: target, currentInstances: Math.min(target, status.running),
      ...(status.error ? { currentError: status.error } : {}),
    };
  }

  async #page<T>(map: Map<string, ConfigKey>, opts: { functionName?: string; limit?: number; nextToken?: string }, view: (k: ConfigKey) => T): Promise<Page<T>> {
    const keys = [...map.keys()].filter((key) => !opts.functionName || map.get(key)!.functionName === opts.functionName);
    const { items, nextToken } = pageByKey(keys, (key) => key, { nextToken: opts.nextToken, limit: opts.limit });
    // Only the configs shown need their instance counts brought up to date.
    for (const name of new Set(items.map((key) => map.get(key)!.functionName))) await this.reconcile(name);
    const page = items.map((key) => view(map.get(key)!));
    return nextToken ? { items: page, nextToken } : { items: page };
  }
}

/** `defaultTarget` supersedes the deprecated `target` (what applies when no scheduled action does). */
function targetOf(p: ProvisionInput): number {
  return p.defaultTarget ?? p.target ?? 0;
}
