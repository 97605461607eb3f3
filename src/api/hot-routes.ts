/**
 * @module
 * GetFunction and the common InvokeFunction (synchronous, a body within FC's payload limit) answered by a node:http
 * request listener in front of @hono/node-server's, when no pre-route step acts on the request (api/pre-route.ts).
 * Also GET /_localfc/health: a fresh server's first request, answered before @hono/node-server is loaded (server.ts).
 * Hand-written because hono with @hono/node-server alone (no middleware) costs GetFunction a third more CPU than bare
 * node:http: its Request/Response emulation, routing and compose are the floor no hono route gets under.
 *
 * A request is taken only in its plainest form (origin-form target, no escapes, only `?qualifier=`, one lower-case Host
 * with a valid port if any, no repeated header), every step on its route's path passing, and its parts passing
 * the route's own schemas; everything else goes to the full app untouched, before any request id is used. What it
 * answers is what the full app answers, byte for byte: the same handler code (the route passes it in), the request id,
 * the headers in the order @hono/node-server writes them, and the access log line.
 * GetFunction goes to the full app also when its handler throws (no such function or version), so its errors are the
 * chain's own. An invocation is the fast route's once its body is being read (a chunked body that passes the limit is
 * put back and handed over), so admission's errors are rendered here as the app's error handler renders them.
 */
import type { IncomingHttpHeaders, IncomingMessage, RequestListener, ServerResponse } from 'node:http';
import type { RouteConfig } from '@hono/zod-openapi';
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import type { LogFn } from '../log.ts';
import { AnswerBatch } from './answer-batch.ts';
import { answeredError } from './errors.ts';
import { partsCheck, type Target } from './lean-route.ts';
import { logRequest } from './middleware.ts';
import { type PreRouteStep, type RequestHead, stepsPass } from './pre-route.ts';
import type { InvokeAnswer, SyncCall } from './routes/invoke.ts';
import type { NowOrLater } from '../domain/ports/backend.ts';

const FUNCTIONS = '/2023-03-30/functions/';
/** GetFunction's and InvokeFunction's targets in their plainest form (hono's path and query read them as they are). */
const HOT_TARGET = /^\/2023-03-30\/functions\/([A-Za-z_][A-Za-z0-9_-]*)(\/invocations)?(?:\?qualifier=([A-Za-z0-9_-]+))?$/;
/**
 * A lower-case name or address with a port, if any, that is a port (1-65535, no leading zero): @hono/node-server takes it
 * into the request's URL as it is or through URL() (which only drops a default port), and no pre-route step reads more
 * of the URL than its path. The range is in the pattern so that a test() decides, with no match array made per request.
 */
const PLAIN_HOST = /^[a-z0-9._-]+(?::(?:[1-9]\d{0,3}|[1-5]\d{4}|6[0-4]\d{3}|65[0-4]\d{2}|655[0-2]\d|6553[0-5]))?$/;

export interface HotRouteDeps {
  /** The pre-route steps, as mounted on the full app. */
  readonly steps: readonly PreRouteStep[];
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly log: LogFn;
  readonly silent: boolean;
}

type Valid = { param: Record<string, string>; query: { qualifier?: string }; header: Record<string, string> };

/** The request as the pre-route steps read it. */
class NodeHead implements RequestHead {
  constructor(readonly method: string, readonly url: string, readonly path: string, readonly headers: IncomingHttpHeaders) {}
  header(name: string): string | undefined {
    return this.headers[name] as string | undefined;
  }
}

/** A request's parts as the fast routes gather them, and what the route's schemas made of them (`valid`). */
interface Gathered {
  readonly param: Record<string, string>;
  readonly query: Record<string, string>;
  readonly headers: IncomingHttpHeaders;
  readonly valid: Valid;
}

/** A declared part of a node:http request (of the headers, only those the schema names). */
function readGathered(g: Gathered, target: Target, headerNames: readonly string[]): Record<string, unknown> {
  if (target !== 'header') return g[target];
  const header: Record<string, string> = {};
  for (const name of headerNames) {
    const value = g.headers[name];
    if (value !== undefined) header[name] = value as string;
  }
  return header;
}

/** A route's declared parts checked by its own schemas, as the full app's route checks them (lean-route.ts), or undefined when one is refused. */
function partsChecker(route: RouteConfig): (param: Record<string, string>, query: Record<string, string>, headers: IncomingHttpHeaders) => Valid | undefined {
  const check = partsCheck<Gathered>(route.request ?? {}, readGathered, (g, target, data) => {
    g.valid[target] = data as Record<string, string>;
  });
  return (param, query, headers) => {
    // A part the route does not declare is used as gathered (no headers: none are read).
    const g: Gathered = { param, query, headers, valid: { param, query, header: {} } };
    return check(g) ? undefined : g.valid;
  };
}

/**
 * Writes a response as @hono/node-server writes a Response with plain-object headers (its responseViaCache): the
 * headers in one writeHead, which Node.js writes as given (per-header setHeader calls each lower-cased the name and
 * stored a pair, and end() then wrote them through _implicitHeader), and the length after Node's own Date and
 * Connection, set as node-server's trySetContentLength sets it.
 */
function writePlain(res: ServerResponse, status: number, headers: Record<string, string | string[]>, body: string | Uint8Array): void {
  let hasLength = false;
  let canAutoLength = true;
  for (const name in headers) {
    // Only names as long as content-length, transfer-encoding or trailer are compared (lower-casing each cost a tenth of a microsecond).
    if (name.length !== 14 && name.length !== 17 && name.length !== 7) continue;
    const lower = name.toLowerCase();
    if (lower === 'content-length') {
      hasLength = true;
      break;
    }
    if (lower === 'transfer-encoding' || lower === 'trailer') canAutoLength = false;
  }
  if (!hasLength) {
    const length = typeof body === 'string' ? Buffer.byteLength(body) : body.byteLength;
    if (!canAutoLength || !autoLength(res, status, length)) headers = Object.assign({}, headers, { 'Content-Length': length });
  }
  res.writeHead(status, headers);
  res.end(body);
}

/** Node.js's fields for the length it writes itself, as @hono/node-server 2.x reads and sets them (its trySetContentLength). */
interface OutgoingLength {
  _contentLength: number | null;
  readonly _hasBody: boolean;
  readonly _removedContLen: boolean;
  readonly useChunkedEncodingByDefault: boolean;
}

/**
 * Lets Node.js write `length` as the Content-Length, after its Date and Connection headers, where it would otherwise
 * send the body chunked; false when it would not (a HEAD request, a status without a body, a length already set).
 */
function autoLength(res: ServerResponse, status: number, length: number): boolean {
  const out = res as unknown as OutgoingLength;
  if (out._contentLength !== null || !out._hasBody || !out.useChunkedEncodingByDefault || out._removedContLen || status < 200 || status === 204 || status === 304) return false;
  out._contentLength = length;
  return true;
}

/** Writes an error as the app's error handler renders it (c.json with Headers: names sorted, then Content-Length). */
function writeError(res: ServerResponse, err: unknown, requestId: string, log: LogFn): number {
  const e = answeredError(err, log);
  const body = JSON.stringify({ Code: e.code, Message: e.message, RequestId: requestId });
  const headers = new Headers({ 'content-type': 'application/json', 'x-fc-request-id': requestId, ...e.headers });
  res.statusCode = e.status;
  for (const [name, value] of headers) res.setHeader(name, value);
  res.setHeader('Content-Length', Buffer.byteLength(body));
  res.end(body);
  return e.status;
}

/**
 * Reads the request's body and calls `done` with it, or with undefined when it passes `limit` (only a chunked one can: a
 * declared length was checked): what was read is then put back and the stream paused, so the full app reads the body
 * from its start. `failed` gets a stream error or the client's close before the end. Listeners, not a promise: awaiting
 * one cost every invocation its allocation and a turn of the microtask queue.
 */
function readWithin(req: IncomingMessage, limit: number, done: (body: Buffer | undefined) => void, failed: (err: unknown) => void): void {
  const chunks: Buffer[] = [];
  let size = 0;
  const stop = () => {
    req.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
  };
  const onData = (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
    if (size <= limit) return;
    req.pause();
    stop();
    req.unshift(Buffer.concat(chunks));
    done(undefined);
  };
  const onEnd = () => {
    stop();
    done(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
  };
  const onError = (err: unknown) => {
    stop();
    failed(err);
  };
  const onClose = () => onError(new Error('the client closed the connection before the request body ended'));
  req.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
}

interface Route {
  readonly passes: (head: RequestHead) => boolean;
  readonly check: ReturnType<typeof partsChecker>;
  /** False: the full app answers (called before anything is read); `fallback` is the full app, for a body over the limit. */
  serve(head: NodeHead, req: IncomingMessage, res: ServerResponse, valid: Valid, fallback: RequestListener): boolean;
}

export class HotRoutes {
  readonly #deps: HotRouteDeps;
  readonly #batch = new AnswerBatch();
  #get: Route | undefined;
  #invoke: Route | undefined;
  /** The health check's exact target, whether the pre-route steps leave it alone, and its answer (no parts to check, no body). */
  #health: { readonly url: string; readonly passes: (head: RequestHead) => boolean; answer(head: NodeHead, res: ServerResponse): void } | undefined;

  constructor(deps: HotRouteDeps) {
    this.#deps = deps;
  }

  /** A route's pattern in hono's form, and the check that every pre-route step on it passes. */
  #passes(route: RouteConfig): (head: RequestHead) => boolean {
    return stepsPass(this.#deps.steps, route.path.replace(/\{(\w+)\}/g, ':$1'));
  }

  /** GetFunction: `json` reads the validated request and returns the body (text or its bytes), throwing for any other answer (the full app gives it). */
  get(route: RouteConfig, json: (valid: Valid) => string | Uint8Array): void {
    const { ids, clock, log, silent } = this.#deps;
    const batch = this.#batch;
    this.#get = {
      passes: this.#passes(route),
      check: partsChecker(route),
      serve(head, _req, res, valid) {
        const started = silent ? 0 : Date.now();
        let body: string | Uint8Array;
        try {
          body = json(valid);
        } catch {
          return false;
        }
        const requestId = ids.requestId(clock.now());
        batch.defer(() => {
          writePlain(res, 200, { 'content-type': 'application/json', 'x-fc-request-id': requestId }, body);
          if (!silent) logRequest(log, requestId, head, 200, started);
        });
        return true;
      },
    };
  }

  /** The health check: `json` gives its body (the route has no parameters; its target with a query goes to the full app). */
  health(route: RouteConfig, json: () => string): void {
    const { ids, clock, log, silent } = this.#deps;
    this.#health = {
      url: route.path,
      passes: this.#passes(route),
      answer(head, res) {
        const started = silent ? 0 : Date.now();
        const requestId = ids.requestId(clock.now());
        const body = json();
        // c.json's headers are a Headers object there, which @hono/node-server writes with the length named.
        writePlain(res, 200, { 'content-type': 'application/json', 'x-fc-request-id': requestId, 'Content-Length': String(Buffer.byteLength(body)) }, body);
        if (!silent) logRequest(log, requestId, head, 200, started);
      },
    };
  }

  /**
   * InvokeFunction, synchronous, with a body within `limit`: a declared length over it, other invocation types and a
   * chunked body that turns out longer go to the full app.
   */
  invoke(route: RouteConfig, limit: number, invokeSync: (call: SyncCall) => NowOrLater<InvokeAnswer>): void {
    const { ids, clock, log, silent } = this.#deps;
    const batch = this.#batch;
    /** Answers with an error as the app's error handler renders it, and logs the request. */
    const fail = (head: NodeHead, res: ServerResponse, err: unknown, requestId: string, started: number) => {
      const status = writeError(res, err, requestId, log);
      if (!silent) logRequest(log, requestId, head, status, started);
    };
    /** Queues a served invocation's answer, and its access log line, for the turn's batch. */
    const answered = (head: NodeHead, res: ServerResponse, answer: InvokeAnswer, requestId: string, started: number) => {
      answer.headers['x-fc-request-id'] = requestId;
      batch.defer(() => {
        let status = answer.status;
        try {
          writePlain(res, status, answer.headers, answer.body);
        } catch (err) {
          status = writeError(res, err, requestId, log);
        }
        if (!silent) logRequest(log, requestId, head, status, started);
      });
    };
    // Once its body is read; no promise when the invocation settled at once (each awaited step cost a frame, a promise and a microtask).
    const serveInvocation = (head: NodeHead, res: ServerResponse, valid: Valid, body: Buffer, started: number): void => {
      const requestId = ids.requestId(clock.now());
      let answer: NowOrLater<InvokeAnswer>;
      try {
        answer = invokeSync({
          functionName: valid.param.functionName!, qualifier: valid.query.qualifier ?? 'LATEST', requestId, body,
          contentType: head.header('content-type'), tail: valid.header['x-fc-log-type'] === 'Tail',
        });
      } catch (err) {
        return fail(head, res, err, requestId, started);
      }
      if (answer instanceof Promise) answer.then((a) => answered(head, res, a, requestId, started), (err: unknown) => fail(head, res, err, requestId, started));
      else answered(head, res, answer, requestId, started);
    };
    this.#invoke = {
      passes: this.#passes(route),
      check: partsChecker(route),
      serve(head, req, res, valid, fallback) {
        const type = valid.header['x-fc-invocation-type'];
        const length = head.header('content-length');
        if ((type !== undefined && type !== 'Sync') || head.method === 'TRACE' || (length !== undefined && !(Number(length) <= limit))) return false;
        const started = silent ? 0 : Date.now();
        readWithin(req, limit, (body) => {
          if (body) return serveInvocation(head, res, valid, body, started);
          try {
            fallback(req, res);
          } catch (err) {
            fail(head, res, err, ids.requestId(clock.now()), started);
          }
        }, (err) => fail(head, res, err, ids.requestId(clock.now()), started));
        return true;
      },
    };
  }

  /** The server's request listener: the hot routes first, everything they do not take to `fallback` (the full app). */
  listener(fallback: RequestListener): RequestListener {
    return (req, res) => {
      const url = req.url ?? '';
      const served = url.startsWith(FUNCTIONS) ? this.#serve(req, res, url, fallback) : url === this.#health?.url && req.method === 'GET' && this.#serveHealth(req, res, url);
      if (!served) fallback(req, res);
    };
  }

  #serve(req: IncomingMessage, res: ServerResponse, url: string, fallback: RequestListener): boolean {
    const target = HOT_TARGET.exec(url);
    if (!target) return false;
    const method = req.method!;
    const route = target[2] ? (method === 'POST' ? this.#invoke : undefined) : method === 'GET' ? this.#get : undefined;
    if (!route) return false;
    const head = plainHead(req, url);
    if (!head || !route.passes(head)) return false;
    const valid = route.check({ functionName: target[1]! }, target[3] === undefined ? {} : { qualifier: target[3] }, head.headers);
    return valid !== undefined && route.serve(head, req, res, valid, fallback);
  }

  #serveHealth(req: IncomingMessage, res: ServerResponse, url: string): boolean {
    const health = this.#health!;
    const head = plainHead(req, url);
    if (!head || !health.passes(head)) return false;
    health.answer(head, res);
    return true;
  }
}

/** The request as the pre-route steps read it, when its Host is plain and no header came twice; else undefined (the full app's). */
function plainHead(req: IncomingMessage, url: string): NodeHead | undefined {
  const headers = req.headers;
  const host = headers.host;
  if (host === undefined || !PLAIN_HOST.test(host) || !singleValued(req)) return undefined;
  const q = url.indexOf('?');
  return new NodeHead(req.method!, `http://${host}${url}`, q < 0 ? url : url.slice(0, q), headers);
}

/**
 * No header came twice: Node keeps the first of some repeated headers (Host, Authorization, Content-Type) where
 * @hono/node-server joins them all, so such a request is the full app's.
 */
function singleValued(req: IncomingMessage): boolean {
  let names = 0;
  for (const _ in req.headers) names++;
  return req.rawHeaders.length === 2 * names;
}
