/**
 * @module
 * Memory with many functions, measured on a server started as the README starts it (`node bin/localfc.mjs`, the
 * bundle; the manual clock so that one advance makes them Active): its RSS (/proc/PID/status) empty, and after N
 * functions were created over HTTP from this process, 8 at a time, and made Active. Measured from outside, as a user's
 * `ps` would see it: no forced GC. (An in-process measurement through app.request also counted the Request objects and
 * abort signals of the in-process calls, which a server never holds.) Each figure is read twice: 1 s after the last
 * request (the burst's heap) and QUIET_S after it (what `ps` shows once the server has been quiet that long: it gives
 * the heap back from about 7 s after its last collection, more on a loaded machine; src/heap-trim.ts).
 */
import { readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { Agent, request } from 'undici';
import { createBody } from './fixtures.ts';
import { startServer } from './proc.ts';

/** Seconds after the last request that the quiet figures are read. */
export const QUIET_S = 15;

export interface MemoryResult {
  readonly n: number;
  readonly createMs: number;
  readonly emptyRss: number;
  readonly rss: number;
  readonly quietEmptyRss: number;
  readonly quietRss: number;
}

const rssOf = (pid: number): number => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) * 1024;

export async function memory(n = 10_000, connections = 8): Promise<MemoryResult> {
  const server = await startServer(process.execPath, ['bin/localfc.mjs', '--port', '0', '--clock', 'manual']);
  const dispatcher = new Agent({ connections });
  try {
    const call = async (method: 'GET' | 'POST', path: string, body?: string) => {
      const res = await request(`${server.url}${path}`, { method, dispatcher, headers: { 'content-type': 'application/json' }, ...(body ? { body } : {}) });
      const text = await res.body.text();
      if (res.statusCode !== 200) throw new Error(`${method} ${path}: ${res.statusCode} ${text}`);
    };
    await sleep(1000);
    const emptyRss = rssOf(server.child.pid!);
    await sleep(QUIET_S * 1000 - 1000);
    const quietEmptyRss = rssOf(server.child.pid!);
    const t0 = performance.now();
    let next = 0;
    const worker = async () => {
      for (let i = next++; i < n; i = next++) await call('POST', '/2023-03-30/functions', createBody(`mem_${i}`));
    };
    await Promise.all(Array.from({ length: connections }, worker));
    const createMs = performance.now() - t0;
    await call('POST', '/_localfc/clock/advance', JSON.stringify({ ms: 1000 }));
    await sleep(1000);
    const rss = rssOf(server.child.pid!);
    await sleep(QUIET_S * 1000 - 1000);
    return { n, createMs, emptyRss, rss, quietEmptyRss, quietRss: rssOf(server.child.pid!) };
  } finally {
    await dispatcher.close();
    await server.stop();
  }
}
