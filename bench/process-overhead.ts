/**
 * @module
 * `node --import tsx bench/process-overhead.ts`: what the process backend adds per invocation — InvokeFunction through
 * localfc vs the same handler process called directly vs the simulated backend vs a bare node:http server (in this
 * process, like the load generator: a rough ceiling), sequentially (freeze/thaw on every
 * call) and at concurrency 32. Reports only.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';
import { ProcessBackend } from '../src/backends/process/index.ts';
import { createZip } from '../src/code/zip.ts';
import { start } from '../src/index.ts';

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 3000);

async function load(origin: string, path: string, concurrency: number): Promise<{ rps: number; p50: number }> {
  const pool = new Pool(origin, { connections: concurrency });
  const lat: number[] = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next++ < REQUESTS) {
        const t = performance.now();
        const res = await pool.request({ method: 'POST', path, body: '{"a":1}', headers: { 'content-type': 'application/json' } });
        await res.body.arrayBuffer();
        if (res.statusCode >= 400) throw new Error(`HTTP ${res.statusCode}`);
        lat.push(performance.now() - t);
      }
    }),
  );
  const rps = lat.length / ((performance.now() - t0) / 1000);
  await pool.close();
  lat.sort((a, b) => a - b);
  return { rps, p50: lat[Math.floor(lat.length / 2)] ?? 0 };
}

async function main(): Promise<void> {
  const backend = new ProcessBackend({});
  const fc = await start({ clock: 'manual' }, { backend });
  const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
  const created = await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'bench', runtime: 'nodejs20', handler: 'index.handler', instanceConcurrency: 100, code: { zipFile: zip } }) });
  if (!created.ok) throw new Error(await created.text());
  await fc.localfc.clock.advance(1000);
  await fc.localfc.functions.quiesce();
  const bare = http.createServer((req, res) => req.resume().on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{"a":1}')));
  await new Promise<void>((r) => bare.listen(0, '127.0.0.1', r));
  const bareOrigin = `http://127.0.0.1:${(bare.address() as AddressInfo).port}`;
  const path = '/2023-03-30/functions/bench/invocations';
  // localfc's own cost with no process behind it: the simulated backend.
  const sim = await start({ clock: 'manual' });
  await fetch(`${sim.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'bench', runtime: 'nodejs20', handler: 'index.handler', instanceConcurrency: 100, code: { zipFile: zip } }) });
  await sim.localfc.clock.advance(1000);
  await sim.localfc.functions.quiesce();
  const warm = await fetch(`${fc.url}${path}`, { method: 'POST', body: '{}' });
  await warm.arrayBuffer();
  const id = warm.headers.get('x-fc-instance-id') ?? '';
  for (const c of [1, 32]) {
    const b = await load(bareOrigin, '/', c);
    const simulated = await load(sim.url, path, c);
    const viaLocalfc = await load(fc.url, path, c);
    await backend.thaw({ id } as Parameters<ProcessBackend['thaw']>[0]);
    const direct = await load(`http://127.0.0.1:${backend.instancePort(id)}`, '/invoke', c);
    process.stdout.write(
      `concurrency ${c}: bare ${b.rps.toFixed(0)} req/s (p50 ${b.p50.toFixed(2)} ms) | simulated ${simulated.rps.toFixed(0)} (${simulated.p50.toFixed(2)}) | direct ${direct.rps.toFixed(0)} (${direct.p50.toFixed(2)}) | InvokeFunction ${viaLocalfc.rps.toFixed(0)} (${viaLocalfc.p50.toFixed(2)}) = ${(viaLocalfc.rps / b.rps).toFixed(2)}× bare, ${(viaLocalfc.rps / direct.rps).toFixed(2)}× direct\n`,
    );
  }
  bare.close();
  await Promise.all([fc.stop(), sim.stop()]);
}

void main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
