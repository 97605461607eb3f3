/**
 * @module
 * Provision configs (PutProvisionConfig) and scaling configs (PutScalingConfig) per function and qualifier: stored as
 * given, and their minimum (provision target / minInstances, whichever is larger) kept warm by the instance pool on
 * the revision the qualifier serves. Schedules and tracking policies are stored and returned, not evaluated.
 */
import { errors } from './errors.ts';
import type { FunctionService } from './functions.ts';
import type { InstancePool } from './instances.ts';
import type { PreparedIndex } from './prepared-index.ts';

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

export interface Page<T> {
  readonly items: T[];
  readonly nextToken?: string;
}

export interface ProvisioningState {
  readonly provision: ReadonlyArray<ConfigKey & { input: ProvisionInput }>;
  readonly scaling: ReadonlyArray<ConfigKey & { input: ScalingInput }>;
}

const keyOf = (k: ConfigKey): string => `${k.functionName}/${k.qualifier}`;

export class ProvisioningService {
  readonly #provision = new Map<string, ConfigKey & { input: ProvisionInput }>();
  readonly #scaling = new Map<string, ConfigKey & { input: ScalingInput }>();
  readonly #status = new Map<string, WarmStatus>();

  constructor(private readonly deps: { readonly functions: FunctionService; readonly pool: InstancePool; readonly index: PreparedIndex }) {}

  /** Persistence: the configs as put; instances are warmed again by reconcile once functions are Active. */
  exportState(): ProvisioningState {
    return { provision: [...this.#provision.values()], scaling: [...this.#scaling.values()] };
  }

  importState(state: ProvisioningState): void {
    for (const p of state.provision) this.#provision.set(keyOf(p), p);
    for (const s of state.scaling) this.#scaling.set(keyOf(s), s);
  }

  // ---- provision configs ----

  async putProvision(k: ConfigKey, input: ProvisionInput): Promise<ProvisionView> {
    this.#checkQualifier(k);
    this.#provision.set(keyOf(k), { ...k, input });
    await this.reconcile(k.functionName);
    return this.#provisionView(k);
  }

  async getProvision(k: ConfigKey): Promise<ProvisionView> {
    this.deps.functions.get(k.functionName);
    if (!this.#provision.has(keyOf(k))) throw errors.provisionConfigNotFound(k.functionName, k.qualifier);
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
    this.#scaling.set(keyOf(k), { ...k, input });
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

  /** The function is gone: so are its configs (its instances went with its revisions). */
  forget(functionName: string): void {
    for (const map of [this.#provision, this.#scaling, this.#status]) {
      for (const key of [...map.keys()]) if (key.startsWith(`${functionName}/`)) map.delete(key);
    }
  }

  reset(): void {
    this.#provision.clear();
    this.#scaling.clear();
    this.#status.clear();
  }

  #minimum(k: ConfigKey): number {
    const p = this.#provision.get(keyOf(k))?.input;
    const s = this.#scaling.get(keyOf(k))?.input;
    return Math.max(p ? targetOf(p) : 0, s?.minInstances ?? 0);
  }

  /** The backend handle the qualifier serves right now, if the function is Active. */
  #serving(k: ConfigKey) {
    const fns = this.deps.functions;
    let record;
    try {
      record = fns.get(k.functionName);
    } catch {
      return undefined;
    }
    if (record.state !== 'Active' || !record.serving) return undefined;
    let revisionId = record.serving.id;
    if (k.qualifier !== 'LATEST') {
      try {
        const version = fns.versions(k.functionName).resolveStatic(k.qualifier);
        if (version) revisionId = version.revision.id;
      } catch {
        return undefined; // the version or alias was deleted since
      }
    }
    return this.deps.index.find(k.functionName, revisionId);
  }

  #checkQualifier(k: ConfigKey): void {
    this.deps.functions.get(k.functionName);
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
      ...k, ...input, functionArn: this.#arn(k), target, current: Math.min(target, status.running),
      ...(status.error ? { currentError: status.error } : {}),
    };
  }

  #scalingView(k: ConfigKey): ScalingView {
    const input = this.#scaling.get(keyOf(k))!.input;
    const min = input.minInstances ?? 0;
    const status = this.#status.get(keyOf(k)) ?? { running: 0 };
    return {
      ...k, ...input, functionArn: this.#arn(k), minInstances: min, targetInstances: min, currentInstances: Math.min(min, status.running),
      ...(status.error ? { currentError: status.error } : {}),
    };
  }

  async #page<T>(map: Map<string, ConfigKey>, opts: { functionName?: string; limit?: number; nextToken?: string }, view: (k: ConfigKey) => T): Promise<Page<T>> {
    const keys = [...map.keys()]
      .filter((key) => !opts.functionName || map.get(key)!.functionName === opts.functionName)
      .filter((key) => !opts.nextToken || key >= opts.nextToken)
      .sort();
    const names = new Set(keys.map((key) => map.get(key)!.functionName));
    for (const name of names) await this.reconcile(name);
    const limit = opts.limit ?? 20;
    const page = keys.slice(0, limit).map((key) => view(map.get(key)!));
    const next = keys[limit];
    return next ? { items: page, nextToken: next } : { items: page };
  }
}

/** `defaultTarget` supersedes the deprecated `target` (what applies when no scheduled action does). */
function targetOf(p: ProvisionInput): number {
  return p.defaultTarget ?? p.target ?? 0;
}
