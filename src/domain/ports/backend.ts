/**
 * @module
 * The backend port: the one small interface every backend implements (prepare a revision, start instances, invoke,
 * freeze/thaw, stop). The domain owns it; backends (src/backends/) import it from here, never the other way round
 * (test/unit/layering.test.ts). Backends know nothing of HTTP routing or zod; the instance pool (domain/instances.ts)
 * decides when to call them.
 */
import type { Duplex } from 'node:stream';
import type { FunctionConfig, Revision } from '../model.ts';
import { statusOf } from '../fc-statuses.ts';
import { InstanceErrorCode, type InvocationErrorType } from '../reason-codes.ts';

/** A value at once, or the promise of it when the work had to wait (callers test `instanceof Promise`). */
export type NowOrLater<T> = T | Promise<T>;

/** What a backend needs to know about the function a revision belongs to. */
export interface FunctionIdentity {
  readonly functionName: string;
  readonly functionArn: string;
  readonly region: string;
  readonly accountId: string;
  readonly qualifier: string;
}

export interface PrepareRequest {
  readonly fn: FunctionIdentity;
  readonly revision: Revision;
  /** Progress lines for the function's timeline (e.g. image pull progress). */
  readonly log: (message: string) => void;
  readonly signal: AbortSignal;
}

/** Where backends that run code find the zips of a function's layers (the layer store). */
export interface LayerSource {
  /** The zip of a layer version ARN, or undefined when there is no such version. */
  zipForArn(arn: string): Buffer | undefined;
}

/** Opaque per-revision handle (unpacked directory, pinned image id …) owned by the backend. */
export interface PreparedRevision {
  readonly key: string;
  readonly config: FunctionConfig;
  readonly revision: Revision;
  readonly fn: FunctionIdentity;
  /** The interpreter standing in for the runtime, when it is the machine's (process backend): `Node.js 20.20.2 (/usr/bin/node)`. */
  readonly servedBy?: string;
}

/**
 * A revision's prepared code as it serves a published version: the same files or image, but its instances are that
 * version's own, as on FC (their FC_QUALIFIER names it, and the pool keeps them apart from LATEST's).
 */
export function servingVersion<P extends PreparedRevision>(p: P, versionId: string): P {
  if (versionId === p.fn.qualifier) return p;
  // Made on every call to a version or alias: Object.assign, as `{ ...p, more }` costs microseconds on Node.js 20.
  return Object.assign({}, p, { key: `${p.key}@${versionId}`, fn: Object.assign({}, p.fn, { qualifier: versionId }) });
}

export interface BackendInstance {
  readonly id: string;
  readonly prepared: PreparedRevision;
  /** What runs it, for the admin API: a process id or a container id. */
  readonly pid?: number;
  readonly containerId?: string;
  /** The port its server listens on (what FC's start-up messages name). */
  readonly port?: number;
}

export interface InvocationRequest {
  readonly requestId: string;
  /** The raw request body (the event, for event functions). */
  readonly body: Buffer;
  /** Request headers FC passes to the function (`x-fc-*` and, for HTTP calls, the caller's own). */
  readonly headers: Readonly<Record<string, string>>;
  /** `event`: FC's POST /invoke contract; `http`: the HTTP request forwarded as it came. */
  readonly kind: 'event' | 'http';
  readonly method?: string;
  /** Path and query for HTTP invocations. */
  readonly path?: string;
  readonly timeoutMs: number;
  /** What the caller named (LATEST, a version id or an alias) and the version that serves it (FC's x-fc-qualifier, x-fc-version-id). */
  readonly qualifier?: string;
  readonly versionId?: string;
  /** The caller asked for the log tail (`x-fc-log-type: Tail`): worth waiting for output that trails the response. */
  readonly tailLogs?: boolean;
  /** The largest response body relayed (FC's payload limit): a backend stops reading there and fails with BadResponse. */
  readonly maxResponseBytes?: number;
  /**
   * Set by a caller that relays a web function's answer as it streams (HTTP triggers, custom domains): an HTTP
   * invocation answered with `Transfer-Encoding: chunked` (FC's mark of a streamed response) is handed over through it as
   * it arrives, and the result's body is then empty. Other answers are gathered as without it.
   */
  readonly stream?: ResponseSink;
  /**
   * Set for an HTTP invocation that asks to switch protocols (WebSocket; its Upgrade and Connection headers are among
   * `headers`): the backend sends it to the function's server on a connection of its own and, on a 101, hands that
   * connection over (`switched`); the call then lasts until the relayed connection has closed, or the function's timeout
   * has closed it. Any other answer comes back as usual. Only backends with `relaysUpgrades` are given one.
   */
  readonly upgrade?: UpgradeSink;
  /**
   * The call's timeout on localfc's clock (the pool makes it): once it passes, the backend stops the call, kills the
   * instance and answers FC's timeout. Without it the call is not bounded.
   */
  readonly deadline?: InvocationDeadline;
}

/**
 * An invocation's timeout, counted from the call's start. Not an AbortSignal: making one and handing it to undici cost
 * ~15 µs of CPU per call on Node.js 20 (docs/benchmarks.md), and the clock timer is armed only for a backend that asks.
 */
export interface InvocationDeadline {
  /** Calls `cancel` once the timeout has passed (at once if it has); the first call arms the clock timer. */
  onExpiry(cancel: () => void): void;
  readonly expired: boolean;
}

/**
 * Where a streamed answer goes as it arrives (InvocationRequest.stream). The invocation ends (its instance released, its
 * record written) when the body has ended, or failed: the caller ends or cuts what it relays from the call's outcome.
 */
export interface ResponseSink {
  /** The status, headers and error type (what the result would carry), before any of the body. */
  head(answer: Omit<InvocationResult, 'body' | 'logs' | 'instanceLost'>): void;
  /** A piece of the body. False: the caller's side is full; the backend reads no more until the `onDrain` callback. */
  write(chunk: Buffer): boolean;
  /** What to call when the caller can take more after `write` returned false. */
  onDrain(resume: () => void): void;
  /** What to call when the caller went away: the backend stops reading and the call ends (the instance lives on). */
  onAbort(abort: () => void): void;
}

/** Where a switched connection goes (InvocationRequest.upgrade). */
export interface UpgradeSink {
  /**
   * The function's server switched protocols: its 101's headers, the connection to it and what it sent after the head.
   * Resolves once the relayed connection has closed on either side (the backend destroys `upstream` at the timeout).
   */
  switched(headers: Readonly<Record<string, HeaderValue>>, upstream: Duplex, upstreamHead: Buffer): Promise<void>;
}

/** A response header's value; a header the function sent several times (Set-Cookie) keeps each value. */
export type HeaderValue = string | readonly string[];

export interface InvocationResult {
  readonly status: number;
  readonly headers: Readonly<Record<string, HeaderValue>>;
  readonly body: Buffer;
  /** Set when the handler failed: FC's x-fc-error-type. */
  readonly errorType?: InvocationErrorType;
  /** What the handler printed during this invocation (for x-fc-log-result). */
  readonly logs?: string;
  /** The instance died handling this request (crash, or killed on timeout): the pool replaces it, as FC does. */
  readonly instanceLost?: boolean;
  /** A streamed answer whose caller went away before it ended (InvocationRequest.stream): the rest was not read. */
  readonly callerGone?: boolean;
}

/** A failure that FC would report with this reason code (preparation) or error code (invocation). */
export class BackendError extends Error {
  constructor(
    readonly code: string,
    message: string,
    /** For invocation failures: the HTTP status FC answers with (FC's for the code, else 502). */
    readonly status = statusOf(code, 502),
    /** What the function itself answered, when it answered (e.g. its initializer's error JSON). */
    readonly body?: Buffer,
  ) {
    super(message);
    this.name = 'BackendError';
  }

  /** What the instance printed during the failed step (a failed initializer's output), for the call's log tail. */
  logs?: string;
}

export interface StartInstanceOptions {
  /**
   * Aborted when the start-up timeout has passed on localfc's clock (the pool arms it): the backend stops what it
   * started and rejects with FC's answer (startupTimedOut). Without it the start is not bounded.
   */
  readonly signal?: AbortSignal;
  /** The start-up timeout `signal` stands for, for the message. */
  readonly timeoutMs?: number;
}

/** FC's answer for an instance whose server did not listen within the start-up timeout ("… on port 9000 in 120 seconds."). */
export function startupTimedOut(port: number, timeoutMs: number | undefined, logs: string): BackendError {
  const within = timeoutMs === undefined ? '' : ` in ${Math.round(timeoutMs / 1000)} seconds`;
  return new BackendError(InstanceErrorCode.FunctionNotStarted, `Function instance health check failed on port ${port}${within}.${logs ? `\nLogs: ${logs}` : ''}`);
}

export interface Backend {
  readonly name: string;
  /** It relays an Upgrade request (WebSocket) to the function's server (InvocationRequest.upgrade): it runs real servers. */
  readonly relaysUpgrades?: boolean;
  /** The real work of the Pending phase: unpack code, pull/pin an image. Throws BackendError with FC's reason code. */
  prepare(req: PrepareRequest): Promise<PreparedRevision>;
  /**
   * The first step of a cold start: the instance runs and its port accepts connections. The pool runs the rest in
   * FC's order (initializer, start-up health check) and bounds the start on its clock (`opts.signal`).
   */
  startInstance(prepared: PreparedRevision, instanceId: string, opts?: StartInstanceOptions): Promise<BackendInstance>;
  /**
   * Whether the instance's process or container has ended since it started (it crashed while idle, or was stopped to
   * hand a fixed port to another instance). The pool then starts it again under its id (restartInstance), with the
   * steps of a cold start. Backends whose instances cannot end leave both out. Answered at once where the backend
   * knows without waiting: the pool then hands a warm instance its invocation without awaiting settled steps.
   */
  ended?(instance: BackendInstance): boolean | Promise<boolean>;
  /** Starts an ended instance again under its id, until its port accepts connections (as startInstance). */
  restartInstance?(instance: BackendInstance, opts?: StartInstanceOptions): Promise<void>;
  /** The initializer hook, once per instance before its first invocation. */
  /** Resolves with what the instance printed while the hook ran; `requestId` is the hook call's (FC's id form). */
  initialize(instance: BackendInstance, timeoutMs: number, requestId?: string): Promise<string | void>;
  /**
   * Runs one invocation. A backend that has nothing to wait for (the simulated one) answers with the result itself: the
   * pool then settles a warm call without a promise, which on Node.js 20 cost every step a frame, a promise and a turn
   * of the microtask queue (docs/benchmarks.md, hotpath3).
   */
  invoke(instance: BackendInstance, req: InvocationRequest): NowOrLater<InvocationResult>;
  /** Between invocations the instance is frozen (no CPU), as FC does. */
  freeze(instance: BackendInstance): Promise<void>;
  thaw(instance: BackendInstance): Promise<void>;
  /** Pre-stop hook then stop. */
  stopInstance(instance: BackendInstance, opts: { preStop: boolean; timeoutMs: number; requestId?: string }): Promise<string | void>;
  /** The revision is no longer needed: remove its files. */
  release(prepared: PreparedRevision): Promise<void>;
  /** Recent output of an instance, bounded. */
  instanceLogs(instance: BackendInstance): string;
  /**
   * One probe of the function's health check (at start-up and periodically, domain/instance-health.ts): undefined when
   * it passed, else why it failed. `signal` is aborted after `timeoutSeconds` of localfc's clock. The caller thaws a
   * frozen instance first. Backends that run no code leave it out.
   */
  probeHealth?(instance: BackendInstance, signal: AbortSignal): Promise<string | undefined>;
  /** Adds a `[localfc] …` line of localfc's own to the instance's log (e.g. "turned unhealthy"). */
  noteInstance?(instance: BackendInstance, line: string): void;
  close(): Promise<void>;
}
