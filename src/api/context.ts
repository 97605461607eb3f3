/**
 * @module
 * Hono context variables shared by every route: the request id and the logger.
 */
export interface AppEnv {
  Variables: {
    requestId: string;
    log: (line: string) => void;
  };
}
