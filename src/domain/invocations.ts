/**
 * @module
 * The one invocation path: InvokeFunction, HTTP triggers, fired trigger events and async tasks all come through
 * here, so admission by state, qualifier resolution, faults and the instance pool apply to each the same way.
 */
import { BackendError, type InvocationRequest, type InvocationResult, type NowOrLater, type PreparedRevision } from './ports/backend.ts';
import type { Clock } from '../clock.ts';
import { FcError, errors } from './errors.ts';
import { applyFault } from './faults/effects.ts';
import type { FaultRule } from './faults/engine.ts';
import type { AdmittedInvocation, FunctionService } from './functions.ts';
import type { InstancePool, PoolResult } from './instances.ts';
import type { FunctionRecord, Revision } from './model.ts';
import type { LogFn } from '../log.ts';
import { InstanceErrorCode } from './reason-codes.ts';

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** What to invoke: the backend's request without the timeout (the version that runs decides it), plus what to run. */
export interface InvocationInput extends Omit<InvocationRequest, 'timeoutMs'> {
  readonly functionName: string;
  /** LATEST, a version id or an alias name. */
  readonly qualifier: string;
}

/** An invocation the function's state (and any invocation fault) accepted: what will run. */
export interface Admitted {
  readonly record: FunctionRecord;
  readonly prepared: PreparedRevision;
  /** The revision that runs (a version's snapshot when the qualifier names one). */
  readonly revision: Revision;
  /** The version that serves (`LATEST` or a version id), after alias routing. */
  readonly resolvedQualifier: string;
  /** Gives back the admission guard's slot; run() calls it when it ends. Call it yourself if you admit but never run. */
  readonly release?: () => void;
}

/** Admission beyond the function's state (reserved concurrency): acquire throws the cloud's error or returns a release. */
export interface AdmissionGuard {
  acquire(functionName: string): () => void;
}

export interface InvocationOutcome {
  readonly result: InvocationResult & { readonly instanceId: string; readonly coldStart: boolean };
  readonly durationMs: number;
  readonly admitted: Admitted;
}

const noSlot = (): void => {};

/** An admitted call: what runs, holding the guard's slot and its revision until release() (run() calls it when it ends). */
class AdmittedCall implements Admitted {
  record!: FunctionRecord;
  prepared!: PreparedRevision;
  revision!: Revision;
  resolvedQualifier!: string;
  #admitted!: AdmittedInvocation;
  readonly #slot: () => void;

  constructor(admitted: AdmittedInvocation, slot: () => void) {
    this.#slot = slot;
    this.readmitted(admitted);
  }

  /** Takes what an admission gave (again, after an `inactive` fault let go of the first one). */
  readmitted(admitted: AdmittedInvocation): void {
    this.#admitted = admitted;
    this.record = admitted.record;
    this.prepared = admitted.prepared;
    this.revision = admitted.revision;
    this.resolvedQualifier = admitted.resolvedQualifier;
  }

  /** Lets go of the revision only (at most once: AdmittedInvocation.leave is). */
  leave(): void {
    this.#admitted.leave();
  }

  release(): void {
    this.#slot();
    this.#admitted.leave();
  }
}

export class InvocationService {
  constructor(
    private readonly deps: {
      readonly functions: FunctionService;
      readonly pool: InstancePool;
      readonly clock: Clock;
      readonly guard?: AdmissionGuard;
      /** One line per invocation for the server log: which instance served it, and whether it was a cold start. */
      readonly log?: LogFn;
      /** The largest response body relayed (FC's payload limit); a backend that streams one stops reading there. */
      readonly maxResponseBytes?: number;
      /** The backend relays Upgrade requests (WebSocket) to the function's server (Backend.relaysUpgrades). */
      readonly relaysUpgrades?: boolean;
    },
  ) {}

  /** Whether an Upgrade request (WebSocket) can be relayed: only a backend that runs the function's server can. */
  get relaysUpgrades(): boolean {
    return this.deps.relaysUpgrades === true;
  }

  /**
   * Admission, then the invocation-phase fault. Throws the cloud's error when the call is refused, so an async
   * caller learns of a missing or inactive function before it gets its 202. `requestId` (the call's) is recorded with a
   * refusal or a fault in the timeline, so the id a client's error carries can be found there.
   */
  async admit(functionName: string, qualifier: string, requestId?: string): Promise<Admitted> {
    return this.admitNow(functionName, qualifier, requestId);
  }

  /** admit(), settled at once unless an invocation fault is to be applied (a latency fault waits). Never throws: a refusal is a rejected promise. */
  admitNow(functionName: string, qualifier: string, requestId?: string): NowOrLater<Admitted> {
    const { functions } = this.deps;
    let call: AdmittedCall | undefined;
    try {
      // Admission first, so a one-shot fault is not spent on a call the function's state refuses anyway.
      const admitted = functions.admitInvocation(functionName, qualifier);
      let slot: () => void;
      try {
        // The slot is held from here (through a latency fault) until run() ends, so held calls count against the limit.
        slot = this.deps.guard?.acquire(functionName) ?? noSlot;
      } catch (e) {
        admitted.leave();
        throw e;
      }
      // Until run() ends the request also holds the revision it was admitted on, so an update does not stop it under it.
      call = new AdmittedCall(admitted, slot);
      const fault = functions.takeFault(functionName, 'invocation', { qualifier }, requestId);
      if (fault) return this.#withFault(call, fault, functionName, qualifier, requestId);
      return call;
    } catch (e) {
      call?.release();
      return this.#refused(e, functionName, requestId);
    }
  }

  /** Admission's end when an invocation fault fired: applied as the real failure would surface (slower, refused, or the function dropped to Inactive). */
  async #withFault(call: AdmittedCall, fault: FaultRule, functionName: string, qualifier: string, requestId: string | undefined): Promise<Admitted> {
    const { functions, clock } = this.deps;
    try {
      // `inactive`: dropped to Inactive, the call is admitted again and refused as any call to an Inactive function.
      const dropToInactive = () => {
        call.leave();
        functions.force(functionName, { type: 'idle' });
        call.readmitted(functions.admitInvocation(functionName, qualifier));
      };
      await applyFault(fault, { phase: 'invocation', clock, dropToInactive });
      return call;
    } catch (e) {
      call.release();
      return this.#refused(e, functionName, requestId);
    }
  }

  /** A refused call: rejected with its error, and in the timeline when it is the cloud's (not active, disabled, throttled): what the caller saw. */
  #refused(e: unknown, functionName: string, requestId: string | undefined): Promise<never> {
    if (e instanceof FcError) this.deps.functions.note(functionName, 'invocation', 'rejected', requestId ? { requestId, code: e.code, status: e.status } : { code: e.code, status: e.status });
    return Promise.reject(e);
  }

  /** Runs an admitted invocation on an instance and records it in the function's timeline. */
  async run(admitted: Admitted, input: InvocationInput): Promise<InvocationOutcome> {
    return this.runNow(admitted, input);
  }

  /**
   * run(), settled at once when the pool answers at once (a warm instance on a backend with nothing to wait for). Never
   * throws: a failure is a rejected promise.
   */
  runNow(admitted: Admitted, input: InvocationInput): NowOrLater<InvocationOutcome> {
    let pending = false;
    try {
      const { pool, clock } = this.deps;
      const started = clock.now();
      const { prepared, revision } = admitted;
      // Built without spreads, which cost microseconds each on Node.js 20 (docs/benchmarks.md): FC's headers set last win.
      const headers: Record<string, string> = Object.assign({}, input.headers);
      headers['x-fc-request-id'] = input.requestId;
      headers['x-fc-qualifier'] = input.qualifier;
      headers['x-fc-version-id'] = admitted.resolvedQualifier;
      const request: Writable<InvocationRequest> = { requestId: input.requestId, body: input.body, headers, qualifier: input.qualifier, versionId: admitted.resolvedQualifier, kind: input.kind, timeoutMs: revision.config.timeout * 1000 };
      if (input.method) request.method = input.method;
      if (input.path) request.path = input.path;
      if (input.tailLogs) request.tailLogs = true;
      if (input.stream) request.stream = input.stream;
      if (input.upgrade) request.upgrade = input.upgrade;
      if (this.deps.maxResponseBytes !== undefined) request.maxResponseBytes = this.deps.maxResponseBytes;
      const result = pool.invokeNow(prepared, request);
      if (!(result instanceof Promise)) return this.#record(admitted, input, started, result);
      pending = true;
      return this.#settle(admitted, input, started, request, result);
    } catch (e) {
      return Promise.reject(e);
    } finally {
      if (!pending) admitted.release?.();
    }
  }

  /** runNow's end once the pool's answer had to be waited for: a failure surfaces with FC's error, not as an internal one. */
  async #settle(admitted: Admitted, input: InvocationInput, started: number, request: InvocationRequest, pending: Promise<PoolResult>): Promise<InvocationOutcome> {
    try {
      const { functions, clock } = this.deps;
      let result: PoolResult;
      try {
        result = await pending;
      } catch (e) {
        // A failed or timed-out initializer: FC answers 200 with x-fc-error-type InitializationError and the error in the body.
        if (e instanceof BackendError && e.code === InstanceErrorCode.InitializationError) result = initializationFailure(e, request.tailLogs === true);
        // A cold start or instance that failed surfaces with FC's error code, not as an internal error.
        else if (e instanceof BackendError) {
          functions.note(input.functionName, 'invocation', 'failed', { requestId: input.requestId, code: e.code, status: e.status, message: e.message, durationMs: clock.now() - started });
          throw new FcError(e.code, e.status, e.message);
        } else {
          if (e instanceof FcError) functions.note(input.functionName, 'invocation', 'rejected', { requestId: input.requestId, code: e.code, status: e.status });
          throw e;
        }
      }
      return this.#record(admitted, input, started, result);
    } finally {
      admitted.release?.();
    }
  }

  /** The served invocation in the function's timeline and the server log. */
  #record(admitted: Admitted, input: InvocationInput, started: number, result: PoolResult): InvocationOutcome {
    const { functions, clock, log } = this.deps;
    const { functionName, requestId } = input;
    const { instanceId, coldStart, status, errorType } = result;
    const qualifier = admitted.resolvedQualifier;
    const detail: Record<string, unknown> = { requestId, qualifier, status, instanceId, coldStart };
    if (errorType) detail.errorType = errorType;
    if (result.instanceLost) detail.instanceLost = true;
    if (result.callerGone) detail.callerGone = true;
    detail.durationMs = clock.now() - started;
    functions.note(functionName, 'invocation', 'invoked', detail);
    if (log) {
      let fields: Record<string, unknown> | undefined;
      if (!log.lineOnly) {
        fields = { event: 'invoke', functionName, qualifier, requestId, instanceId, coldStart, status };
        if (errorType) fields.errorType = errorType;
      }
      log(`invoke ${functionName}:${qualifier} ${requestId} instance ${instanceId} ${coldStart ? 'cold start' : 'warm'} status ${status}${errorType ? ` ${errorType}` : ''}`, fields);
    }
    return { result, durationMs: clock.now() - started, admitted };
  }

  async invoke(input: InvocationInput): Promise<InvocationOutcome> {
    return this.run(await this.admit(input.functionName, input.qualifier, input.requestId), input);
  }
}

/** The result FC gives a call whose instance's initializer failed; the instance is gone, so it names none. */
function initializationFailure(e: BackendError, tailLogs: boolean): InvocationResult & { instanceId: string; coldStart: boolean } {
  const body = e.body ?? Buffer.from(JSON.stringify({ errorMessage: e.message, errorType: InstanceErrorCode.InitializationError }));
  const logs = tailLogs && e.logs !== undefined ? { logs: e.logs } : {};
  return { status: 200, headers: { 'content-type': 'application/json' }, body, errorType: InstanceErrorCode.InitializationError, instanceId: '', coldStart: true, ...logs };
}
