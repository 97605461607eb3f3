/**
 * @module
 * Serving an HTTP request with a function, as FC does for HTTP triggers and custom domains: the request goes through
 * the one invocation path with the qualifier the trigger or route names, as FC 3.0's HTTP event for built-in runtimes
 * and as the raw request for custom runtimes and containers; the function's answer is relayed as it gave it.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { errors } from '../domain/errors.ts';
import { fromHandlerResult, toHttpEvent, type HttpResponseOut, type ResponseHeaders } from '../domain/http-trigger-event.ts';
import type { InvocationOutcome, InvocationService } from '../domain/invocations.ts';
import { payloadLimits } from '../domain/payload-limits.ts';
import type { AppEnv } from './context.ts';
import { readLimited } from './read-limited.ts';
import { RelayedBody, type StreamedHead } from './relayed-body.ts';
import { type SocketRelay, upgradeOf } from './upgrade.ts';

const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'content-length']);
const NO_BODY_STATUS = new Set([204, 205, 304]);

export interface HttpServeDeps {
  readonly invocations: InvocationService;
  readonly accountId: string;
  readonly maxBodyBytes: number;
  readonly now: () => number;
}

/** What serves the request, and the names the HTTP event's requestContext gives (domainName, domainPrefix). */
export interface HttpTarget {
  readonly functionName: string;
  readonly qualifier: string;
  readonly domainName: string;
  readonly domainPrefix: string;
}

/** The request (its method, headers and body from `c`; the path and query the function is to see) answered by the target function. */
export async function serveHttp(deps: HttpServeDeps, c: Context<AppEnv>, target: HttpTarget, rawPath: string, rawQuery: string): Promise<Response> {
  const method = c.req.method.toUpperCase();
  // FC relays WebSocket to a web function: an Upgrade request is relayed to the function's server (docs/behaviour.md).
  const upgrade = c.req.header('upgrade');
  const socket = upgrade === undefined ? undefined : upgradeRelay(deps, c, upgrade);
  // FC's synchronous payload limit; a chunked body is read only up to it, and the connection closed there.
  const limit = payloadLimits(deps.maxBodyBytes).sync;
  const tooLarge = () => errors.entityTooLarge('request body', limit, { connection: 'close' });
  if (Number(c.req.header('content-length') ?? 0) > limit) throw tooLarge();
  const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readLimited(c.req.raw.body, limit, tooLarge);
  const requestId = c.var.requestId;
  const headers = c.req.header();
  const admitted = await deps.invocations.admit(target.functionName, target.qualifier, requestId);
  const base = { functionName: target.functionName, qualifier: target.qualifier, requestId };
  let out: HttpResponseOut;
  const { runtime } = admitted.revision.config;
  if (socket && !runtime.startsWith('custom')) {
    admitted.release?.();
    throw errors.notSupported(`WebSocket and other Upgrade requests ('Upgrade: ${upgrade}') to a function of runtime ${runtime}: FC relays them to web functions (custom runtimes and custom containers), whose server takes the connection`);
  }
  if (runtime.startsWith('custom')) {
    // Custom runtimes and containers are web servers: they get the request itself.
    const forwarded: Record<string, string> = {};
    for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k)) forwarded[k] = v;
    const path = rawPath + (rawQuery ? `?${rawQuery}` : '');
    if (socket) {
      // The function's server switches protocols with the client: its connection is relayed while it stays open.
      forwarded.connection = 'Upgrade';
      forwarded.upgrade = upgrade!;
      const { result } = await deps.invocations.run(admitted, { ...base, body, headers: forwarded, kind: 'http', method, path, upgrade: socket });
      if (socket.switchedOver) {
        // The access log says what the client got: the 101.
        c.set('answerEnded', Promise.resolve(101));
        return socket.sent();
      }
      return respond(webAnswer(result, result.body), result.body, method, requestId);
    }
    // A streamed (chunked) answer is relayed as it comes, as FC relays a web function's (docs/behaviour.md).
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    const relay = method === 'HEAD' ? undefined : new RelayedBody(outgoing && (() => outgoing.destroy()));
    const running = deps.invocations.run(admitted, { ...base, body, headers: forwarded, kind: 'http', method, path, ...(relay ? { stream: relay } : {}) });
    const streamed = relay && (await Promise.race([relay.started, running.then(() => undefined)]));
    if (streamed) return relayStream(c, relay!, streamed, running);
    const { result } = await running;
    out = webAnswer(result, result.body);
  } else {
    const event = toHttpEvent({
      method, rawPath, rawQuery, headers, body, requestId,
      sourceIp: sourceIp(c), now: deps.now(), accountId: deps.accountId,
      domainName: target.domainName, domainPrefix: target.domainPrefix,
    });
    const { result } = await deps.invocations.run(admitted, { ...base, body: event, headers: { 'content-type': 'application/json' }, kind: 'event' });
    out = fromHandlerResult(result);
  }
  return respond(out, out.body, method, requestId);
}

/**
 * Where an Upgrade request's connection goes: refused in FC's error shape where it cannot be relayed (an in-process
 * request has no connection; the simulated backend runs no server to relay it to). Passed on as a plain request it came
 * back 200 OK with no 101, which no WebSocket client understands (a new user's trial, R14).
 */
function upgradeRelay(deps: HttpServeDeps, c: Context<AppEnv>, upgrade: string): SocketRelay {
  const relay = upgradeOf(c);
  const what = `WebSocket and other Upgrade requests ('Upgrade: ${upgrade}')`;
  if (!deps.invocations.relaysUpgrades) throw errors.notSupported(`${what} on the simulated backend, which runs no function server to relay them to (the process and docker backends relay them)`);
  if (!relay) throw errors.notSupported(`${what} that did not come in over localfc's port`);
  return relay;
}

/** A web function's answer as the client gets it: its headers but hop-by-hop ones, and FC's x-fc-error-type. */
function webAnswer(answer: StreamedHead, body: Buffer): HttpResponseOut {
  const headers: ResponseHeaders = {};
  for (const [k, v] of Object.entries(answer.headers)) if (!HOP_BY_HOP.has(k.toLowerCase())) headers[k] = v;
  if (answer.errorType) headers['x-fc-error-type'] = answer.errorType;
  return { status: answer.status, headers, body };
}

/** The response relayed to the client; 502 BadResponse for a status or header HTTP cannot carry. */
function respond(out: Omit<HttpResponseOut, 'body'>, body: Buffer | ReadableStream<Uint8Array>, method: string, requestId: string): Response {
  if (out.status < 200 || out.status > 599) throw errors.badResponse(`the function answered with HTTP status ${out.status}, which cannot be relayed`);
  const empty = method === 'HEAD' || NO_BODY_STATUS.has(out.status);
  const relayed = relayableHeaders(out.headers);
  relayed.set('x-fc-request-id', requestId);
  return new Response(empty ? null : body instanceof ReadableStream ? body : new Uint8Array(body), { status: out.status, headers: relayed });
}

/**
 * A streamed answer, relayed from its head on: the body ends when the call does, or is broken off when the call fails
 * after its head went out (a timeout, the size limit, the instance dying), as the status can no longer say so. The
 * access log writes its line then.
 */
function relayStream(c: Context<AppEnv>, relay: RelayedBody, head: StreamedHead, running: Promise<InvocationOutcome>): Response {
  let response: Response;
  try {
    response = respond(webAnswer(head, Buffer.alloc(0)), relay.body, c.req.method.toUpperCase(), c.var.requestId);
  } catch (e) {
    relay.stop();
    void running.catch(() => undefined);
    throw e;
  }
  c.set('answerEnded', running.then(({ result }) => relay.finish(!result.instanceLost), () => relay.finish(false)));
  return response;
}

/**
 * authType 'function': a missing Authorization header is 403 AccessDenied either way; a present one is verified like
 * the FC API when access keys are configured (`verify`); without keys localfc knows no secret to check it against,
 * so presence is all it can ask for.
 */
export async function requireSignedRequest(c: Context<AppEnv>, what: string, verify: ((c: Context<AppEnv>) => Promise<void>) | undefined): Promise<void> {
  if (!c.req.header('authorization')) throw errors.accessDenied('AccessDenied', `${what} has authType 'function': send a signed request (an Authorization header)`);
  await verify?.(c);
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** What Node.js writes in a header value: no CR, LF, NUL or other control characters, nothing beyond one byte. */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

/**
 * The function's headers as the caller gets them, each value of a repeated header (Set-Cookie) on its own line. A
 * header that cannot be written on the wire (CR/LF in a value would split the response) is the function's bad answer:
 * 502 BadResponse naming it, as FC answers a response it cannot relay.
 */
function relayableHeaders(from: ResponseHeaders): Headers {
  const headers = new Headers();
  for (const [name, value] of Object.entries(from)) {
    if (!TOKEN.test(name)) throw errors.badResponse(`the function's response has a header with an invalid name ${JSON.stringify(name).slice(0, 200)}`);
    for (const v of typeof value === 'string' ? [value] : value) {
      if (!FIELD_VALUE.test(v)) throw errors.badResponse(`the function's response header '${name}' has a value with characters HTTP does not allow (CR, LF, NUL or another control character): ${JSON.stringify(v).slice(0, 200)}`);
      headers.append(name, v);
    }
  }
  return headers;
}

function sourceIp(c: Context<AppEnv>): string {
  const forwarded = c.req.header('x-forwarded-for')?.split(',')[0]?.trim();
  if (forwarded) return forwarded;
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  return incoming?.socket?.remoteAddress?.replace(/^::ffff:/, '') ?? '127.0.0.1';
}
