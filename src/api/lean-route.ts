/**
 * @module
 * app.openapi() for the hot routes (GetFunction, InvokeFunction) with a cheaper check of params, query and headers.
 * hono's validator gathers every request header into an object (which makes @hono/node-server build a full Headers
 * from the raw ones), parses the query string even when there is none, and runs zod's async parse; this reads only
 * the headers the schema names, skips an absent query, and parses synchronously. The schemas, the order (query,
 * params, headers), the value quoted in an error and the error itself are those of app.openapi(); the route is
 * registered in the OpenAPI document whole, as app.openapi() would.
 */
import type { OpenAPIHono, RouteConfig, RouteHandler } from '@hono/zod-openapi';
import type { Context, MiddlewareHandler } from 'hono';
import type { ZodError, ZodType } from 'zod';
import type { AppEnv } from './context.ts';
import { validationError } from './errors.ts';

type Target = 'query' | 'param' | 'header';

/** A part of the request its schema refused: the target, zod's error and the value checked (quoted in the message). */
export interface PartRefused { readonly target: Target; readonly error: ZodError; readonly value: Record<string, unknown> }

/** One part through its schema: added as validated data when it passes, else what was refused. */
function accept(c: Context<AppEnv>, target: Target, schema: ZodType, value: Record<string, unknown>): PartRefused | undefined {
  const result = schema.safeParse(value);
  if (!result.success) return { target, error: result.error, value };
  c.req.addValidatedData(target, result.data as object);
  return undefined;
}

/**
 * Checks each request part the route declares in zValidator's order, adding what passes as validated data; the first
 * part refused, or undefined when all pass. Used by the route's own validator and by the fast routes (api/hot-routes.ts).
 */
export function checkParts(request: NonNullable<RouteConfig['request']>): (c: Context<AppEnv>) => PartRefused | undefined {
  const { query, params, headers } = request as { query?: ZodType; params?: ZodType; headers?: ZodType & { shape: Record<string, unknown> } };
  const headerNames = headers ? Object.keys(headers.shape) : [];
  return (c) => {
    if (query) {
      // hono's query target: one value as a string, a repeated name as an array
      const value = c.req.url.includes('?') ? Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v])) : {};
      const refused = accept(c, 'query', query, value);
      if (refused) return refused;
    }
    if (params) {
      const refused = accept(c, 'param', params, c.req.param());
      if (refused) return refused;
    }
    if (headers) {
      // The other headers would be stripped by the object schema anyway; c.req.header(name) is case-insensitive.
      const value: Record<string, string> = {};
      for (const name of headerNames) {
        const v = c.req.header(name);
        if (v !== undefined) value[name] = v;
      }
      return accept(c, 'header', headers, value);
    }
    return undefined;
  };
}

/** Each request part the route declares, checked as zValidator would with the app's default hook (which throws). */
function leanValidator(request: NonNullable<RouteConfig['request']>): MiddlewareHandler<AppEnv> {
  const check = checkParts(request);
  // Not async: a throw reaches hono's error handler either way, and a pass-through costs no extra promise.
  return (c, next) => {
    const refused = check(c);
    if (refused) throw validationError(refused.error, refused.target, refused.value);
    return next();
  };
}

/** Like app.openapi(route, handler) for a route whose request declares only params, query and headers as zod objects (and a non-JSON body). */
export function openapiLean<R extends RouteConfig>(app: OpenAPIHono<AppEnv>, route: R, handler: RouteHandler<R, AppEnv>): void {
  const { middleware, hide, ...documented } = route;
  const { params: _p, query: _q, headers: _h, ...rest } = route.request ?? {};
  if (!hide) app.openAPIRegistry.registerPath(documented);
  const before = middleware ? [middleware].flat() : [];
  app.openapi({ ...documented, request: rest, hide: true, middleware: [...before, leanValidator(route.request ?? {})] } as unknown as R, handler);
}
