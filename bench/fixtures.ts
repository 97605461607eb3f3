/**
 * @module
 * What every benchmark creates: a tiny Node.js handler zip, a CreateFunction body for it, and many functions at once.
 */
import { createZip } from '../test/helpers/zip.ts';

export const ECHO_ZIP = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');

export function createBody(functionName: string, extra: Record<string, unknown> = {}): string {
  return JSON.stringify({ functionName, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: ECHO_ZIP }, ...extra });
}

/** Creates `n` functions named `<prefix>_<i>` one after the other, in process (no HTTP server). */
export async function createAll(app: { request(path: string, init: RequestInit): Response | Promise<Response> }, n: number, prefix: string): Promise<void> {
  for (let i = 0; i < n; i++) {
    const res = await app.request('/2023-03-30/functions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: createBody(`${prefix}_${i}`) });
    if (res.status !== 200) throw new Error(await res.text());
  }
}

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? 0;
