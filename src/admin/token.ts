/**
 * @module
 * Optional bearer token for the admin API, dashboard and event stream under /_localfc.
 */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { MiddlewareHandler } from 'hono';
import type { AppEnv } from '../api/context.ts';
import { errors } from '../domain/errors.ts';

// Liveness probes (Docker HEALTHCHECK, orchestrators) carry no secret, and health reveals only clock/backend/region.
const OPEN_PATHS = new Set(['/_localfc/health']);

/** Whether the admin token leaves a request to this path as it is (the fast routes ask, api/hot-routes.ts). */
export const openPath = (path: string): boolean => OPEN_PATHS.has(path);

const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();

/** Accepts `Authorization: Bearer <token>`, or `?token=` because a browser's EventSource cannot send headers. */
export function adminToken(token: string | undefined): MiddlewareHandler<AppEnv> {
  if (!token) return (_c, next) => next();
  const expected = digest(token); // equal-length digests make the comparison constant-time
  return async (c, next) => {
    if (OPEN_PATHS.has(c.req.path)) return next();
    const header = c.req.header('authorization');
    const given = header?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim() ?? c.req.query('token');
    if (given === undefined) throw errors.adminUnauthorized('the localfc admin API needs "Authorization: Bearer <adminToken>" (or ?token=<adminToken> for the dashboard)');
    if (!timingSafeEqual(digest(given), expected)) throw errors.adminUnauthorized('the admin token is not valid');
    await next();
  };
}
