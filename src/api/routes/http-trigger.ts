/**
 * @module
 * Serving HTTP triggers: `/fcapp/<functionName>/<triggerName>/<path…>` on localfc, or any path on a host named like
 * the cloud's `<domainPrefix>.<region>.fcapp.run` (e.g. via curl --resolve or a hosts entry). The trigger's methods
 * and authType are enforced (authType 'function': the ACS3 signature is verified when access keys are configured, else
 * only its presence is checked), then the request goes through the one invocation path with the trigger's qualifier:
 * as FC 3.0's HTTP event for built-in runtimes, as the raw request for custom runtimes and containers.
 */
import type { IncomingMessage } from 'node:http';
import { Hono, type Context } from 'hono';
import type { Clock } from '../../clock.ts';
import { errors } from '../../domain/errors.ts';
import { fromHandlerResult, toHttpEvent, type HttpResponseOut, type ResponseHeaders } from '../../domain/http-trigger-event.ts';
import type { InvocationService } from '../../domain/invocations.ts';
import type { HttpTriggerConfig } from '../../domain/trigger-config.ts';
import type { TriggerRecord, TriggerService } from '../../domain/triggers.ts';
import { signatureVerifier, type AccessKey } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import { safeDecode } from '../path-segment.ts';
import { readLimited } from '../read-limited.ts';
import { ownOrigin } from '../own-origin.ts';
import { payloadLimits } from '../../domain/payload-limits.ts';

/** Outside /_localfc (which an admin token guards) and /2023-03-30 (which signatures guard): trigger URLs are public unless authType is 'function'. */
export const HTTP_TRIGGER_PREFIX = '/fcapp';

const FCAPP_HOST = /^([a-z0-9-]+)\.[a-z0-9-]+\.fcapp\.run(?::\d+)?$/i;
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'upgrade', 'proxy-connection', 'content-length']);
const NO_BODY_STATUS = new Set([204, 205, 304]);

export interface HttpTriggerDeps {
  readonly triggers: TriggerService;
  readonly invocations: InvocationService;
  readonly region: string;
  readonly accountId: string;
  readonly maxBodyBytes: number;
  readonly now: () => number;
  /** Configured keys turn on signature verification for authType 'function' triggers, as for the FC API. */
  readonly accessKeys?: readonly AccessKey[];
  /** Needed with accessKeys: x-acs-date is checked against it. */
  readonly clock?: Clock;
}

/** The URL shown in `httpTrigger.urlInternet`/`urlIntranet`: the address the caller's connection reached, not its Host header. */
export function httpTriggerUrl(c: Context<AppEnv>, t: TriggerRecord): string {
  return `${ownOrigin(c)}${HTTP_TRIGGER_PREFIX}/${encodeURIComponent(t.functionName)}/${encodeURIComponent(t.triggerName)}`;
}

export function httpTriggerRoutes(d: HttpTriggerDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const verify = d.accessKeys && d.clock ? signatureVerifier({ accessKeys: d.accessKeys, clock: d.clock, maxBodyBytes: d.maxBodyBytes }) : undefined;

  const byPath = async (c: Context<AppEnv>) => {
    const url = new URL(c.req.url);
    // Split the raw (still encoded) path so the function sees exactly what the client sent after the trigger prefix.
    const [, , fn = '', trigger = '', ...rest] = url.pathname.split('/');
    const t = d.triggers.get(safeDecode(fn), safeDecode(trigger));
    if (t.triggerType !== 'http') throw errors.notFound('TriggerNotFound', `trigger '${t.triggerName}' of function '${t.functionName}' is a ${t.triggerType} trigger, not an HTTP trigger`);
    return serve(c, t, `/${rest.join('/')}`, url.search.slice(1));
  };
  app.all(`${HTTP_TRIGGER_PREFIX}/:functionName/:triggerName`, byPath);
  app.all(`${HTTP_TRIGGER_PREFIX}/:functionName/:triggerName/*`, byPath);

  // FC-style host: any path on `<domainPrefix>.<region>.fcapp.run` (paths under /2023-03-30 and /_localfc excepted).
  app.use('*', async (c, next) => {
    const prefix = FCAPP_HOST.exec(c.req.header('host') ?? '')?.[1];
    const t = prefix ? d.triggers.byDomainPrefix(prefix) : undefined;
    if (!t) return next();
    const url = new URL(c.req.url);
    return serve(c, t, url.pathname, url.search.slice(1));
  });

  async function serve(c: Context<AppEnv>, t: TriggerRecord, rawPath: string, rawQuery: string): Promise<Response> {
    const method = c.req.method.toUpperCase();
    const cfg = t.config as HttpTriggerConfig;
    const allowed = cfg.methods ?? [];
    if (!allowed.includes(method)) throw errors.methodNotAllowed(method, allowed);
    if (cfg.authType === 'function') {
      // Missing: 403 AccessDenied either way. Present: verified like the FC API when keys are configured; without
      // keys localfc knows no secret to check it against, so presence is all it can ask for.
      if (!c.req.header('authorization')) {
        throw errors.accessDenied('AccessDenied', `the HTTP trigger '${t.triggerName}' has authType 'function': send a signed request (an Authorization header)`);
      }
      await verify?.(c);
    }
    // FC's synchronous payload limit; a chunked body is read only up to it, and the connection closed there.
    const limit = payloadLimits(d.maxBodyBytes).sync;
    const tooLarge = () => errors.entityTooLarge('request body', limit, { connection: 'close' });
    if (Number(c.req.header('content-length') ?? 0) > limit) throw tooLarge();
    const body = method === 'GET' || method === 'HEAD' ? Buffer.alloc(0) : await readLimited(c.req.raw.body, limit, tooLarge);
    const requestId = c.var.requestId;
    const headers = c.req.header();
    const admitted = await d.invocations.admit(t.functionName, t.qualifier);
    const base = { functionName: t.functionName, qualifier: t.qualifier, requestId };
    let out: HttpResponseOut;
    if (admitted.revision.config.runtime.startsWith('custom')) {
      // Custom runtimes and containers are web servers: they get the request itself.
      const forwarded: Record<string, string> = {};
      for (const [k, v] of Object.entries(headers)) if (!HOP_BY_HOP.has(k)) forwarded[k] = v;
      const path = rawPath + (rawQuery ? `?${rawQuery}` : '');
      const { result } = await d.invocations.run(admitted, { ...base, body, headers: forwarded, kind: 'http', method, path });
      const resHeaders: ResponseHeaders = {};
      for (const [k, v] of Object.entries(result.headers)) if (!HOP_BY_HOP.has(k.toLowerCase())) resHeaders[k] = v;
      if (result.errorType) resHeaders['x-fc-error-type'] = result.errorType;
      out = { status: result.status, headers: resHeaders, body: result.body };
    } else {
      const event = toHttpEvent({
        method, rawPath, rawQuery, headers, body, requestId,
        sourceIp: sourceIp(c), now: d.now(), accountId: d.accountId,
        domainName: `${t.domainPrefix ?? t.functionName}.${d.region}.fcapp.run`, domainPrefix: t.domainPrefix ?? t.functionName,
      });
      const { result } = await d.invocations.run(admitted, { ...base, body: event, headers: { 'content-type': 'application/json' }, kind: 'event' });
      out = fromHandlerResult(result);
    }
    if (out.status < 200 || out.status > 599) throw errors.badResponse(`the function answered with HTTP status ${out.status}, which cannot be relayed`);
    const empty = method === 'HEAD' || NO_BODY_STATUS.has(out.status);
    const relayed = relayableHeaders(out.headers);
    relayed.set('x-fc-request-id', requestId);
    return new Response(empty ? null : new Uint8Array(out.body), { status: out.status, headers: relayed });
  }

  return app;
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
