/**
 * @module
 * Which FC operation a request is, from the route it matched: the official SDKs name it in `x-acs-action`, but
 * Terraform's ROA client, the FC 2.0 style clients and curl send no such header, and a fault rule naming an operation
 * must fire for them too.
 */
import type { Context } from 'hono';
import type { AppEnv } from './context.ts';
import { OPERATION_TABLE } from './operation-table.ts';
import { UNSUPPORTED } from './routes/unsupported.ts';

/** [method, hono path, operation]: one route of an FC operation. */
export type OperationRoute = readonly [method: string, path: string, operation: string];

/** The FC operations of an OpenAPI document (localfc's own `Localfc*` admin operations left out), in hono's path syntax. */
export function operationRoutes(document: { paths?: object }): OperationRoute[] {
  return Object.entries((document.paths ?? {}) as Record<string, Record<string, { operationId?: string }>>).flatMap(([path, methods]) =>
    Object.entries(methods)
      .filter(([, op]) => op.operationId !== undefined && !op.operationId.startsWith('Localfc'))
      .map(([method, op]): OperationRoute => [method.toUpperCase(), path.replace(/\{([^}]+)\}/g, ':$1'), op.operationId!]),
  );
}

let byRoute: Map<string, string> | undefined;

/** The FC operation of the route `c` matched, if it is one (built on first use: only API fault rules ask). */
export function operationOf(c: Context<AppEnv>): string | undefined {
  byRoute ??= new Map([
    ...OPERATION_TABLE.map(([method, path, operation]) => [`${method} ${path}`, operation] as const),
    ...UNSUPPORTED.map(([operation, method, path]) => [`${method} /2023-03-30${path}`, operation] as const),
  ]);
  for (const route of c.req.matchedRoutes) {
    const operation = byRoute.get(`${route.method} ${route.path}`);
    if (operation) return operation;
  }
  return undefined;
}
