/**
 * @module
 * The only place that turns errors into responses: FcError → `{Code, Message, RequestId}` with its status and the
 * request id header; validation failures and framework errors map to the cloud's codes, never a bare 500 with a stack.
 */
import type { Context } from 'hono';
import { HTTPException } from 'hono/http-exception';
import type { ZodError } from 'zod';
import { FcError, errors } from '../domain/errors.ts';
import type { LogFn } from '../log.ts';
import type { AppEnv } from './context.ts';

export function renderError(c: Context<AppEnv>, err: unknown): Response {
  return render(c, err, (e, requestId) => ({ Code: e.code, Message: e.message, RequestId: requestId }));
}

/**
 * FC 2.0 (2016-08-15) renders errors as `{ErrorCode, ErrorMessage}`: `@alicloud/fc2` reads `ErrorCode` into `err.code`.
 * Only the FC 2.0 route localfc serves (GetTempBucketToken) uses it.
 */
export function renderFc2Error(c: Context<AppEnv>, err: unknown): Response {
  return render(c, err, (e, requestId) => ({ ErrorCode: e.code, ErrorMessage: e.message, RequestId: requestId }));
}

function render(c: Context<AppEnv>, err: unknown, body: (e: FcError, requestId: string) => Record<string, string>): Response {
  const e = answeredError(err, c.var.log);
  const requestId = c.var.requestId ?? 'unknown';
  return c.json(body(e, requestId), e.status as 400, {
    'x-fc-request-id': requestId,
    ...e.headers,
  });
}

/**
 * The FcError a request is answered with for `err`; one that is not FC's own (a 500) goes to the log with its stack.
 * An FcError is an answer FC gives, whatever its status (an injected fault, a throttle, a function that did not
 * start): the access log line records it, with its request id.
 */
export function answeredError(err: unknown, log: LogFn | undefined): FcError {
  if (err instanceof FcError) return err;
  const e = toFcError(err);
  if (e.status >= 500) log?.(`internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
  return e;
}

function toFcError(err: unknown): FcError {
  if (err instanceof HTTPException) {
    if (err.status === 413) return errors.entityTooLarge('request body', 0);
    return errors.invalidArgument(err.message || 'bad request');
  }
  return errors.internal('localfc hit an internal error; see its log for details');
}

/** zod issues → one InvalidArgument message that names each bad field, the value it got and the rule, as FC's messages do. */
export function validationError(error: ZodError, where: string, input?: unknown): FcError {
  // A field can break several checks that share one sentence (memorySize 100 is both out of range and not a multiple
  // of 64): each distinct message is said once, in the order zod reported it.
  const parts = new Set<string>();
  for (const i of error.issues) {
    const path = i.path.join('.');
    const value = valueAt(input, i.path);
    const got = value === undefined || (typeof value === 'object' && value !== null) ? '' : ` (got ${JSON.stringify(value).slice(0, 80)})`;
    parts.add(path ? `${path}: ${i.message}${got}` : i.message);
    if (parts.size === 5) break;
  }
  return errors.invalidArgument(`invalid ${where}: ${[...parts].join('; ')}`);
}

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let at = input;
  for (const key of path) {
    if (at === null || typeof at !== 'object') return undefined;
    at = (at as Record<PropertyKey, unknown>)[key];
  }
  return at;
}
