/**
 * @module
 * GET /_localfc/health, mounted at start-up on its own: liveness probes (Docker's HEALTHCHECK, scripts waiting for
 * localfc) ask it first, and the rest of the admin API is built on its first request (api/lazy-routes.ts). Its plain
 * form is also answered by the node:http listener ahead of the app (api/hot-routes.ts), so the first answer of a fresh
 * server does not wait for @hono/node-server and hono's router (server.ts).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../api/context.ts';
import type { HotRoutes } from '../api/hot-routes.ts';

/** A 200 answer with a JSON object, as the admin routes document theirs. */
export const ok = (description: string) => ({ 200: { description, content: { 'application/json': { schema: z.looseObject({}) } } } });

/** `hot`: where the health check's fast route goes, if any. */
export function healthRoutes(info: () => Record<string, unknown>, hot?: HotRoutes): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  const health = createRoute({ operationId: 'LocalfcHealth', method: 'get', path: '/_localfc/health', responses: ok('alive') });
  const body = () => ({ status: 'ok', ...info() });
  app.openapi(health, (c) => c.json(body(), 200));
  hot?.health(health, () => JSON.stringify(body()));
  return app;
}
