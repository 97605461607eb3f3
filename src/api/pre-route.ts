/**
 * @module
 * The steps every request passes before its route (OSS addressing, request id and log, the site guard, signatures,
 * body limits, api faults, ...), as one list that both the app's middleware chain and the fast routes read
 * (api/hot-routes.ts). Each step says when it leaves a request as it is; a fast route serves a request only when every
 * step on its path says so, and a step that does not say is taken to act on every request. So a step added to the
 * list later keeps the fast routes off its path until it says when it passes: the two cannot drift apart.
 */
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from './context.ts';

/** What a step's check reads of a request: hono's `c.req` has these, and so does the fast routes' view of one. */
export interface RequestHead {
  readonly method: string;
  /** The absolute URL, as @hono/node-server builds it. */
  readonly url: string;
  /** The path, without the query. */
  readonly path: string;
  /** A header by its lower-case name. */
  header(name: string): string | undefined;
}

export interface PreRouteStep {
  /** hono's path pattern the step is mounted on: '*', a prefix ending in '/*', or one route's own path. */
  readonly on: string;
  readonly handler: MiddlewareHandler<AppEnv>;
  /**
   * True when the step would only call next() for this request (or, for the request id and log step, when the fast
   * routes do what it does themselves). Without it, the step acts on every request on its path.
   */
  readonly passes?: (head: RequestHead) => boolean;
}

export function mountSteps(app: { use(path: string, handler: MiddlewareHandler<AppEnv>): unknown }, steps: readonly PreRouteStep[]): void {
  for (const step of steps) app.use(step.on, step.handler);
}

/** Whether hono would run a step mounted on `on` for requests to the route `routePath` (a route pattern like `/a/:b`). */
function covers(on: string, routePath: string): boolean {
  if (on === '*') return true;
  if (on.endsWith('/*')) return routePath.startsWith(on.slice(0, -1));
  return on === routePath;
}

/** One check for a route: true when every step on its path leaves the request as it is. */
export function stepsPass(steps: readonly PreRouteStep[], routePath: string): (head: RequestHead) => boolean {
  const checks = steps.filter((s) => covers(s.on, routePath)).map((s) => s.passes ?? (() => false));
  return (head) => {
    for (const passes of checks) if (!passes(head)) return false;
    return true;
  };
}
