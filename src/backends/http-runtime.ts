/**
 * @module
 * FC's HTTP contract with a function's own server, shared by the process and container backends: the environment an
 * instance gets, the `x-fc-*` headers, lifecycle hook calls (/initialize, /pre-stop) and forwarding one invocation.
 * Invocations go through the instance's own keep-alive Pool (process: per process, container: per container); the
 * hook calls take one optionally (without it, undici's global dispatcher).
 */
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import type { Duplex } from 'node:stream';
import { type Dispatcher, errors as undiciErrors, request } from 'undici';
import { BackendError, type HeaderValue, type InvocationDeadline, type InvocationRequest, type InvocationResult, type PreparedRevision, type ResponseSink, type UpgradeSink } from '../domain/ports/backend.ts';
import { credentialsFor } from './runtime-env.ts';
import { InstanceErrorCode } from '../domain/reason-codes.ts';

/** Per request: what the caller named (`qualifier`: LATEST, a version or an alias) and the version that serves it. */
export interface RequestScope {
  readonly qualifier?: string;
  readonly versionId?: string;
}

/** FC's initializer timeout when the function's initializer names none, in seconds. */
const INITIALIZATION_TIMEOUT_S = 3;

/** The version serving a call, and the qualifier the call named (that version when it named none). */
function servedBy(p: PreparedRevision, scope: RequestScope): { readonly qualifier: string; readonly versionId: string } {
  const versionId = scope.versionId ?? p.fn.qualifier;
  return { qualifier: scope.qualifier ?? versionId, versionId };
}

/** fcHeaders()' values that depend on the revision alone, made once per prepared revision (its config does not change). */
interface RevisionHeaders {
  readonly name: string;
  readonly handler: string;
  readonly memory: string;
  readonly timeout: string;
  readonly initializer: string;
  readonly initializationTimeout: string;
  readonly preStop: string;
  readonly region: string;
  readonly accountId: string;
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
}

const revisionHeaders = new WeakMap<PreparedRevision, RevisionHeaders>();

function revisionHeadersOf(p: PreparedRevision): RevisionHeaders {
  let h = revisionHeaders.get(p);
  if (h) return h;
  const { config, fn } = p;
  const hooks = config.instanceLifecycleConfig;
  const creds = credentialsFor(config, 'request');
  h = {
    name: fn.functionName, handler: config.handler ?? '', memory: String(config.memorySize), timeout: String(config.timeout),
    initializer: hooks?.initializer?.handler ?? '', initializationTimeout: String(hooks?.initializer?.timeout ?? INITIALIZATION_TIMEOUT_S),
    preStop: hooks?.preStop?.handler ?? '', region: fn.region, accountId: fn.accountId,
    accessKeyId: creds.accessKeyId, accessKeySecret: creds.accessKeySecret, securityToken: creds.securityToken,
  };
  revisionHeaders.set(p, h);
  return h;
}

/**
 * The `x-fc-*` headers FC sends with every request to the function's server (FC's custom-runtime request headers).
 * What depends on the revision alone is made once (revisionHeadersOf): per call, only the object is new (docs/benchmarks.md, procpath2).
 */
export function fcHeaders(p: PreparedRevision, requestId: string, scope: RequestScope = {}): Record<string, string> {
  const h = revisionHeadersOf(p);
  const { qualifier, versionId } = servedBy(p, scope);
  return {
    'x-fc-request-id': requestId,
    'x-fc-function-name': h.name,
    'x-fc-function-handler': h.handler,
    'x-fc-function-memory': h.memory,
    'x-fc-function-timeout': h.timeout,
    'x-fc-function-initializer': h.initializer,
    'x-fc-initialization-timeout': h.initializationTimeout,
    'x-fc-instance-lifecycle-pre-stop-handler': h.preStop,
    'x-fc-instance-lifecycle-pre-freeze-handler': '',
    'x-fc-region': h.region,
    'x-fc-account-id': h.accountId,
    'x-fc-qualifier': qualifier,
    'x-fc-version-id': versionId,
    'x-fc-access-key-id': h.accessKeyId,
    'x-fc-access-key-secret': h.accessKeySecret,
    'x-fc-security-token': h.securityToken,
  };
}

/**
 * The `x-fc-*` headers localfc's own nodejs and python bootstraps (bootstraps.ts) read on `POST /invoke`, which is all
 * they turn into the handler's context there, and only those that differ from what a bootstrap takes when one is
 * missing: the call's request id; the qualifier unless LATEST and the version unless the qualifier; the credentials
 * and the initializer's handler and timeout when set (FC's default 3 otherwise). The rest of fcHeaders() (name,
 * handler, memory, timeout, region, account) a bootstrap reads from its environment, set at spawn. A custom runtime's
 * server gets every header of fcHeaders(), as on FC. Each header costs a forward microseconds in undici (it checks
 * every name and value) and the instance its parsing (docs/benchmarks.md, procfwd 2026-12-01).
 */
export function bootstrapHeaders(p: PreparedRevision, requestId: string, scope: RequestScope = {}): Record<string, string> {
  const { qualifier, versionId } = servedBy(p, scope);
  const headers: Record<string, string> = { 'x-fc-request-id': requestId };
  // A bootstrap takes a missing qualifier as LATEST and a missing version as the qualifier.
  if (qualifier !== 'LATEST') headers['x-fc-qualifier'] = qualifier;
  if (versionId !== qualifier) headers['x-fc-version-id'] = versionId;
  const creds = credentialsFor(p.config, 'request');
  if (creds.accessKeyId) {
    headers['x-fc-access-key-id'] = creds.accessKeyId;
    headers['x-fc-access-key-secret'] = creds.accessKeySecret;
    headers['x-fc-security-token'] = creds.securityToken;
  }
  const initializer = p.config.instanceLifecycleConfig?.initializer;
  if (initializer?.handler) {
    headers['x-fc-function-initializer'] = initializer.handler;
    headers['x-fc-initialization-timeout'] = String(initializer.timeout ?? INITIALIZATION_TIMEOUT_S);
  }
  return headers;
}

/** A hook call (/initialize, /pre-stop): resolves with the status, rejects on timeout or connection failure. */
async function callHook(
  baseUrl: string,
  headers: Record<string, string>,
  method: 'GET' | 'POST',
  path: string,
  timeoutMs: number,
  dispatcher?: Dispatcher,
): Promise<{ status: number; body: string }> {
  const res = await request(`${baseUrl}${path}`, { method, headers: { ...headers, 'x-fc-control-path': path }, signal: AbortSignal.timeout(timeoutMs), dispatcher });
  return { status: res.statusCode, body: await res.body.text() };
}

/** FC's error JSON (`{errorMessage, errorType?, stackTrace?}`) in a body, if it is one. */
function errorJson(body: string): { errorMessage: string; errorType?: string } | undefined {
  try {
    const v = JSON.parse(body) as unknown;
    return v && typeof v === 'object' && typeof (v as { errorMessage?: unknown }).errorMessage === 'string' ? (v as { errorMessage: string; errorType?: string }) : undefined;
  } catch {
    return undefined;
  }
}

/** The initializer's failure as FC reports it (InitializationError), from a non-2xx answer or a thrown error. */
function initializerError(e: unknown, timeoutMs: number): BackendError {
  if (e instanceof BackendError) return e;
  const timedOut = e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError');
  return new BackendError(InstanceErrorCode.InitializationError, timedOut ? `Function initialization timeout after ${timeoutMs / 1000} seconds` : `the initializer failed: ${e instanceof Error ? e.message : String(e)}`, 200);
}

export async function runInitializer(baseUrl: string, headers: Record<string, string>, timeoutMs: number, dispatcher?: Dispatcher): Promise<void> {
  try {
    const r = await callHook(baseUrl, headers, 'POST', '/initialize', timeoutMs, dispatcher);
    if (r.status < 200 || r.status >= 300) {
      const own = errorJson(r.body);
      const why = own ? `${own.errorType ? `${own.errorType}: ` : ''}${own.errorMessage}` : `HTTP ${r.status}: ${r.body.slice(0, 2000)}`;
      throw new BackendError(InstanceErrorCode.InitializationError, `the initializer failed (${why})`, 200, own ? Buffer.from(r.body) : undefined);
    }
  } catch (e) {
    throw initializerError(e, timeoutMs);
  }
}

/** FC's preStop hook (`GET /pre-stop`); a failure is not an error (the instance stops anyway): the log line saying so. */
export async function runPreStop(baseUrl: string, headers: Record<string, string>, timeoutMs: number, dispatcher?: Dispatcher): Promise<string | undefined> {
  const r = await callHook(baseUrl, headers, 'GET', '/pre-stop', timeoutMs, dispatcher).catch((e: unknown) => ({ status: 0, body: e instanceof Error ? e.message : String(e) }));
  return r.status >= 200 && r.status < 300 ? undefined : `[localfc] preStop failed: ${r.status || ''} ${r.body.slice(0, 500)}\n`;
}

const HOP_BY_HOP = new Set(['x-localfc-error-type', 'connection', 'keep-alive', 'transfer-encoding']);

/**
 * Sends one invocation to the function's server: an event is `POST /invoke`; with `forwardHttp` an HTTP invocation
 * goes out as it came (method, path, the caller's headers); `toBootstrap`: `fc` alone is sent. `fc` is made for this
 * call: an event's are sent in it, with FC's content type and control path added. Throws what undici throws (connection errors, the call
 * stopped once `deadline` passed: the caller tells that by `deadline.expired`). `dispatcher` must be this package's
 * undici (a Pool per instance): undici's global dispatcher may be the older undici inside Node.js (set by the first
 * fetch() in the process), which does not know the handler API AnswerReader speaks.
 */
export async function forwardInvocation(
  baseUrl: string,
  req: InvocationRequest,
  fc: Record<string, string>,
  opts: { forwardHttp: boolean; deadline?: InvocationDeadline; dispatcher: Dispatcher; toBootstrap?: boolean },
): Promise<Omit<InvocationResult, 'logs'>> {
  const isHttp = req.kind === 'http' && opts.forwardHttp;
  const method = isHttp ? (req.method ?? 'GET') : 'POST';
  // localfc's own bootstrap reads nothing of a request but `fc` (bootstrapHeaders) and the body.
  let headers = fc;
  if (!opts.toBootstrap) {
    // An event carries FC's headers alone: `fc`, made for this call, takes the two more itself (a copy of its 16 cost
    // every call microseconds); an HTTP call's own headers go first, FC's replacing any of the same name.
    if (req.kind === 'http') headers = { ...req.headers, ...fc };
    else headers['content-type'] = req.headers['content-type'] ?? 'application/octet-stream';
    headers['x-fc-control-path'] = isHttp ? '/http-invoke' : '/invoke';
  }
  if (isHttp && req.upgrade) return forwardUpgrade(`${baseUrl}${req.path ?? '/'}`, method, headers, req.upgrade, opts.deadline, req.maxResponseBytes);
  // Only an HTTP call is relayed as it streams (FC streams web functions' answers, not event functions').
  const sink = isHttp && method !== 'HEAD' ? req.stream : undefined;
  const reader = new AnswerReader(req.maxResponseBytes, sink && { sink, head: (status, headers) => answerHead(status, headers, isHttp) });
  // undici's exports read when used: at module level the bundle's stand-in would load undici at every start-up.
  opts.deadline?.onExpiry(() => reader.cancel(new undiciErrors.RequestAbortedError('the invocation timed out')));
  // Origin and path as they are: undici's request(url) would parse the URL again on every call.
  opts.dispatcher.dispatch({
    origin: baseUrl,
    path: isHttp ? (req.path ?? '/') : '/invoke',
    method: method as 'POST',
    headers,
    body: method === 'GET' || method === 'HEAD' ? null : req.body,
  }, reader);
  const res = await reader.answer;
  const answer: Writable<Omit<InvocationResult, 'logs'>> = answerHead(res.status, res.headers, isHttp) as Writable<Omit<InvocationResult, 'logs'>>;
  answer.body = res.body;
  if (res.callerGone) answer.callerGone = true;
  return answer;
}

type Writable<T> = { -readonly [K in keyof T]: T[K] };

/** What the caller gets of an answer but its body: status, headers as the function sent them, FC's error type. */
function answerHead(status: number, headers: IncomingHttpHeaders, isHttp: boolean): Writable<Omit<InvocationResult, 'logs' | 'body'>> {
  const out: Record<string, HeaderValue> = {};
  // A header sent several times stays several values: Set-Cookie values cannot be joined with commas (RFC 6265).
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
  }
  const marked = headers['x-localfc-error-type'];
  const errorType = marked === 'HandledInvocationError' || marked === 'UnhandledInvocationError' ? marked : headers['x-fc-status'] === '404' || (!isHttp && status >= 300) ? 'UnhandledInvocationError' : undefined;
  // An event invocation (POST /invoke) answered with another status is the function failing, not the API call:
  // FC's custom-runtime spec has 200 (success) and 404 (failure) there; the caller gets 200 with the body as it came.
  const head: Writable<Omit<InvocationResult, 'logs' | 'body'>> = { status: isHttp ? status : 200, headers: out };
  if (errorType) head.errorType = errorType;
  return head;
}

/**
 * An Upgrade request (WebSocket) sent on to the function's server on a connection of its own. On its 101 the connection
 * goes to `sink` and the call lasts until the relayed connection has closed, or until the function's timeout, when FC
 * closes it ("the client receives status code 1006", FC's WebSocket user guide; the instance is not stopped). Any other
 * answer comes back as an ordinary one; a timeout before the answer is any call's timeout. node:http, not undici: undici's
 * upgrade() fails on an answer other than 101, and the function's own refusal (a 400, a 426) is what the client is to get.
 */
function forwardUpgrade(url: string, method: string, headers: Record<string, string>, sink: UpgradeSink, deadline: InvocationDeadline | undefined, max: number | undefined): Promise<Omit<InvocationResult, 'logs'>> {
  return new Promise((resolve, reject) => {
    const out = httpRequest(url, { method, headers, agent: false });
    let upstream: Duplex | undefined;
    deadline?.onExpiry(() => (upstream ? upstream.destroy() : out.destroy(new undiciErrors.RequestAbortedError('the invocation timed out'))));
    out.on('error', reject);
    out.on('upgrade', (res, socket, head) => {
      upstream = socket;
      const answer = answerHead(101, res.headers, true);
      void sink.switched(defined(res.headers), socket, head).then(() => resolve(Object.assign(answer, { body: Buffer.alloc(0) })));
      if (deadline?.expired) socket.destroy();
    });
    out.on('response', (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (max !== undefined && size > max) return void (res.destroy(), reject(tooLarge(max)));
        chunks.push(chunk);
      });
      res.on('error', reject);
      res.on('end', () => resolve(Object.assign(answerHead(res.statusCode ?? 502, res.headers, true), { body: Buffer.concat(chunks, size) })));
    });
    out.end();
  });
}

/** Headers as node:http parses them, without the names it left undefined. */
function defined(headers: IncomingHttpHeaders): Record<string, HeaderValue> {
  const out: Record<string, HeaderValue> = {};
  for (const k in headers) if (headers[k] !== undefined) out[k] = headers[k]!;
  return out;
}

/** The function's answer: its status, headers as undici parses them (lower-case names, a repeated one an array), body. */
interface Answer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: Buffer;
  /** A streamed answer whose caller went away before it ended. */
  readonly callerGone?: boolean;
}

/** Where AnswerReader relays a streamed answer, and how it makes the head the sink is given. */
interface Relay {
  readonly sink: ResponseSink;
  readonly head: (status: number, headers: IncomingHttpHeaders) => ReturnType<typeof answerHead>;
}

/** FC streams a web function's answer when it comes with `Transfer-Encoding: chunked` (FC's SSE FAQ). */
const isChunked = (headers: IncomingHttpHeaders): boolean => /(?:^|,)\s*chunked\s*$/i.test(String(headers['transfer-encoding'] ?? ''));

/**
 * Reads one answer through undici's dispatch API, the body gathered as it arrives into a Buffer, or, for a chunked
 * answer with a `relay`, handed to its sink as it arrives (undici paused while the sink is full). undici's `request()`
 * makes a response stream, an async resource and more promises per call (with the AbortSignal it needed, ~25 µs of
 * CPU per call on Node.js 20: docs/benchmarks.md). The body is given up at `max` bytes (the connection dropped, the
 * rest never read): a handler answering 300 MB must not make localfc buffer 300 MB. Beyond the limit: 502 BadResponse.
 */
class AnswerReader implements Dispatcher.DispatchHandler {
  readonly answer: Promise<Answer>;
  #resolve!: (a: Answer) => void;
  #reject!: (e: unknown) => void;
  readonly #max: number | undefined;
  readonly #relay: Relay | undefined;
  /** The answer is being relayed (a chunked answer with a relay): its body goes to the sink, not into #chunks. */
  #streaming = false;
  /** The sink's caller went away (ResponseSink.onAbort). */
  #gone = false;
  #controller: Dispatcher.DispatchController | undefined = undefined;
  #cancelled: Error | undefined = undefined;
  #status = 0;
  #headers: IncomingHttpHeaders = {};
  #chunks: Buffer[] = [];
  #size = 0;

  constructor(max: number | undefined, relay?: Relay) {
    this.#max = max;
    this.#relay = relay;
    this.answer = new Promise<Answer>((resolve, reject) => ((this.#resolve = resolve), (this.#reject = reject)));
  }

  /** Stops the call (now, or as soon as undici starts it); the answer rejects with `reason`. */
  cancel(reason: Error): void {
    this.#cancelled ??= reason;
    this.#controller?.abort(reason);
  }

  /** Also what makes undici take this for a handler of its current API: one without onRequestStart is taken for the older one. */
  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#cancelled) controller.abort(this.#cancelled);
  }

  onResponseStart(controller: Dispatcher.DispatchController, status: number, headers: IncomingHttpHeaders): void {
    if (status < 200) return; // 1xx: the answer follows
    this.#status = status;
    this.#headers = headers;
    // A declared length over the limit is refused before any of the body is read.
    if (this.#max !== undefined && Number(headers['content-length'] ?? 0) > this.#max) return controller.abort(tooLarge(this.#max));
    const relay = this.#relay;
    if (!relay || !isChunked(headers)) return;
    this.#streaming = true;
    relay.sink.onDrain(() => controller.resume());
    relay.sink.onAbort(() => {
      this.#gone = true;
      this.cancel(new Error('the caller closed the connection'));
    });
    relay.sink.head(relay.head(status, headers));
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#size += chunk.length;
    if (this.#max !== undefined && this.#size > this.#max) return controller.abort(tooLarge(this.#max));
    if (!this.#streaming) this.#chunks.push(chunk);
    else if (!this.#relay!.sink.write(chunk)) controller.pause();
  }

  onResponseEnd(): void {
    const chunks = this.#chunks;
    const body = chunks.length === 1 ? chunks[0]! : this.#streaming ? Buffer.alloc(0) : Buffer.concat(chunks, this.#size);
    this.#resolve({ status: this.#status, headers: this.#headers, body });
  }

  onResponseError(_controller: Dispatcher.DispatchController, error: Error): void {
    // The caller of a streamed answer went away: the call ends with what was relayed, the instance unharmed.
    if (this.#gone) this.#resolve({ status: this.#status, headers: this.#headers, body: Buffer.alloc(0), callerGone: true });
    else this.#reject(error);
  }
}

const tooLarge = (max: number) => new BackendError('BadResponse', `the function's response body exceeds the limit of ${max} bytes (FC's payload limit for a synchronous invocation)`, 502);

/**
 * The answer for a request whose instance died under it (crash, or killed on timeout), in the body FC answers with
 * when the handler produced none; the pool replaces the instance.
 */
export function instanceLost(errorMessage: string, logs: string, errorType?: string): InvocationResult {
  const body = Buffer.from(JSON.stringify(errorType ? { errorMessage, errorType } : { errorMessage }));
  return { status: 200, headers: { 'content-type': 'application/json' }, body, errorType: 'UnhandledInvocationError', logs, instanceLost: true };
}

/**
 * A process that ended under the call, in FC's words: its runtimes answer `{"errorMessage": "Process exited unexpectedly
 * before completing request (duration: 43ms, maxMemoryUsage: 65MB)"}` and nothing else (FC's Java/C# error-handling
 * pages); localfc does not measure the memory, so that part is left out. The output is in the log tail, not the message.
 */
export function processExited(durationMs: number, logs: string): InvocationResult {
  return instanceLost(`Process exited unexpectedly before completing request (duration: ${Math.round(durationMs)}ms)`, logs);
}

/** An instance that died under the call (`how`: its exit code or signal), quoting the last lines it printed, if any. */
export function exitedUnexpectedly(what: 'Container', how: string, lastLines: string, logs: string): InvocationResult {
  return instanceLost(`${what} exited unexpectedly (${how})${lastLines ? `: ${lastLines}` : ''}`, logs, 'ProcessExited');
}
