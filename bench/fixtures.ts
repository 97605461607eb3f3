/**
 * @module
 * What every benchmark creates: a tiny Node.js handler zip and a CreateFunction body for it.
 */
import { createZip } from '../src/code/zip.ts';

export const ECHO_ZIP = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');

export function createBody(functionName: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ functionName, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: ECHO_ZIP }, ...extra });
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
