/**
 * @module
 * Hono context variables shared by every route: the request id and the logger.
 */
import type { LogFn } from '../log.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    log: LogFn;
  };
}
