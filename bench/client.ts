/**
 * @module
 * The load generator, run as a process of its own (`node --import tsx bench/client.ts '<json LoadSpec>'`) so it never
 * shares an event loop with a server it measures. Prints one JSON LoadResult line.
 * - `concurrent`: autocannon, `connections` keep-alive connections for `durationS` seconds (after `warmupS` unmeasured).
 * - `sequential`: one request at a time on one keep-alive connection, timed with performance.now(): autocannon's
 *   latencies are whole milliseconds, too coarse for "≤ +1 ms p50".
 */
import autocannon from 'autocannon';
import { Pool } from 'undici';

export interface LoadSpec {
  readonly mode: 'concurrent' | 'sequential';
  readonly url: string;
  readonly method?: 'GET' | 'POST';
  readonly body?: string;
  readonly connections?: number;
  readonly durationS: number;
  readonly warmupS: number;
  /** Keep going past durationS until this many requests were made (warm-ups: V8 optimises by work done, not time). */
  readonly minRequests?: number;
  /** Concurrent mode: requests a second over all connections (autocannon's overallRate); unlimited without. */
  readonly rate?: number;
}

/** However slow the machine, a run stops about this long after durationS. */
const MAX_EXTRA_S = 60;

export interface LoadResult { readonly rps: number; readonly p50: number; readonly p99: number; readonly errors: number; readonly requests: number }

async function concurrent(spec: LoadSpec): Promise<LoadResult> {
  const run = (length: { duration: number } | { amount: number }) => autocannon({
    url: spec.url, connections: spec.connections ?? 32, ...length, method: spec.method ?? 'GET', ...(spec.rate ? { overallRate: spec.rate } : {}),
    ...(spec.body !== undefined ? { body: spec.body, headers: { 'content-type': 'application/json' } } : {}),
  });
  if (spec.warmupS > 0) await run({ duration: spec.warmupS });
  const r = await run({ duration: spec.durationS });
  const missing = (spec.minRequests ?? 0) - r.requests.total;
  // Only warm-ups ask for more: a measured row keeps its own figures.
  if (missing > 0) await run({ amount: Math.ceil(Math.min(missing, r.requests.average * MAX_EXTRA_S)) });
  // non-2xx responses count as errors: a benchmark of error pages measures the wrong thing
  return { rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx, requests: r.requests.total };
}

async function sequential(spec: LoadSpec): Promise<LoadResult> {
  const u = new URL(spec.url);
  const pool = new Pool(u.origin, { connections: 1 });
  let errors = 0;
  const once = async (): Promise<number> => {
    const t = performance.now();
    const res = await pool.request({ method: spec.method ?? 'GET', path: u.pathname + u.search, ...(spec.body !== undefined ? { body: spec.body, headers: { 'content-type': 'application/json' } } : {}) });
    await res.body.arrayBuffer();
    if (res.statusCode >= 300) errors++;
    return performance.now() - t;
  };
  const until = (s: number) => performance.now() + s * 1000;
  for (const end = until(spec.warmupS); performance.now() < end;) await once();
  errors = 0;
  const lat: number[] = [];
  const t0 = performance.now();
  for (const end = until(spec.durationS); performance.now() < end;) lat.push(await once());
  for (const end = until(MAX_EXTRA_S); lat.length < (spec.minRequests ?? 0) && performance.now() < end;) lat.push(await once());
  const elapsedS = (performance.now() - t0) / 1000;
  await pool.close();
  lat.sort((a, b) => a - b);
  const at = (q: number) => lat[Math.min(lat.length - 1, Math.floor(lat.length * q))] ?? 0;
  return { rps: lat.length / elapsedS, p50: at(0.5), p99: at(0.99), errors, requests: lat.length };
}

const spec = JSON.parse(process.argv[2] ?? '{}') as LoadSpec;
const result = spec.mode === 'sequential' ? await sequential(spec) : await concurrent(spec);
process.stdout.write(`${JSON.stringify(result)}\n`);
