/**
 * @module
 * The one invocation path: InvokeFunction, HTTP triggers, fired trigger events and async tasks all come through
 * here, so admission by state, qualifier resolution, faults and the instance pool apply to each the same way.
 */
import { BackendError, type InvocationRequest, type InvocationResult, type PreparedRevision } from './ports/backend.ts';
import type { Clock } from '../clock.ts';
import { FcError, errors } from './errors.ts';
import { applyFault } from './faults/effects.ts';
import type { FunctionService } from './functions.ts';
import type { InstancePool } from './instances.ts';
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
    // One async step with #admit's work inlined: each costs every invocation a promise and a microtask.
    try {
      const { functions, clock } = this.deps;
      // Admission first, so a one-shot fault is not spent on a call the function's state refuses anyway.
      let admitted = functions.admitInvocation(functionName, qualifier);
      let slot: () => void;
      try {
        // The slot is held from here (through a latency fault) until run() ends, so held calls count against the limit.
        slot = this.deps.guard?.acquire(functionName) ?? (() => {});
      } catch (e) {
        admitted.leave();
        throw e;
      }
      // Until run() ends the request also holds the revision it was admitted on, so an update does not stop it under it.
      const release = () => {
        slot();
        admitted.leave();
      };
      try {
        const fault = functions.takeFault(functionName, 'invocation', { qualifier }, requestId);
        // `inactive`: dropped to Inactive, the call is admitted again and refused as any call to an Inactive function.
        const dropToInactive = () => {
          admitted.leave();
          functions.force(functionName, { type: 'idle' });
          admitted = functions.admitInvocation(functionName, qualifier);
        };
        if (fault) await applyFault(fault, { phase: 'invocation', clock, dropToInactive });
        // Field by field: on Node.js 20, `{ ...object, more }` costs microseconds per call (docs/benchmarks.md).
        const { record, prepared, revision, resolvedQualifier } = admitted;
        return { record, prepared, revision, resolvedQualifier, release };
      } catch (e) {
        release();
        throw e;
      }
    } catch (e) {
      // Refused calls (not active, disabled, throttled) go in the timeline too: they are what the caller saw.
      if (e instanceof FcError) this.deps.functions.note(functionName, 'invocation', 'rejected', requestId ? { requestId, code: e.code, status: e.status } : { code: e.code, status: e.status });
      throw e;
    }
  }

  /** Runs an admitted invocation on an instance and records it in the function's timeline. */
  async run(admitted: Admitted, input: InvocationInput): Promise<InvocationOutcome> {
    try {
      const { functions, pool, clock } = this.deps;
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
      let result: InvocationResult & { readonly instanceId: string; readonly coldStart: boolean };
      try {
        result = await pool.invoke(prepared, request);
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
      const { functionName, requestId } = input;
      const { instanceId, coldStart, status, errorType } = result;
      const qualifier = admitted.resolvedQualifier;
      const detail: Record<string, unknown> = { requestId, qualifier, status, instanceId, coldStart };
      if (errorType) detail.errorType = errorType;
      if (result.instanceLost) detail.instanceLost = true;
      if (result.callerGone) detail.callerGone = true;
      detail.durationMs = clock.now() - started;
      functions.note(functionName, 'invocation', 'invoked', detail);
      const { log } = this.deps;
      if (log) {
        let fields: Record<string, unknown> | undefined;
        if (!log.lineOnly) {
          fields = { event: 'invoke', functionName, qualifier, requestId, instanceId, coldStart, status };
          if (errorType) fields.errorType = errorType;
        }
        log(`invoke ${functionName}:${qualifier} ${requestId} instance ${instanceId} ${coldStart ? 'cold start' : 'warm'} status ${status}${errorType ? ` ${errorType}` : ''}`, fields);
      }
      return { result, durationMs: clock.now() - started, admitted };
    } finally {
      admitted.release?.();
    }
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
