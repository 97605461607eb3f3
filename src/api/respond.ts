/**
 * @module
 * Responses for the hot routes (GetFunction, InvokeFunction) built with plain-object headers. hono's c.json/c.body put
 * more than one header (and any header set before, like the request id) into an undici Headers object, which
 * @hono/node-server then copies back header by header before writeHead; a plain object goes to writeHead as it is.
 * Same status, body and headers as c.json/c.body would send.
 */
import type { Context, TypedResponse } from 'hono';
import type { JSONParsed } from 'hono/utils/types';
import type { AppEnv } from './context.ts';

export function respond(c: Context<AppEnv>, status: number, body: string | Uint8Array | null, headers: Record<string, string | string[]>): Response {
  c.set('requestIdSent', true);
  return new Response(body, { status, headers: { ...headers, 'x-fc-request-id': c.get('requestId') } });
}

/** c.json(body, 200) with plain headers (typed like it, for the OpenAPI routes). */
export function respondJson<T>(c: Context<AppEnv>, body: T): Response & TypedResponse<JSONParsed<T>, 200, 'json'> {
  return respondJsonText<T>(c, JSON.stringify(body));
}

/** respondJson for a body already serialised (`json` is JSON.stringify of a T). */
export function respondJsonText<T>(c: Context<AppEnv>, json: string): Response & TypedResponse<JSONParsed<T>, 200, 'json'> {
  return respond(c, 200, json, { 'content-type': 'application/json' }) as Response & TypedResponse<JSONParsed<T>, 200, 'json'>;
}
