/**
 * @module
 * The app's middleware, each a small factory taking what it needs, and preRouteSteps() that puts them in order.
 * Each mounted middleware costs every request an async step, so the pass-throughs are not mounted at all.
 */
import type { Context, MiddlewareHandler, Next } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import { adminToken, openPath } from '../admin/token.ts';
import type { Clock } from '../clock.ts';
import type { Config } from '../config.ts';
import { errors } from '../domain/errors.ts';
import { payloadLimits } from '../domain/payload-limits.ts';
import type { FaultEngine } from '../domain/faults/engine.ts';
import { applyFault } from '../domain/faults/effects.ts';
import type { FunctionService } from '../domain/functions.ts';
import type { ProvisioningService } from '../domain/provisioning.ts';
import type { IdGenerator } from '../ids.ts';
import type { LogFn } from '../log.ts';
import type { Persistence } from '../persistence/persistence.ts';
import { signatureAuth } from './auth.ts';
import { operationOf } from './operations.ts';
import { siteGuard, siteGuardOptions, siteRefusal } from './site-guard.ts';
import type { AppEnv } from './context.ts';
import type { PreRouteStep, RequestHead } from './pre-route.ts';
import { safeDecode } from './path-segment.ts';

const INVOCATIONS_PATH = '/2023-03-30/functions/:functionName/invocations';

export interface MiddlewareDeps {
  readonly config: Pick<Config, 'log' | 'accessKeys' | 'adminToken' | 'maxBodyBytes' | 'host' | 'allowedHosts' | 'publicUrl'>;
  readonly clock: Clock;
  readonly ids: IdGenerator;
  readonly log: LogFn;
  readonly persistence: Persistence | undefined;
  readonly faults: FaultEngine;
  readonly functions: FunctionService;
  readonly provisioning: ProvisioningService;
  /** Steps that serve a request by its Host before the site guard sees it (custom domains: api/custom-domain-host.ts). */
  readonly hostSteps?: readonly PreRouteStep[];
}

/**
 * Every step the config asks for, in order (see each step for why there). The app mounts them (pre-route.ts mountSteps)
 * and the fast routes ask each step on their path whether it leaves a request as it is.
 */
export function preRouteSteps(deps: MiddlewareDeps): PreRouteStep[] {
  const { config, clock } = deps;
  const always = () => true;
  const steps: PreRouteStep[] = [];
  // First, so every response (errors from the steps below included) carries the request id. The fast routes give the
  // id and log the line themselves.
  steps.push({ on: '*', handler: requestIdAndLog({ ids: deps.ids, clock, log: deps.log, silent: config.log === 'silent' }), passes: always });
  const { publicUrl } = config;
  // Only links read the public origin; the fast routes print none.
  if (publicUrl) steps.push({ on: '*', handler: async (c, next) => { c.set('publicOrigin', publicUrl); await next(); }, passes: always });
  steps.push(...(deps.hostSteps ?? []));
  // Before anything acts on the request: a foreign Host or a cross-site page gets nothing.
  const refusal = siteRefusal(siteGuardOptions(config));
  steps.push({ on: '*', handler: siteGuard(refusal), passes: (head) => refusal(head) === undefined });
  if (deps.persistence) steps.push({ on: '*', handler: flushAfterChange(deps.persistence), passes: (head) => !flushes(head.method, head.path) });
  if (config.accessKeys.length > 0) steps.push({ on: '/2023-03-30/*', handler: signatureAuth({ accessKeys: config.accessKeys, maxBodyBytes: config.maxBodyBytes }) });
  if (config.adminToken) steps.push({ on: '/_localfc/*', handler: adminToken(config.adminToken), passes: (head) => openPath(head.path) });
  // Admin bodies are JSON or an event to fire: the synchronous invocation payload limit is plenty.
  const adminBodyLimit = payloadLimits(config.maxBodyBytes).sync;
  steps.push({ on: '/_localfc/*', handler: limitBody(adminBodyLimit), passes: (head) => bodyMayPass(head, adminBodyLimit) });
  // After auth: an unsigned request is refused before any body check or fault.
  steps.push({
    on: '/2023-03-30/*',
    handler: bodyLimitAndApiFaults({ maxBodyBytes: config.maxBodyBytes, faults: deps.faults, functions: deps.functions, clock }),
    passes: (head) => !deps.faults.hasRulesFor('api') && bodyMayPass(head, config.maxBodyBytes),
  });
  steps.push({ on: INVOCATIONS_PATH, handler: reconcileBeforeInvoke(deps.provisioning), passes: () => !deps.provisioning.hasConfigs() });
  return steps;
}

/** Gives each request its id (context and x-fc-request-id) and the logger; logs one line per request unless silent. */
export function requestIdAndLog(deps: { ids: IdGenerator; clock: Clock; log: LogFn; silent: boolean }): MiddlewareHandler<AppEnv> {
  const { ids, clock, log, silent } = deps;
  return async (c, next) => {
    const requestId = ids.requestId(clock.now());
    c.set('requestId', requestId);
    c.set('log', log);
    const started = silent ? 0 : Date.now();
    // Set before the handler runs, so c.json/c.body build the response with it. Setting a header on a finished
    // response makes hono copy it through a ReadableStream, which cost GetFunction about half its throughput.
    c.header('x-fc-request-id', requestId);
    await next();
    // (c.res.headers on a response built with plain headers would build the Headers object respond() avoids)
    if (!c.get('requestIdSent') && !c.res.headers.has('x-fc-request-id')) c.header('x-fc-request-id', requestId);
    if (silent) return;
    const ended = c.get('answerEnded');
    if (ended) void ended.then((status) => logRequest(log, requestId, c.req, status ?? c.res.status, started));
    else logRequest(log, requestId, c.req, c.res.status, started);
  };
}

/**
 * The access log's line for a request answered with `status`, `started` being Date.now() when it came in. A refused
 * request's line ends with its request id, the one its error body and the client's exception carry (a successful
 * invocation's id is on its invoke line); successful lines stay as short as they were.
 */
export function logRequest(log: LogFn, requestId: string, head: RequestHead, status: number, started: number): void {
  const { method, path } = head;
  const action = head.header('x-acs-action') ?? '';
  const ms = Date.now() - started;
  const line = status < 400 ? `${method} ${path} ${status} ${action} ${ms}ms` : `${method} ${path} ${status} ${action} ${ms}ms ${requestId}`;
  log(line, log.lineOnly ? undefined : { requestId, method, path, status, action, ms });
}

/** Every accepted change is on disk before its response goes out. Invocations change nothing worth saving. */
export function flushAfterChange(persistence: Persistence): MiddlewareHandler<AppEnv> {
  return async (c, next) => {
    await next();
    if (flushes(c.req.method, c.req.path) && c.res.status < 400) await persistence.flush();
  };
}

/** Whether a request of this method to this path can change saved state. */
function flushes(method: string, path: string): boolean {
  return method !== 'GET' && method !== 'HEAD' && !path.endsWith('/invocations') && !path.startsWith('/fcapp/');
}

/**
 * Whether limitBody leaves the request as it is, as far as its head shows: no body, a declared length within the limit,
 * or a chunked body (refused only once it passes the limit: a fast route reads no more than its own limit, never above
 * this one, and gives a body over it to the full app).
 */
function bodyMayPass(head: RequestHead, maxBytes: number): boolean {
  const method = head.method;
  if (method === 'GET' || method === 'HEAD') return true;
  if (method === 'TRACE') return false;
  const length = head.header('content-length');
  return length === undefined || head.header('transfer-encoding') !== undefined || !(Number.parseInt(length, 10) > maxBytes);
}

/**
 * bodyLimit, then API faults, in one middleware. No route reads a GET or HEAD body, so bodyLimit is skipped there: its
 * body check makes @hono/node-server build a full Request with a body stream for every GetFunction. Without a rule
 * that can match the api phase, the fault lookup is skipped too.
 */
export function bodyLimitAndApiFaults(deps: { maxBodyBytes: number; faults: FaultEngine; functions: FunctionService; clock: Clock }): MiddlewareHandler<AppEnv> {
  const limit = limitBody(deps.maxBodyBytes);
  const injectApiFault = apiFaults(deps);
  return (c, next) => limit(c, deps.faults.hasRulesFor('api') ? () => injectApiFault(c, next) : next);
}

/**
 * A request body limit: a declared length over it is refused before a byte is read, a chunked body as soon as it
 * passes it (the connection is then closed, so the rest is never read). No route reads a GET or HEAD body.
 */
export function limitBody(maxBytes: number): (c: Context<AppEnv>, next: Next) => Promise<void | Response> {
  const tooLarge = () => errors.entityTooLarge('request body', maxBytes, { connection: 'close' });
  const chunked = bodyLimit({ maxSize: maxBytes, onError: () => { throw tooLarge(); } });
  // Not async: each pass-through would cost every request another promise; a throw reaches the error handler either way.
  return (c, next) => {
    const method = c.req.method;
    if (method === 'GET' || method === 'HEAD') return next();
    // bodyLimit's own content-length check, without touching c.req.raw.body: that getter makes @hono/node-server build
    // a full Request with a body stream, about a fifth of an InvokeFunction's CPU. Chunked bodies still go through it.
    const length = c.req.header('content-length');
    if (length !== undefined && method !== 'TRACE' && c.req.header('transfer-encoding') === undefined) {
      if (Number.parseInt(length, 10) > maxBytes) throw tooLarge();
      return next();
    }
    return chunked(c, next);
  };
}

/**
 * API-level faults (LocalStack chaos style): any FC operation, matched by its SDK action name, which is the route's
 * operation (a client need not send x-acs-action: Terraform's ROA client does not), or else x-acs-action.
 */
function apiFaults(deps: { faults: FaultEngine; functions: FunctionService; clock: Clock }): (c: Context<AppEnv>, next: Next) => Promise<void> {
  const { faults, functions, clock } = deps;
  return async (c, next) => {
    const fnName = /^\/2023-03-30\/functions\/([^/]+)/.exec(c.req.path)?.[1];
    const operation = operationOf(c) ?? c.req.header('x-acs-action');
    const functionName = fnName ? safeDecode(fnName) : undefined;
    const rule = faults.take({ phase: 'api', ...(operation ? { operation } : {}), ...(functionName ? { functionName } : {}) });
    if (rule && functionName) functions.note(functionName, 'fault', 'fault.api', { requestId: c.var.requestId, rule: rule.id, source: rule.source, effect: rule.effect, ...(operation ? { operation } : {}) });
    if (rule) await applyFault(rule, { phase: 'api', clock });
    await next();
  };
}

/** Provisioned instances catch up with a function that became Active since, before an invocation needs them. */
export function reconcileBeforeInvoke(provisioning: ProvisioningService): MiddlewareHandler<AppEnv, typeof INVOCATIONS_PATH> {
  return (c, next) => {
    // Most setups have no provision/scaling config: skip reconcile's map scans and its extra async steps then.
    if (!provisioning.hasConfigs()) return next();
    return provisioning.reconcile(c.req.param('functionName')).then(() => next());
  };
}
