/**
 * @module
 * Hono context variables shared by every route: the request id, the logger and the origin printed in links.
 */
import type { LogFn } from '../log.ts';

export interface AppEnv {
  Variables: {
    requestId: string;
    log: LogFn;
    /** Set when the response was built with the request id already in it (api/respond.ts). */
    requestIdSent?: boolean;
    /** The configured public origin (publicUrl), printed in links instead of the connection's own address. */
    publicOrigin?: string;
    /**
     * A streamed answer (api/relayed-body.ts): settles once its body has ended or been cut, the access log waiting for
     * it; with the status the client got when the response does not say it (a relayed WebSocket's 101).
     */
    answerEnded?: Promise<number | void>;
  };
}
