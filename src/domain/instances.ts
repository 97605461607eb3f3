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
  /** Fault lookup for the cold-start and initializer phases (latency, error, crash). */
  readonly fault?: (prepared: PreparedRevision, phase: 'coldStart' | 'initializer') => FaultRule | undefined;
}

export interface InstanceInfo {
  readonly instanceId: string;
  readonly revisionKey: string;
  readonly busy: number;
  readonly createdTimeMs: number;
}

export class InstancePool {
  readonly #byRevision = new Map<string, PooledInstance[]>();

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
      if (warm.busy === 1) await this.backend.thaw(warm.instance);
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
    await this.backend.freeze(pooled.instance);
    pooled.reclaimTimer = this.clock.setTimer(this.options.instanceIdleMs, `reclaim instance ${pooled.instance.id}`, () => {
      void this.#destroy(key, pooled, true);
    });
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
  }

  async drainAll(): Promise<void> {
    await Promise.all([...this.#byRevision.keys()].map((k) => this.drain(k)));
  }

  list(keyPrefix?: string): InstanceInfo[] {
    const out: InstanceInfo[] = [];
    for (const [key, list] of this.#byRevision) {
      if (keyPrefix && !key.startsWith(keyPrefix)) continue;
      for (const p of list) out.push({ instanceId: p.instance.id, revisionKey: key, busy: p.busy, createdTimeMs: p.createdAt });
    }
    return out;
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
