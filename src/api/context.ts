/**
 * @module
 * Hono context variables shared by every route: the request id and the logger.
 */
import type { LogFn } from '../log.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    log: LogFn;
    /** Set when the response was built with the request id already in it (api/respond.ts). */
    requestIdSent?: boolean;
  };
}
