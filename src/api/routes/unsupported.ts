/**
 * @module
 * FC 3.0 operations localfc knows but does not emulate (sessions, snapshots, resource groups):
 * each answers with the cloud's error shape naming the operation instead of PathNotSupported. Mounted last.
 */
import { Hono } from 'hono';
import { errors } from '../../domain/errors.ts';
import type { AppEnv } from '../context.ts';

/** [operation, method, path under /2023-03-30] as in FC's API definition (reference/fc3-definition). */
export const UNSUPPORTED: ReadonlyArray<readonly [string, string, string]> = [
  ['ChangeResourceGroup', 'PUT', '/resource-groups'],
  ['CreateSession', 'POST', '/functions/:functionName/sessions'],
  ['ListSessions', 'GET', '/functions/:functionName/sessions'],
  ['GetSession', 'GET', '/functions/:functionName/sessions/:sessionId'],
  ['UpdateSession', 'PUT', '/functions/:functionName/sessions/:sessionId'],
  ['DeleteSession', 'DELETE', '/functions/:functionName/sessions/:sessionId'],
  ['PauseSession', 'PUT', '/functions/:functionName/sessions/:sessionId/pause'],
  ['ResumeSession', 'PUT', '/functions/:functionName/sessions/:sessionId/resume'],
  ['CreateSnapshot', 'POST', '/functions/:functionName/snapshots'],
  ['ListSnapshots', 'GET', '/snapshots'],
  ['GetSnapshot', 'GET', '/functions/:functionName/snapshots/:snapshotId'],
  ['DeleteSnapshot', 'DELETE', '/functions/:functionName/snapshots/:snapshotId'],
];

export function unsupportedRoutes(): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  for (const [operation, method, path] of UNSUPPORTED) {
    app.on(method, `/2023-03-30${path}`, () => {
      throw errors.notSupported(operation);
    });
  }
  return app;
}
