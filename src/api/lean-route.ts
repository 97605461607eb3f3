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

export type Target = 'query' | 'param' | 'header';

/** A part of the request its schema refused: the target, zod's error and the value checked (quoted in the message). */
export interface PartRefused { readonly target: Target; readonly error: ZodError; readonly value: Record<string, unknown> }

/**
 * The parts a route declares (query, params, headers as zod objects), checked in zValidator's order on a request `C`:
 * `read` gathers a declared part's value (of the headers, only those the schema names), `accept` takes what passes as
 * validated data. Returns the first part refused, or undefined when all pass. Used by the route's own validator (below,
 * on hono's context) and by the fast routes (api/hot-routes.ts, on node:http's request), so both check alike.
 */
export function partsCheck<C>(
  request: NonNullable<RouteConfig['request']>,
  read: (req: C, target: Target, headerNames: readonly string[]) => Record<string, unknown>,
  accept: (req: C, target: Target, data: object) => void,
): (req: C) => PartRefused | undefined {
  const { query, params, headers } = request as { query?: ZodType; params?: ZodType; headers?: ZodType & { shape: Record<string, unknown> } };
  const headerNames = headers ? Object.keys(headers.shape) : [];
  const parts: Array<[Target, ZodType | undefined]> = [['query', query], ['param', params], ['header', headers]];
  const declared = parts.filter((part): part is [Target, ZodType] => part[1] !== undefined).map(([target, schema]) => [target, schema, plainStringFields(schema)] as const);
  return (req) => {
    for (const [target, schema, plain] of declared) {
      const value = read(req, target, headerNames);
      // zod would give back the same fields with the same values: no parse (a tenth of a GetFunction's own work).
      if (plain && passesUnparsed(value, plain)) {
        accept(req, target, value);
        continue;
      }
      const result = schema.safeParse(value);
      if (!result.success) return { target, error: result.error, value };
      accept(req, target, result.data as object);
    }
    return undefined;
  };
}

/** zod's own description of a schema (zod 4 keeps it in `_zod.def`). */
type Def = { type: string; checks?: unknown[]; coerce?: boolean; catchall?: unknown; innerType?: { _zod: { def: Def } }; shape?: Record<string, { _zod: { def: Def } }> };

/** Which fields of an object schema a value may carry unparsed: any string (`plain`), and which must be there. */
interface PlainFields {
  readonly plain: ReadonlySet<string>;
  readonly required: readonly string[];
}

const isPlainString = (def: Def): boolean => def.type === 'string' && !def.checks?.length && !def.coerce;
/** Types whose optional() leaves an absent field absent (a default inside would fill it in). */
const LEFT_ABSENT = new Set(['string', 'enum', 'literal']);

/**
 * For an object schema with no checks of its own whose fields are each `z.string()`, or optional() of a string, enum or
 * literal: the fields that take any string as it is, and the required ones; undefined for any other schema. zod parses
 * an object holding every required field and only plain fields, each a string, to one with the same fields and values
 * (an absent optional field stays absent).
 */
function plainStringFields(schema: ZodType): PlainFields | undefined {
  const def = (schema as unknown as { _zod: { def: Def } })._zod.def;
  if (def.type !== 'object' || def.checks?.length || def.catchall !== undefined || !def.shape) return undefined;
  const plain = new Set<string>();
  const required: string[] = [];
  for (const [name, field] of Object.entries(def.shape)) {
    const f = field._zod.def;
    if (isPlainString(f)) {
      plain.add(name);
      required.push(name);
    } else if (f.type === 'optional' && f.innerType && LEFT_ABSENT.has(f.innerType._zod.def.type)) {
      if (isPlainString(f.innerType._zod.def)) plain.add(name);
    } else {
      return undefined;
    }
  }
  return { plain, required };
}

/** `value` has every required field and only plain ones, each a string: zod would give back the same (plainStringFields). */
function passesUnparsed(value: Record<string, unknown>, fields: PlainFields): boolean {
  for (const name in value) if (!fields.plain.has(name) || typeof value[name] !== 'string') return false;
  for (const name of fields.required) if (value[name] === undefined) return false;
  return true;
}

/** A declared part of a request as hono's validator reads it. */
function readPart(c: Context<AppEnv>, target: Target, headerNames: readonly string[]): Record<string, unknown> {
  // hono's query target: one value as a string, a repeated name as an array
  if (target === 'query') return c.req.url.includes('?') ? Object.fromEntries(Object.entries(c.req.queries()).map(([k, v]) => [k, v.length === 1 ? v[0] : v])) : {};
  if (target === 'param') return c.req.param();
  // The other headers would be stripped by the object schema anyway; c.req.header(name) is case-insensitive.
  const value: Record<string, string> = {};
  for (const name of headerNames) {
    const v = c.req.header(name);
    if (v !== undefined) value[name] = v;
  }
  return value;
}

/** Checks each request part the route declares on hono's context, adding what passes as validated data. */
function checkParts(request: NonNullable<RouteConfig['request']>): (c: Context<AppEnv>) => PartRefused | undefined {
  return partsCheck<Context<AppEnv>>(request, readPart, (c, target, data) => c.req.addValidatedData(target, data));
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
