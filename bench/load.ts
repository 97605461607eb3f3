/**
 * @module
 * One load run with autocannon (programmatic): fixed duration, fixed connections, JSON-friendly summary.
 */
import autocannon from 'autocannon';

export const DURATION_S = Number(process.env.BENCH_DURATION ?? 4);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);

export interface LoadResult { readonly name: string; readonly rps: number; readonly p50: number; readonly p99: number; readonly errors: number; readonly requests: number }

export const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 1);

export async function load(name: string, url: string, opts: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> } = {}): Promise<LoadResult> {
  // A short unmeasured run first, so every row is measured warm (JIT, connections), not only the later ones.
  if (WARMUP_S > 0) await run(url, WARMUP_S, opts);
  const r = await run(url, DURATION_S, opts);
  // non-2xx responses count as errors too: a benchmark of error pages measures the wrong thing
  return { name, rps: r.requests.average, p50: r.latency.p50, p99: r.latency.p99, errors: r.errors + r.timeouts + r.non2xx, requests: r.requests.total };
}

function run(url: string, duration: number, opts: { method?: 'GET' | 'POST'; body?: string; headers?: Record<string, string> }) {
  return autocannon({
    url,
    connections: CONNECTIONS,
    duration,
    method: opts.method ?? 'GET',
    ...(opts.body !== undefined ? { body: opts.body } : {}),
    headers: { ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}), ...opts.headers },
  });
}
