/**
 * @module
 * What every benchmark creates: a tiny Node.js handler zip, a custom runtime echo server, a CreateFunction body for
 * the handler, and many functions at once.
 */
import { createZip } from '../test/helpers/zip.ts';

export const ECHO_ZIP = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');

/**
 * A custom runtime's node:http server echoing the request body on FC_SERVER_PORT: the function the invoke rows use with
 * instanceConcurrency 100, as FC 3.0 runs only custom runtimes and containers more than one request per instance.
 */
export const ECHO_SERVER_ZIP = createZip([
  { path: 'server.js', data: "require('http').createServer((q, s) => { const b = []; q.on('data', (c) => b.push(c)).on('end', () => s.end(Buffer.concat(b))); }).listen(Number(process.env.FC_SERVER_PORT))" },
]).toString('base64');

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
