/**
 * @module
 * The instance pool: reuses warm instances of a revision, cold-starts one when all are busy, calls the initializer once
 * per instance, freezes instances between invocations and reclaims them after an idle period (clock timers). Instances
 * of functions with a health check are probed periodically (instance-health.ts) and skipped while unhealthy.
 * It runs the cold start in FC's order from the backend's steps: start the instance until it listens (within the
 * start-up timeout), then, with a health check, the initializer and the start-up probe. Every bound is on the clock.
 */
import { type Backend, BackendError, type BackendInstance, type InvocationDeadline, type InvocationRequest, type InvocationResult, type NowOrLater, type PreparedRevision, type StartInstanceOptions } from './ports/backend.ts';
import { type Clock, moved } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import { BackgroundWork } from './background-work.ts';
import { DeadlineGroup, type GroupedDeadline } from './deadline-group.ts';
import { FcError, errors } from './errors.ts';
import type { FaultRule } from './faults/engine.ts';
import { applyFault } from './faults/effects.ts';
import { HealthCycle, type HealthStatus, STARTUP_TIMEOUT_MS, startupProbe } from './instance-health.ts';
import { type FunctionConfig, healthCheckOf, isContainer, lifecycleHook, requestsPerInstance } from './model.ts';
import { InstanceErrorCode } from './reason-codes.ts';

/**
 * The initializer's part of a cold call's log tail, as FC shows it (`s invoke` output of FC's own templates): a
 * built-in runtime frames it with `FC Initialize Start/End RequestId` lines; a custom runtime or container prints
 * those itself (FC's custom-runtime spec), so its output goes as printed.
 */
function initializerTail(config: FunctionConfig, requestId: string, output: string): string {
  if (config.runtime.startsWith('custom') || isContainer(config)) return output;
  const text = output && !output.endsWith('\n') ? `${output}\n` : output;
  return `FC Initialize Start RequestId: ${requestId}\n${text}FC Initialize End RequestId: ${requestId}\n`;
}

/** The first request to finish on an instance whose initializer it waited for takes that output ahead of its own. */
function withInitializerLog(pooled: PooledInstance, result: InvocationResult): InvocationResult {
  const log = pooled.initializerLog!;
  delete pooled.initializerLog;
  return result.logs === undefined ? result : { ...result, logs: log + result.logs };
}

/** An invocation's result as the pool gives it: with the instance that served it, and whether it was started for it. */
export type PoolResult = InvocationResult & { readonly instanceId: string; readonly coldStart: boolean };

interface PooledInstance {
  instance: BackendInstance;
  /** Resolves once the cold start finished; requests that picked a starting instance wait for it. */
  readonly ready: Promise<void>;
  /** `ready` has resolved: the cold start is over. */
  started?: boolean;
  busy: number;
  initialized?: Promise<void>;
  /** `initialized` has resolved: the initializer ran (or there is none). */
  initializedDone?: boolean;
  /** The initializer's output as FC's log tail shows it, for the request that waited for it (initializerTail). */
  initializerLog?: string;
  reclaimTimer?: number;
  readonly createdAt: number;
  /** The periodic health check, for functions that configure one. */
  health?: HealthCycle;
  /** A health probe has the instance thawed: parking leaves it to the probe to freeze it again. */
  probing?: boolean;
  /** Idle, not frozen yet: the clock timer that freezes it once the grace period is over. */
  freezeTimer?: number;
  /** Frozen (or being frozen): settles when the backend's freeze did. */
  frozen?: Promise<void>;
  /** Being thawed for the requests that picked it up. */
  thawing?: Promise<void>;
  /** Its calls' timeouts on the real clock, under one clock timer (made at its first call). */
  deadlines?: DeadlineGroup;
  /** Set once it is being stopped: an instance is stopped (and its preStop called) once. */
  stopping?: boolean;
  /** Its process or container ended while idle and is being started again (concurrent requests wait for the one restart). */
  restarting?: Promise<void>;
}

/**
 * How long (clock time) an instance stays running after its last response before it is frozen. A burst of calls
 * pays no freeze and thaw; a handler's background work may run this long after it answered, never longer.
 */
export const DEFAULT_FREEZE_GRACE_MS = 100;

export interface PoolOptions {
  /** Idle instances are stopped after this long (clock time). */
  readonly instanceIdleMs: number;
  /** Most instances one revision may run at once; beyond it invocations are throttled. */
  readonly maxInstancesPerFunction: number;
  /** Freeze idle instances (SIGSTOP / docker pause) as FC does; `false` leaves them running between invocations. */
  readonly freeze?: boolean;
  /** Clock time an instance stays running after its last invocation before it is frozen (DEFAULT_FREEZE_GRACE_MS). */
  readonly freezeGraceMs?: number;
  /** Fault lookup for the cold-start and initializer phases (latency, error, crash). */
  readonly fault?: (prepared: PreparedRevision, phase: 'coldStart' | 'initializer', qualifier: string) => FaultRule | undefined;
  /** Told when an instance has started or stopped (the function's timeline shows both). */
  readonly onInstance?: (functionName: string, event: 'started' | 'stopped' | 'initializer' | 'preStop', detail: { instanceId: string; revisionId: number; requestId?: string; output?: string; error?: string }) => void;
}

export interface InstanceInfo {
  readonly instanceId: string;
  readonly revisionKey: string;
  readonly functionName: string;
  readonly revisionId: number;
  readonly busy: number;
  readonly createdTimeMs: number;
  /** The process id (process backend) or container id (docker backend) behind the instance. */
  readonly pid?: number;
  readonly containerId?: string;
  /** The machine's interpreter running it, when it stands in for the runtime. */
  readonly servedBy?: string;
  /** False while the periodic health check finds the instance unhealthy (requests go elsewhere). */
  readonly healthy: boolean;
  /** Only for functions with a health check. */
  readonly healthCheck?: HealthStatus;
}

/**
 * The instance of `list` that takes the next request: one with room for it that is not unhealthy. A starting instance
 * counts with its full capacity, so a burst starts ceil(burst / concurrency) instances, as FC scales.
 */
function warmIn(list: readonly PooledInstance[], prepared: PreparedRevision): PooledInstance | undefined {
  const concurrency = requestsPerInstance(prepared.config);
  return list.find((p) => p.busy < concurrency && p.health?.healthy !== false);
}

export class InstancePool {
  readonly #byRevision = new Map<string, PooledInstance[]>();
  /** Provisioned minimum per revision: that many instances are kept started and never reclaimed. */
  readonly #warm = new Map<string, number>();
  /** Health probes under way, so clock/advance can wait for them (quiesce). */
  readonly #probes = new BackgroundWork();

  constructor(
    private readonly backend: Backend,
    private readonly clock: Clock,
    private readonly ids: IdGenerator,
    private readonly options: PoolOptions,
  ) {}

  async invoke(prepared: PreparedRevision, req: InvocationRequest): Promise<PoolResult> {
    return this.invokeNow(prepared, req);
  }

  /**
   * invoke(), settled at once when it can be: a warm instance with nothing to wait for (#runnableNow) on a backend that
   * answered without a promise, and nothing to wait for after it (a lost instance, a freeze at once). Never throws: a
   * failure is a rejected promise, as from invoke().
   */
  invokeNow(prepared: PreparedRevision, req: InvocationRequest): NowOrLater<PoolResult> {
    const runnable = this.#runnableNow(prepared);
    return runnable ? this.#call(prepared, runnable, false, req) : this.#invokeAcquired(prepared, req);
  }

  /** The invocation on an instance that first has to be picked, started, thawed, restarted or initialized. */
  async #invokeAcquired(prepared: PreparedRevision, req: InvocationRequest): Promise<PoolResult> {
    // Fault rules match the qualifier the caller named (an alias, a version, LATEST).
    const qualifier = req.qualifier ?? prepared.fn.qualifier;
    const { pooled, coldStart } = await this.#acquire(prepared, qualifier);
    try {
      await this.#restartIfEnded(pooled, qualifier);
      await this.#initialize(pooled, pooled.instance, qualifier);
    } catch (e) {
      // An instance whose initializer failed badly is not reused.
      await this.#destroy(prepared.key, pooled, false);
      const parking = this.#release(prepared.key, pooled);
      if (parking) await parking;
      throw e;
    }
    return this.#call(prepared, pooled, coldStart, req);
  }

  /**
   * The backend's invoke on a picked-up instance (its `busy` counted), bounded by the function's timeout on the clock:
   * the backend kills the instance once the deadline passes. Its clock timer is armed only when the backend asks for it,
   * with the time counted from the call's start: a backend that never does (the simulated one) could not be stopped by
   * it, and pays for no timer. Then the instance is parked; synchronous when nothing on the way waits.
   */
  #call(prepared: PreparedRevision, pooled: PooledInstance, coldStart: boolean, req: InvocationRequest): NowOrLater<PoolResult> {
    // On the real clock an instance's calls share one timer (DeadlineGroup).
    const call = new TimedRequest(req, this.clock, this.clock.kind === 'real' ? (pooled.deadlines ??= new DeadlineGroup(this.clock)) : undefined);
    let answer: NowOrLater<InvocationResult>;
    try {
      answer = this.backend.invoke(pooled.instance, call);
    } catch (e) {
      answer = Promise.reject(e);
    }
    if (answer instanceof Promise || answer.instanceLost) return this.#settle(prepared, pooled, coldStart, call, answer);
    call.deadline.clear();
    const result = this.#served(pooled, answer, coldStart);
    const parking = this.#release(prepared.key, pooled);
    return parking ? parking.then(() => result) : result;
  }

  /** #call's end once something in it waits: the backend's answer, a lost instance's destruction, or a freeze. */
  async #settle(prepared: PreparedRevision, pooled: PooledInstance, coldStart: boolean, call: TimedRequest, answer: NowOrLater<InvocationResult>): Promise<PoolResult> {
    try {
      let result: InvocationResult;
      try {
        result = await answer;
      } finally {
        call.deadline.clear();
      }
      // The caller gets the failure as the result; the dead instance is not reused, so the next call cold-starts anew.
      if (result.instanceLost) await this.#destroy(prepared.key, pooled, false);
      return this.#served(pooled, result, coldStart);
    } catch (e) {
      // An instance whose request failed badly is not reused.
      await this.#destroy(prepared.key, pooled, false);
      throw e;
    } finally {
      const parking = this.#release(prepared.key, pooled);
      if (parking) await parking;
    }
  }

  /** The result as the caller gets it: with the instance that served, and the initializer's output it waited for. */
  #served(pooled: PooledInstance, result: InvocationResult, coldStart: boolean): PoolResult {
    if (pooled.initializerLog !== undefined) result = withInitializerLog(pooled, result);
    // Not `{ ...result, more }`: on Node.js 20 that costs microseconds per call (docs/benchmarks.md).
    return Object.assign({}, result, { instanceId: pooled.instance.id, coldStart });
  }

  /** A call on the instance ended: once none is left on it, it is parked (a promise only while it is frozen at once). */
  #release(key: string, pooled: PooledInstance): Promise<void> | undefined {
    pooled.busy--;
    return pooled.busy === 0 && this.#byRevision.get(key)?.includes(pooled) ? this.#park(key, pooled) : undefined;
  }

  /**
   * The instance #acquire would pick, taken at once when nothing about it is to be waited for: started, initialized,
   * neither frozen nor being thawed or restarted, and not ended as far as the backend knows at once (a backend whose
   * instances cannot end, or one that answers ended() without waiting). Otherwise undefined, and #acquire and the steps
   * after it run: each awaited step, settled or not, cost an invocation a promise and a turn of the microtask queue.
   */
  #runnableNow(prepared: PreparedRevision): PooledInstance | undefined {
    const list = this.#byRevision.get(prepared.key);
    const warm = list && warmIn(list, prepared);
    if (!warm?.started || !warm.initializedDone || warm.frozen || warm.thawing || warm.restarting) return undefined;
    if (this.backend.ended && this.backend.ended(warm.instance) !== false) return undefined;
    warm.busy++;
    return warm;
  }

  async #acquire(prepared: PreparedRevision, qualifier: string): Promise<{ pooled: PooledInstance; coldStart: boolean }> {
    const list = this.#list(prepared.key);
    const concurrency = requestsPerInstance(prepared.config);
    const warm = warmIn(list, prepared);
    if (warm) {
      warm.busy++;
      // Its reclaim timer stays armed: it does nothing while the instance is busy, and the next park moves it on.
      await warm.ready;
      await this.#thaw(warm);
      return { pooled: warm, coldStart: false };
    }
    if (list.length >= this.options.maxInstancesPerFunction) {
      const unhealthy = list.filter((p) => p.busy < concurrency && p.health?.healthy === false);
      if (unhealthy.length) {
        const running = list.length;
        // As FC: this request fails, and the next one goes to a new instance in place of the unhealthy idle one(s).
        await Promise.all(unhealthy.filter((p) => p.busy === 0).map((p) => this.#destroy(prepared.key, p, true)));
        const why = unhealthy[0]!.health!.status();
        throw errors.healthCheckFailed(
          `instance ${unhealthy[0]!.instance.id} of function '${prepared.fn.functionName}' is unhealthy (${why.consecutiveFailures} failed check(s) in a row, last: ${why.lastFailure ?? 'unknown'}) and no other instance can start (${running} running, limit ${this.options.maxInstancesPerFunction}); the next request starts a new instance`,
        );
      }
      throw errors.throttled(`Reserve resource exceeded limit: function '${prepared.fn.functionName}' already runs ${list.length} instances`);
    }
    const pooled = await this.#start(prepared, list, 1, qualifier);
    return { pooled, coldStart: true };
  }

  /**
   * Cold-starts one instance into `list` (`busy` requests already waiting for it); it is removed again if the start
   * fails. FC's order: the instance starts and listens, then (with a health check) the initializer runs and the start-up
   * probe decides; the periodic check follows. Without a health check the initializer runs before the first request.
   */
  async #start(prepared: PreparedRevision, list: PooledInstance[], busy: number, qualifier = prepared.fn.qualifier): Promise<PooledInstance> {
    let started!: () => void;
    let failed!: (e: unknown) => void;
    const ready = new Promise<void>((resolve, reject) => ((started = resolve), (failed = reject)));
    void ready.catch(() => undefined);
    const pooled: PooledInstance = { instance: undefined as unknown as BackendInstance, ready, busy, createdAt: this.clock.now() };
    list.push(pooled);
    const hc = healthCheckOf(prepared.config);
    try {
      await this.#injectFault(prepared, 'coldStart', qualifier);
      const id = `c-${this.ids.shortId()}`;
      const startedAt = this.clock.now();
      pooled.instance = await this.#listening(id, (start) => this.backend.startInstance(prepared, id, start));
      await this.#startupCheck(pooled, qualifier, startedAt).catch(async (e: unknown) => {
        await this.backend.stopInstance(pooled.instance, { preStop: false, timeoutMs: 0 }).catch(() => undefined);
        throw e;
      });
      this.options.onInstance?.(prepared.fn.functionName, 'started', { instanceId: pooled.instance.id, revisionId: prepared.revision.id });
      pooled.started = true;
      started();
    } catch (e) {
      const i = list.indexOf(pooled);
      if (i >= 0) list.splice(i, 1);
      failed(e);
      throw e;
    }
    // Not when the revision was drained while the instance started: nothing would stop the cycle.
    if (hc && this.backend.probeHealth && this.#byRevision.get(prepared.key)?.includes(pooled)) {
      const instance = pooled.instance;
      pooled.health = new HealthCycle(hc, {
        clock: this.clock, work: this.#probes, label: instance.id,
        probe: (signal) => this.#probe(prepared.key, pooled, signal),
        note: (line) => this.backend.noteInstance?.(instance, line),
      });
      pooled.health.start();
    }
    return pooled;
  }

  /** The first step of a cold start, bounded by FC's start-up timeout on the clock (the backend gives up when it passes). */
  #listening<T>(instanceId: string, step: (start: StartInstanceOptions) => Promise<T>): Promise<T> {
    return this.#bounded(STARTUP_TIMEOUT_MS, `start-up timeout ${instanceId}`, (signal) => step({ signal, timeoutMs: STARTUP_TIMEOUT_MS }));
  }

  /** Runs `work` with a signal aborted once `ms` have passed on the clock; the timer goes when the work ends. */
  async #bounded<T>(ms: number, label: string, work: (signal: AbortSignal) => Promise<T>): Promise<T> {
    const ac = new AbortController();
    const timer = this.clock.setDeadline(ms, label, () => ac.abort());
    try {
      return await work(ac.signal);
    } finally {
      this.clock.clearTimer(timer);
    }
  }

  /**
   * With a health check, the rest of the start in FC's order: the initializer, then the start-up probe once
   * `initialDelaySeconds` (counted from the start) have passed; a failing probe fails the start with FunctionNotStarted.
   */
  async #startupCheck(pooled: PooledInstance, qualifier: string, startedAt: number): Promise<void> {
    const { instance } = pooled;
    const hc = healthCheckOf(instance.prepared.config);
    if (!hc || !this.backend.probeHealth) return;
    await this.#initialize(pooled, instance, qualifier);
    const why = await startupProbe(hc, { clock: this.clock, startedAt, label: instance.id, probe: (signal) => this.backend.probeHealth!(instance, signal) });
    if (why === undefined) return;
    const logs = this.backend.instanceLogs(instance).trimEnd().split('\n').slice(-10).join('\n');
    const path = hc.httpGetUrl?.startsWith('/') ? hc.httpGetUrl : `/${hc.httpGetUrl ?? ''}`;
    throw new BackendError(InstanceErrorCode.FunctionNotStarted, `Function instance health check failed on port ${instance.port ?? '?'} (GET ${path}: ${why})${logs ? `\nLogs: ${logs}` : ''}`);
  }

  /**
   * An instance whose process or container ended while idle (a crash, or stopped to hand a fixed port over) is started
   * again under its id before it serves, with the steps of a cold start and its initializer run anew.
   */
  async #restartIfEnded(pooled: PooledInstance, qualifier: string): Promise<void> {
    const { backend } = this;
    if (!pooled.restarting && !(await backend.ended?.(pooled.instance))) return;
    const restarting = (pooled.restarting ??= (async () => {
      delete pooled.initialized;
      delete pooled.initializedDone;
      const startedAt = this.clock.now();
      await this.#listening(pooled.instance.id, (start) => backend.restartInstance!(pooled.instance, start));
      await this.#startupCheck(pooled, qualifier, startedAt);
    })().finally(() => delete pooled.restarting));
    await restarting;
  }

  /** The initializer runs once per instance; concurrent first requests wait for the same run. */
  #initialize(pooled: PooledInstance, instance: BackendInstance, qualifier: string): Promise<void> {
    return (pooled.initialized ??= (async () => {
      const hook = lifecycleHook(instance.prepared.config, 'initializer');
      if (!hook) return void (pooled.initializedDone = true);
      await this.#injectFault(instance.prepared, 'initializer', qualifier);
      // The hook's request id has the form of an invocation's; what it printed goes to the function's timeline.
      const requestId = this.ids.requestId(this.clock.now());
      const detail = { instanceId: instance.id, revisionId: instance.prepared.revision.id, requestId };
      const output = await this.backend.initialize(instance, hook.timeoutMs, requestId).catch((e: unknown) => {
        this.options.onInstance?.(instance.prepared.fn.functionName, 'initializer', { ...detail, error: e instanceof Error ? e.message : String(e) });
        // The failed call's tail shows what the initializer printed, as a cold call's does.
        if (e instanceof BackendError && e.logs !== undefined) e.logs = initializerTail(instance.prepared.config, requestId, e.logs);
        throw e;
      });
      this.options.onInstance?.(instance.prepared.fn.functionName, 'initializer', { ...detail, ...(output ? { output } : {}) });
      // A request waits for this run (a cold start or a restart, not a provisioned start): its log tail shows it.
      if (pooled.busy > 0) pooled.initializerLog = initializerTail(instance.prepared.config, requestId, output ?? '');
      pooled.initializedDone = true;
    })());
  }

  /** One periodic health probe. A frozen instance cannot answer: it is thawed for the probe and frozen again if still idle. */
  async #probe(key: string, pooled: PooledInstance, signal: AbortSignal): Promise<string | undefined> {
    pooled.probing = true;
    try {
      if (pooled.frozen) await this.#thaw(pooled);
      return await this.backend.probeHealth!(pooled.instance, signal);
    } finally {
      pooled.probing = false;
      // Frozen again at once, unless it is still within the grace period of an invocation (its timer freezes it).
      if (pooled.busy === 0 && pooled.freezeTimer === undefined) await this.#freezeNow(key, pooled);
    }
  }

  /** Resolves once the health probes that fell due have finished (after the manual clock moved); to how many had not (BackgroundWork.quiesce). */
  quiesce(): Promise<number> {
    return this.#probes.quiesce();
  }

  /** Applies a cold-start/initializer fault as the real failure would surface: slower, or a start failing with a reason code. */
  async #injectFault(prepared: PreparedRevision, phase: 'coldStart' | 'initializer', qualifier: string): Promise<void> {
    const rule = this.options.fault?.(prepared, phase, qualifier);
    if (!rule) return;
    await applyFault(rule, { phase, clock: this.clock }).catch((e: unknown) => {
      throw e instanceof FcError ? new BackendError(e.code, e.message, e.status) : e;
    });
  }

  /** Freezes an idle instance now (no-op when freezing is off, or it is busy, probed, frozen or gone). */
  #freezeNow(key: string, pooled: PooledInstance): Promise<void> {
    if (this.options.freeze === false || pooled.frozen || pooled.busy > 0 || pooled.probing || !this.#byRevision.get(key)?.includes(pooled)) return pooled.frozen ?? Promise.resolve();
    if (pooled.freezeTimer !== undefined) this.clock.clearTimer(pooled.freezeTimer);
    delete pooled.freezeTimer;
    pooled.frozen = this.backend.freeze(pooled.instance).catch(() => undefined);
    return pooled.frozen;
  }

  /**
   * Freezes an instance that just answered once it has stayed idle for the grace period (at once with grace 0). A
   * freeze timer still pending from an earlier park is moved on rather than cleared and armed again (one per burst);
   * undefined when there is nothing to wait for.
   */
  #freezeAfterGrace(key: string, pooled: PooledInstance): Promise<void> | undefined {
    const grace = this.options.freezeGraceMs ?? DEFAULT_FREEZE_GRACE_MS;
    if (this.options.freeze === false || pooled.frozen || pooled.probing) return undefined;
    if (grace <= 0) return this.#freezeNow(key, pooled);
    if (moved(this.clock, pooled.freezeTimer, grace)) return undefined;
    pooled.freezeTimer = this.clock.setTimer(grace, `freeze instance ${pooled.instance.id}`, () => {
      delete pooled.freezeTimer;
      // Picked up again since it was parked: its next park arms the grace period anew.
      if (pooled.busy > 0) return;
      // Tracked, so clock/advance returns once the instance is frozen (a docker pause takes a while).
      void this.#probes.run(() => this.#freezeNow(key, pooled));
    });
    return undefined;
  }

  /**
   * Makes a picked-up instance runnable: thaws it if it is frozen (once for concurrent pickers). A freeze timer still
   * pending stays armed and does nothing while the instance is busy; the next park moves it on.
   */
  #thaw(pooled: PooledInstance): Promise<void> {
    const frozen = pooled.frozen;
    if (!frozen) return pooled.thawing ?? Promise.resolve();
    delete pooled.frozen;
    const thawing = frozen.then(() => this.backend.thaw(pooled.instance));
    pooled.thawing = thawing;
    void thawing.finally(() => {
      if (pooled.thawing === thawing) delete pooled.thawing;
    }).catch(() => undefined);
    return thawing;
  }

  /**
   * An instance that became idle: frozen once the grace period passes (or at once), and its reclaim countdown moved on.
   * A promise only while it is being frozen at once: an awaited step, settled or not, cost every call a promise and a
   * turn of the microtask queue.
   */
  #park(key: string, pooled: PooledInstance): Promise<void> | undefined {
    const freezing = this.#freezeAfterGrace(key, pooled);
    if (freezing) return freezing.then(() => this.#armReclaim(key, pooled));
    this.#armReclaim(key, pooled);
    return undefined;
  }

  #armReclaim(key: string, pooled: PooledInstance): void {
    if (pooled.stopping) return;
    const idleMs = this.options.instanceIdleMs;
    // The reclaim countdown from this park: the timer of an earlier park, if still pending, is moved on.
    if (moved(this.clock, pooled.reclaimTimer, idleMs)) return;
    pooled.reclaimTimer = this.clock.setTimer(idleMs, `reclaim instance ${pooled.instance.id}`, () => {
      delete pooled.reclaimTimer;
      // Picked up again since it was parked: its next park arms the countdown anew.
      if (pooled.busy > 0) return;
      // Provisioned instances stay: reclaim only what exceeds the revision's warm minimum.
      if ((this.#byRevision.get(key)?.length ?? 0) <= (this.#warm.get(key) ?? 0)) return;
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
      try {
        const pooled = await this.#start(prepared, list, 0);
        // A request may have picked it up while it started; it parks itself when done.
        if (pooled.busy === 0) await this.#freezeNow(key, pooled);
      } catch (e) {
        error = e instanceof Error ? e.message : String(e);
      }
    }));
    return { current: list.filter((p) => p.instance).length, ...(error ? { error } : {}) };
  }

  async #destroy(key: string, pooled: PooledInstance, preStop: boolean): Promise<void> {
    const list = this.#byRevision.get(key);
    const i = list ? list.indexOf(pooled) : -1;
    if (i >= 0) list!.splice(i, 1);
    if (pooled.stopping) return;
    pooled.stopping = true;
    if (pooled.reclaimTimer !== undefined) this.clock.clearTimer(pooled.reclaimTimer);
    if (pooled.freezeTimer !== undefined) this.clock.clearTimer(pooled.freezeTimer);
    delete pooled.freezeTimer;
    pooled.health?.stop();
    const hook = lifecycleHook(pooled.instance.prepared.config, 'preStop');
    const withPreStop = preStop && hook !== undefined;
    const requestId = this.ids.requestId(this.clock.now());
    const output = await this.backend.stopInstance(pooled.instance, { preStop: withPreStop, timeoutMs: hook?.timeoutMs ?? 3000, requestId }).catch(() => undefined);
    const detail = { instanceId: pooled.instance.id, revisionId: pooled.instance.prepared.revision.id };
    if (withPreStop) this.options.onInstance?.(pooled.instance.prepared.fn.functionName, 'preStop', { ...detail, requestId, ...(output ? { output } : {}) });
    this.options.onInstance?.(pooled.instance.prepared.fn.functionName, 'stopped', { instanceId: pooled.instance.id, revisionId: pooled.instance.prepared.revision.id });
  }

  /**
   * Stops every instance of a revision that no longer serves (replaced, version deleted, function deleted), preStop
   * first; instances still starting are stopped once started. The caller waits for the requests admitted on it first.
   */
  async drain(prepared: PreparedRevision): Promise<void> {
    // The revision's published versions run their own instances (servingVersion): `key@<versionId>`.
    const keys = [...this.#byRevision.keys()].filter((k) => k === prepared.key || k.startsWith(`${prepared.key}@`));
    await Promise.all(keys.map((k) => this.#drainKey(k)));
  }

  async #drainKey(key: string): Promise<void> {
    const list = this.#byRevision.get(key) ?? [];
    // Detached at once: a handle prepared anew under the same key (a wake) starts a list of its own.
    this.#byRevision.delete(key);
    this.#warm.delete(key);
    await Promise.all(list.map(async (p) => {
      const started = await p.ready.then(() => true, () => false);
      if (started) await this.#destroy(key, p, true);
    }));
  }

  async drainAll(): Promise<void> {
    await Promise.all([...this.#byRevision.keys()].map((k) => this.#drainKey(k)));
  }

  /** Every started instance (an instance still cold-starting has no id yet). */
  list(): InstanceInfo[] {
    return [...this.#byRevision.entries()].flatMap(([key, list]) => list.filter((p) => p.instance).map((p) => infoOf(key, p)));
  }

  /** One function's started instances (admin API). */
  ofFunction(functionName: string): InstanceInfo[] {
    return this.list().filter((i) => i.functionName === functionName);
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

/**
 * An invocation request with its deadline: the pool's copy of the caller's request (Object.assign: an object literal
 * spread with more fields costs microseconds per call on Node.js 20).
 */
class TimedRequest implements InvocationRequest {
  declare readonly requestId: string;
  declare readonly timeoutMs: number;
  declare readonly body: Buffer;
  declare readonly headers: Readonly<Record<string, string>>;
  declare readonly kind: InvocationRequest['kind'];
  readonly deadline: ClockDeadline;

  constructor(req: InvocationRequest, clock: Clock, group: DeadlineGroup | undefined) {
    Object.assign(this, req);
    this.deadline = new ClockDeadline(clock, this.timeoutMs, this.requestId, group);
  }
}

/**
 * An invocation's timeout on the clock, counted from its creation (the call's start). The clock timer is armed when a
 * backend first asks to be told (the simulated backend never does: an invocation it could not stop anyway); with a
 * `group` (an instance's calls on the real clock), the group's one timer stands for it.
 */
export class ClockDeadline implements InvocationDeadline, GroupedDeadline {
  expired = false;
  readonly dueAt: number;
  readonly requestId: string;
  readonly #clock: Clock;
  readonly #group: DeadlineGroup | undefined;
  #timer: number | undefined = undefined;
  #cancel: (() => void) | undefined = undefined;

  constructor(clock: Clock, ms: number, requestId: string, group?: DeadlineGroup) {
    this.#clock = clock;
    this.dueAt = clock.now() + ms;
    this.requestId = requestId;
    this.#group = group;
  }

  onExpiry(cancel: () => void): void {
    if (this.expired) return cancel();
    const earlier = this.#cancel;
    this.#cancel = earlier ? () => (earlier(), cancel()) : cancel;
    if (this.#group) return this.#group.watch(this);
    this.#timer ??= this.#clock.setDeadline(this.dueAt - this.#clock.now(), `invocation timeout ${this.requestId}`, () => this.expire());
  }

  expire(): void {
    this.expired = true;
    this.#cancel!();
  }

  /** The call ended: its timer, if one was armed, goes. */
  clear(): void {
    if (this.#group) this.#group.unwatch(this);
    else if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
  }
}

function infoOf(revisionKey: string, p: PooledInstance): InstanceInfo {
  const { instance } = p;
  return {
    instanceId: instance.id, revisionKey, functionName: instance.prepared.fn.functionName, revisionId: instance.prepared.revision.id, busy: p.busy, createdTimeMs: p.createdAt,
    ...(p.health ? { healthy: p.health.healthy, healthCheck: p.health.status() } : { healthy: true }),
    ...(instance.pid !== undefined ? { pid: instance.pid } : {}),
    ...(instance.containerId ? { containerId: instance.containerId } : {}),
    ...(instance.prepared.servedBy ? { servedBy: instance.prepared.servedBy } : {}),
  };
}
