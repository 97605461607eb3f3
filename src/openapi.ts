/**
 * @module
 * The OpenAPI 3.1 document, generated from the zod schemas that validate requests (the same one /openapi.json serves).
 */
import { createApp, OPENAPI_INFO } from './app.ts';
import { parseConfig } from './config.ts';

export async function openapiDocument(): Promise<object> {
  const { app, clock, loadRoutes } = createApp(parseConfig({ log: 'silent', clock: 'manual' }));
  await loadRoutes();
  clock.dispose();
  return app.getOpenAPI31Document({ openapi: '3.1.0', info: OPENAPI_INFO });
}
