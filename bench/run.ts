/**
 * @module
 * `npm run bench`: loopback throughput and latency, side by side — a bare node:http server answering a Function-sized
 * body (the practical ceiling), GetFunction, InvokeFunction on the simulated and process backends, and the process
 * handler called directly (to show localfc's overhead). A benchmark, not a test: it only reports.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import { Pool } from 'undici';
import { createZip } from '../src/code/zip.ts';
import { ProcessBackend } from '../src/backends/process/index.ts';
import { start } from '../src/index.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 4000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 32);

interface Result { name: string; rps: number; p50: number; p99: number; errors: number }

async function load(name: string, origin: string, method: string, path: string, body?: string): Promise<Result> {
  const pool = new Pool(origin, { connections: CONCURRENCY });
  const latencies: number[] = [];
  let errors = 0;
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next++ < REQUESTS) {
        const t = performance.now();
        const res = await pool.request({ method: method as 'GET', path, ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}) });
        await res.body.arrayBuffer();
        if (res.statusCode >= 400) errors++;
        latencies.push(performance.now() - t);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  await pool.close();
  latencies.sort((a, b) => a - b);
  const q = (p: number) => latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0;
  return { name, rps: latencies.length / seconds, p50: q(0.5), p99: q(0.99), errors };
}

async function main(): Promise<void> {
  const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
  const results: Result[] = [];

  const sim = await start({ clock: 'manual' });
  const processBackend = new ProcessBackend({});
  const proc = await start({ clock: 'manual' }, { backend: processBackend });
  for (const fc of [sim, proc]) {
    const res = await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'bench', runtime: 'nodejs20', handler: 'index.handler', instanceConcurrency: 100, code: { zipFile: zip } }) });
    if (!res.ok) throw new Error(await res.text());
    await fc.localfc.clock.advance(1000);
    await fc.localfc.functions.quiesce();
  }
  const fnBody = await (await fetch(`${sim.url}/2023-03-30/functions/bench`)).text();
  const bare = http.createServer((_req, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(fnBody));
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const bareOrigin = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;

  results.push(await load('bare node:http, Function-sized body (ceiling)', bareOrigin, 'GET', '/'));
  results.push(await load('GetFunction', sim.url, 'GET', '/2023-03-30/functions/bench'));
  results.push(await load('InvokeFunction, simulated backend', sim.url, 'POST', '/2023-03-30/functions/bench/invocations', '{"a":1}'));
  results.push(await load('InvokeFunction, process backend (Node.js handler)', proc.url, 'POST', '/2023-03-30/functions/bench/invocations', '{"a":1}'));
  // The same handler process called directly, bypassing localfc: what the process backend costs on top.
  const warm = await fetch(`${proc.url}/2023-03-30/functions/bench/invocations`, { method: 'POST', body: '{}' });
  await warm.arrayBuffer();
  const instanceId = warm.headers.get('x-fc-instance-id') ?? '';
  const port = processBackend.instancePort(instanceId);
  // localfc freezes an instance between invocations; thaw it so direct calls reach it.
  await processBackend.thaw({ id: instanceId } as Parameters<ProcessBackend['thaw']>[0]);
  if (port) results.push(await load('the same handler process called directly', `http://127.0.0.1:${port}`, 'POST', '/invoke', '{"a":1}'));

  bare.close();
  await Promise.all([sim.stop(), proc.stop()]);

  const ceiling = results[0]!.rps;
  process.stdout.write(`localfc benchmark — ${os.cpus().length} × ${os.cpus()[0]?.model ?? 'cpu'}, node ${process.version}, ${REQUESTS} requests at concurrency ${CONCURRENCY}\n\n`);
  process.stdout.write('| what | req/s | vs ceiling | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|\n');
  for (const r of results) process.stdout.write(`| ${r.name} | ${r.rps.toFixed(0)} | ${(r.rps / ceiling).toFixed(2)}× | ${r.p50.toFixed(2)} | ${r.p99.toFixed(2)} | ${r.errors} |\n`);
  const direct = results.find((r) => r.name.startsWith('the same handler'));
  const viaLocalfc = results.find((r) => r.name.includes('process backend'));
  if (direct && viaLocalfc) process.stdout.write(`\nprocess backend throughput through localfc / direct: ${(viaLocalfc.rps / direct.rps).toFixed(2)}\n`);
}

void main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
