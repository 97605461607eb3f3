/**
 * @module
 * GetFunction served ahead of the middleware chain when nothing in the chain applies to the request. hono calls a route
 * that is the only handler matching a request directly, without compose, and @hono/node-server writes a Response
 * returned synchronously at once; the same route behind the app's middleware pays an async step per middleware, the
 * app's dispatch promise and node-server's promise path (with a close listener per request): most of localfc's own
 * CPU per GetFunction. So the hot routes live in a small hono app of their own, put in front of the full app.
 *
 * Only a request the chain would answer with success is answered here, with what the chain would do for it (request id,
 * the same response, the access log line). Anything else goes to the full app as it came: a method other than GET, OSS
 * addressing, a Host or origin the site guard refuses, a part the route's schema refuses, a handler that throws (no
 * such function or version), an api fault rule in force. Nothing here has used a request id by then, so the full app
 * answers exactly as before. With access keys configured there is no fast path (every request is signed and checked).
 */
import type { RouteConfig, RouteHandler } from '@hono/zod-openapi';
import { type Context, Hono } from 'hono';
import type { Clock } from '../clock.ts';
import type { IdGenerator } from '../ids.ts';
import type { LogFn } from '../log.ts';
import type { AppEnv } from './context.ts';
import { checkParts } from './lean-route.ts';
import { logRequest } from './middleware.ts';
import { respondJsonText } from './respond.ts';

type Fetch = (request: Request, env?: unknown) => Response | Promise<Response>;

export interface HotRouteDeps {
  /** The full app, which answers everything the fast routes do not. */
  readonly fetch: Fetch;
  /** False when something in the chain's middleware applies to the request (OSS, the site guard, api faults). */
  readonly chainPasses: (c: Context<AppEnv>) => boolean;
  readonly ids: IdGenerator;
  readonly clock: Clock;
  readonly log: LogFn;
  readonly silent: boolean;
  readonly publicUrl: string | undefined;
}

export class HotRoutes {
  readonly #app = new Hono<AppEnv>();
  readonly #deps: HotRouteDeps;

  constructor(deps: HotRouteDeps) {
    this.#deps = deps;
    this.#app.notFound((c) => deps.fetch(c.req.raw, c.env));
  }

  /** The server's entry: GETs go through the fast routes first, every other method straight to the full app. */
  readonly fetch: Fetch = (request, env) => (request.method === 'GET' ? this.#app.fetch(request, env) : this.#deps.fetch(request, env));

  /**
   * A GET route answered with JSON: `body` reads the validated request and returns the JSON to send, throwing for any
   * other answer (the full app then gives it). The same `body` serves the route's own handler in the full app.
   */
  json<R extends RouteConfig>(route: R, body: (c: Parameters<RouteHandler<R, AppEnv>>[0]) => string): void {
    const { fetch, chainPasses, ids, clock, log, silent, publicUrl } = this.#deps;
    const check = checkParts(route.request ?? {});
    this.#app.get(route.path.replace(/\{(\w+)\}/g, ':$1'), (c) => {
      const started = silent ? 0 : Date.now();
      if (!chainPasses(c) || check(c)) return fetch(c.req.raw, c.env);
      let json: string;
      try {
        json = body(c as never);
      } catch {
        return fetch(c.req.raw, c.env);
      }
      // From here what the chain does for a request it answers with success.
      c.set('requestId', ids.requestId(clock.now()));
      c.set('log', log);
      if (publicUrl) c.set('publicOrigin', publicUrl);
      const res = respondJsonText(c, json);
      if (!silent) logRequest(c, res.status, started);
      return res;
    });
  }
}
