/**
 * @module
 * GET /_localfc/health, mounted at start-up on its own: liveness probes (Docker's HEALTHCHECK, scripts waiting for
 * localfc) ask it first, and the rest of the admin API is built on its first request (api/lazy-routes.ts).
 */
import { OpenAPIHono, createRoute, z } from '@hono/zod-openapi';
import type { AppEnv } from '../api/context.ts';

/** A 200 answer with a JSON object, as the admin routes document theirs. */
export const ok = (description: string) => ({ 200: { description, content: { 'application/json': { schema: z.looseObject({}) } } } });

export function healthRoutes(info: () => Record<string, unknown>): OpenAPIHono<AppEnv> {
  const app = new OpenAPIHono<AppEnv>();
  app.openapi(createRoute({ operationId: 'LocalfcHealth', method: 'get', path: '/_localfc/health', responses: ok('alive') }), (c) => c.json({ status: 'ok', ...info() }, 200));
  return app;
}
