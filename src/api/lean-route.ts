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
import type { MiddlewareHandler } from 'hono';
import type { ZodType } from 'zod';
import type { AppEnv } from './context.ts';
import { validationError } from './errors.ts';

type Target = 'query' | 'param' | 'header';

function parse(target: Target, schema: ZodType, value: Record<string, unknown>): unknown {
  const result = schema.safeParse(value);
  if (!result.success) throw validationError(result.error, target, value);
  return result.data;
}

/** Each request part the route declares, checked as zValidator would with the app's default hook (which throws). */
function leanValidator(request: NonNullable<RouteConfig['request']>): MiddlewareHandler<AppEnv> {
  const { query, params, headers } = request as { query?: ZodType; params?: ZodType; headers?: ZodType & { shape: Record<string, unknown> } };
  const headerNames = headers ? Object.keys(headers.shape) : [];
  // Not async: a throw reaches hono's error handler either way, and a pass-through costs no extra promise.
  return (c, next) => {
    if (query) {
      // hono's query target: one value as a string, a repeated name as an array
      const value = c.req.url.includes('?') ? Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v])) : {};
      c.req.addValidatedData('query', parse('query', query, value) as object);
    }
    if (params) c.req.addValidatedData('param', parse('param', params, c.req.param()) as object);
    if (headers) {
      // The other headers would be stripped by the object schema anyway; c.req.header(name) is case-insensitive.
      const value: Record<string, string> = {};
      for (const name of headerNames) {
        const v = c.req.header(name);
        if (v !== undefined) value[name] = v;
      }
      c.req.addValidatedData('header', parse('header', headers, value) as object);
    }
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
