/**
 * @module
 * The instance pool: reuses warm instances of a revision, cold-starts one when all are busy, calls the initializer once
 * per instance, freezes instances between invocations and reclaims them after an idle period (clock timers).
 */
import { type Backend, BackendError, type BackendInstance, type InvocationRequest, type InvocationResult, type PreparedRevision } from '../backends/backend.ts';
import { type Clock, sleep } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { errors } from './errors.ts';
import type { FaultRule } from './faults.ts';

interface PooledInstance {
  instance: BackendInstance;
  /** Resolves once the cold start finished; requests that picked a starting instance wait for it. */
  readonly ready: Promise<void>;
  busy: number;
  initialized?: Promise<void>;
  reclaimTimer?: number;
  readonly createdAt: number;
}

export interface PoolOptions {
  /** Idle instances are stopped after this long (clock time). */
  readonly instanceIdleMs: number;
  /** Most instances one revision may run at once; beyond it invocations are throttled. */
  readonly maxInstancesPerFunction: number;
  /** Freeze idle instances (SIGSTOP / docker pause) as FC does; `false` leaves them running between invocations. */
  readonly freeze?: boolean;
  /** Fault lookup for the cold-start and initializer phases (latency, error, crash). */
  readonly fault?: (prepared: PreparedRevision, phase: 'coldStart' | 'initializer') => FaultRule | undefined;
}

export interface InstanceInfo {
  readonly instanceId: string;
  readonly revisionKey: string;
  readonly busy: number;
  readonly createdTimeMs: number;
  /** The process id (process backend) or container id (docker backend) behind the instance. */
  readonly pid?: number;
  readonly containerId?: string;
}

export class InstancePool {
  readonly #byRevision = new Map<string, PooledInstance[]>();
  /** Provisioned minimum per revision: that many instances are kept started and never reclaimed. */
  readonly #warm = new Map<string, number>();

  constructor(
    private readonly backend: Backend,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly options: PoolOptions,
  ) {}

  async invoke(prepared: PreparedRevision, req: InvocationRequest): Promise<InvocationResult & { instanceId: string; coldStart: boolean }> {
    const { pooled, coldStart } = await this.#acquire(prepared);
    try {
      // The initializer runs once per instance; concurrent first requests wait for the same run.
      pooled.initialized ??= (async () => {
        const hook = prepared.config.instanceLifecycleConfig?.initializer;
        if (!(hook?.handler || hook?.command?.length)) return;
        await this.#injectFault(prepared, 'initializer', 'InitializationError');
        await this.backend.initialize(pooled.instance, (hook.timeout ?? 3) * 1000);
      })();
      await pooled.initialized;
      const result = await this.backend.invoke(pooled.instance, req);
      // The caller gets the failure as the result; the dead instance is not reused, so the next call cold-starts anew.
      if (result.instanceLost) await this.#destroy(prepared.key, pooled, false);
      return { ...result, instanceId: pooled.instance.id, coldStart };
    } catch (e) {
      // An instance whose initializer or request failed badly is not reused.
      await this.#destroy(prepared.key, pooled, false);
      throw e;
    } finally {
      pooled.busy--;
      if (pooled.busy === 0 && this.#list(prepared.key).includes(pooled)) await this.#park(prepared.key, pooled);
    }
  }

  async #acquire(prepared: PreparedRevision): Promise<{ pooled: PooledInstance; coldStart: boolean }> {
    const list = this.#list(prepared.key);
    const concurrency = Math.max(1, prepared.config.instanceConcurrency);
    // A starting instance counts with its full capacity, so a burst starts ceil(burst / concurrency) instances, as FC scales.
    const warm = list.find((p) => p.busy < concurrency);
    if (warm) {
      warm.busy++;
      if (warm.reclaimTimer !== undefined) this.clock.clearTimer(warm.reclaimTimer);
      delete warm.reclaimTimer;
      await warm.ready;
      if (warm.busy === 1 && this.options.freeze !== false) await this.backend.thaw(warm.instance);
      return { pooled: warm, coldStart: false };
    }
    if (list.length >= this.options.maxInstancesPerFunction) {
      throw errors.throttled(`Reserve resource exceeded limit: function '${prepared.fn.functionName}' already runs ${list.length} instances`);
    }
    let started!: (i: BackendInstance) => void;
    let failed!: (e: unknown) => void;
    const ready = new Promise<BackendInstance>((resolve, reject) => ((started = resolve), (failed = reject)));
    const pooled: PooledInstance = { instance: undefined as unknown as BackendInstance, ready: ready.then(() => undefined), busy: 1, createdAt: this.clock.now() };
    void pooled.ready.catch(() => undefined);
    list.push(pooled);
    try {
      await this.#injectFault(prepared, 'coldStart', 'CAExited');
      pooled.instance = await this.backend.startInstance(prepared, `c-${this.ids.shortId()}`);
      started(pooled.instance);
    } catch (e) {
      list.splice(list.indexOf(pooled), 1);
      failed(e);
      throw e;
    }
    return { pooled, coldStart: true };
  }

  /** Applies a cold-start/initializer fault as the real failure would surface: slower, or failing with a reason code. */
  async #injectFault(prepared: PreparedRevision, phase: 'coldStart' | 'initializer', defaultCode: string): Promise<void> {
    const rule = this.options.fault?.(prepared, phase);
    if (!rule) return;
    const { effect } = rule;
    if (effect.type === 'latency') await sleep(this.clock, effect.ms, `${phase} latency fault`);
    if (effect.type === 'error' || effect.type === 'crash') {
      const code = effect.type === 'error' ? effect.code : defaultCode;
      const message = (effect.type === 'error' && effect.message) || `injected ${phase} failure (${code}) by fault rule ${rule.id}`;
      throw new BackendError(code, message, effect.type === 'error' ? (effect.status ?? 502) : 502);
    }
  }

  async #park(key: string, pooled: PooledInstance): Promise<void> {
    if (this.options.freeze !== false) await this.backend.freeze(pooled.instance);
    pooled.reclaimTimer = this.clock.setTimer(this.options.instanceIdleMs, `reclaim instance ${pooled.instance.id}`, () => {
      delete pooled.reclaimTimer;
      // Provisioned instances stay: reclaim only what exceeds the revision's warm minimum.
      if (this.#list(key).length <= (this.#warm.get(key) ?? 0)) return;
      void this.#destroy(key, pooled, true);
    });
  }

  /**
   * Keeps `count` instances of a revision started (frozen while idle, not reclaimed): provisioned / minimum instances.
   * Cold-starts the missing ones and resolves when they are up; a lower count lets the surplus idle out as usual.
   * Returns how many are running and the last start failure, if any (ProvisionConfig's current / currentError).
   */
  async ensureWarm(prepared: PreparedRevision, count: number): Promise<{ current: number; error?: string }> {
    const key = prepared.key;
    const list = this.#list(key);
    if (count > 0) this.#warm.set(key, count);
    else this.#warm.delete(key);
    for (const p of list) {
      if (p.busy === 0 && p.instance && p.reclaimTimer === undefined && list.length > count) await this.#park(key, p);
    }
    const missing = Math.min(count, this.options.maxInstancesPerFunction) - list.length;
    let error: string | undefined;
    await Promise.all(Array.from({ length: Math.max(0, missing) }, async () => {
      let started!: () => void;
      let failed!: (e: unknown) => void;
      const ready = new Promise<void>((resolve, reject) => ((started = resolve), (failed = reject)));
      void ready.catch(() => undefined);
      const pooled: PooledInstance = { instance: undefined as unknown as BackendInstance, ready, busy: 0, createdAt: this.clock.now() };
      list.push(pooled);
      try {
        await this.#injectFault(prepared, 'coldStart', 'CAExited');
        pooled.instance = await this.backend.startInstance(prepared, `c-${this.ids.shortId()}`);
        started();
        // A request may have picked it up while it started; it parks itself when done.
        if (pooled.busy === 0 && this.options.freeze !== false) await this.backend.freeze(pooled.instance);
      } catch (e) {
        const i = list.indexOf(pooled);
        if (i >= 0) list.splice(i, 1);
        failed(e);
        error = e instanceof Error ? e.message : String(e);
      }
    }));
    return { current: list.filter((p) => p.instance).length, ...(error ? { error } : {}) };
  }

  async #destroy(key: string, pooled: PooledInstance, preStop: boolean): Promise<void> {
    const list = this.#list(key);
    const i = list.indexOf(pooled);
    if (i >= 0) list.splice(i, 1);
    if (pooled.reclaimTimer !== undefined) this.clock.clearTimer(pooled.reclaimTimer);
    const hook = pooled.instance.prepared.config.instanceLifecycleConfig?.preStop;
    await this.backend
      .stopInstance(pooled.instance, { preStop: preStop && Boolean(hook?.handler || hook?.command?.length), timeoutMs: (hook?.timeout ?? 3) * 1000 })
      .catch(() => undefined);
  }

  /** Stops every instance of a revision (function deleted or revision replaced). */
  async drain(key: string): Promise<void> {
    const list = [...this.#list(key)];
    await Promise.all(list.map((p) => this.#destroy(key, p, true)));
    this.#byRevision.delete(key);
    this.#warm.delete(key);
  }

  async drainAll(): Promise<void> {
    await Promise.all([...this.#byRevision.keys()].map((k) => this.drain(k)));
  }

  list(keyPrefix?: string): InstanceInfo[] {
    const out: InstanceInfo[] = [];
    for (const [key, list] of this.#byRevision) {
      if (keyPrefix && !key.startsWith(keyPrefix)) continue;
      // An instance still cold-starting has no id yet.
      for (const p of list) if (p.instance) out.push({ instanceId: p.instance.id, revisionKey: key, busy: p.busy, createdTimeMs: p.createdAt });
    }
    return out;
  }

  /** One function's started instances, with the revision each runs (admin API). */
  ofFunction(functionName: string): Array<InstanceInfo & { readonly revisionId: number }> {
    return [...this.#byRevision.entries()].flatMap(([key, list]) =>
      list
        .filter((p) => p.instance?.prepared.fn.functionName === functionName)
        .map((p) => ({
          instanceId: p.instance.id, revisionKey: key, revisionId: p.instance.prepared.revision.id, busy: p.busy, createdTimeMs: p.createdAt,
          ...(p.instance.pid !== undefined ? { pid: p.instance.pid } : {}),
          ...(p.instance.containerId ? { containerId: p.instance.containerId } : {}),
        })),
    );
  }

  /** The backend's recent output of one of a function's instances; undefined when it has no such instance. */
  instanceLogs(functionName: string, instanceId: string): string | undefined {
    for (const list of this.#byRevision.values()) {
      const p = list.find((x) => x.instance?.id === instanceId && x.instance.prepared.fn.functionName === functionName);
      if (p) return this.backend.instanceLogs(p.instance);
    }
    return undefined;
  }

  #list(key: string): PooledInstance[] {
    let list = this.#byRevision.get(key);
    if (!list) {
      list = [];
      this.#byRevision.set(key, list);
    }
    return list;
  }
}
