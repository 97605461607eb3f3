/**
 * @module
 * A/B of localfc bundles on the control rows: `node --import tsx bench/ab-control.ts DIR_A DIR_B [...]`, each DIR a copy
 * of a built dist/ (`npm run build; cp -r dist /tmp/a`), optionally followed by localfc flags after commas
 * (`/tmp/a,--log,silent`). Every bundle is started as the bench starts localfc (its localfc.mjs, `--port 0`, default
 * access log to a drained pipe) beside a bare node:http server, the bench's echo function is created on each, and every
 * round measures each server with GetFunction and InvokeFunction from the bench's client process, printing the
 * server's CPU µs per request of every round and their medians.
 * - In turns (the default): one server loaded at a time, the order reversed every other round.
 * - AB_PAIRED=1: all servers loaded at the same time, each by its own client, so a change in the machine's load falls
 *   on all alike; with AB_RATE (requests a second offered to each) they also serve the same throughput, which keeps
 *   a faster server from looking cheaper only because each event-loop turn took more requests. Read B−A per round.
 * AB_ROUNDS (default 5), BENCH_DURATION, BENCH_WARMUP, BENCH_CONNECTIONS as for the bench; AB_ONLY=get or invoke;
 * AB_BARE=0 leaves the bare server out (paired runs of two bundles load the 2-core machine less).
 */
import os from 'node:os';
import path from 'node:path';
import { createActive } from './api.ts';
import type { LoadSpec } from './client.ts';
import { ECHO_SERVER_ZIP, median } from './fixtures.ts';
import { type Measured, measure, startBare, startServer, type Server } from './proc.ts';
import { CONNECTIONS, DURATION_S, WARMUP_S } from './rows.ts';

const dirs = process.argv.slice(2);
if (dirs.length === 0) throw new Error('usage: bench/ab-control.ts DIST_DIR_A DIST_DIR_B ...');
const ROUNDS = Number(process.env.AB_ROUNDS ?? 5);
const ONLY = process.env.AB_ONLY;
const PAIRED = process.env.AB_PAIRED === '1';
const RATE = process.env.AB_RATE ? Number(process.env.AB_RATE) : undefined;
const FN_PATH = '/2023-03-30/functions/bench';
const out = (s: string) => process.stdout.write(`${s}\n`);
const load = () => os.loadavg()[0]!.toFixed(1);

interface Target { readonly name: string; readonly server: Server; readonly get: string; readonly post: string }

const localfcs = await Promise.all(dirs.map((d) => {
  const [dir, ...flags] = d.split(',');
  return startServer(process.execPath, [path.resolve(dir!, 'localfc.mjs'), '--port', '0', ...flags]);
}));
const stops: Array<() => Promise<void>> = localfcs.map((fc) => () => fc.stop());
try {
  const targets: Target[] = [];
  for (const [i, fc] of localfcs.entries()) {
    await createActive(fc.url, { functionName: 'bench', runtime: 'custom.debian10', handler: 'index.handler', instanceConcurrency: 100, customRuntimeConfig: { command: ['node', 'server.js'] }, code: { zipFile: ECHO_SERVER_ZIP } });
    // The same bundle given twice (an A/A run) is told apart by its place.
    targets.push({ name: dirs.indexOf(dirs[i]!) === i ? dirs[i]! : `${dirs[i]!} (${i + 1})`, server: fc, get: `${fc.url}${FN_PATH}`, post: `${fc.url}${FN_PATH}/invocations` });
  }
  if (process.env.AB_BARE !== '0') {
    const bare = await startBare(await (await fetch(targets[0]!.get)).text());
    stops.push(() => bare.stop());
    targets.push({ name: 'bare node:http', server: bare, get: `${bare.url}/`, post: `${bare.url}/` });
  }

  const routes = (['get', 'invoke'] as const).filter((r) => !ONLY || ONLY === r);
  const spec = (t: Target, route: 'get' | 'invoke', round: number): LoadSpec => ({
    url: route === 'invoke' ? t.post : t.get, mode: 'concurrent', durationS: DURATION_S, warmupS: round === 0 ? WARMUP_S : 0, connections: CONNECTIONS,
    ...(route === 'invoke' ? { method: 'POST', body: '{"a":1}' } : {}), ...(RATE ? { rate: RATE } : {}),
  });
  const figures = new Map<string, number[]>();
  const show = (t: Target, m: Measured) => `${t.name} ${m.cpuUsPerRequest?.toFixed(1)} µs (${m.rps.toFixed(0)}/s${m.errors ? `, ${m.errors} errors` : ''})`;
  out(`load ${load()} at the start; ${ROUNDS} rounds of ${DURATION_S} s at ${CONNECTIONS} connections, ${PAIRED ? 'paired' : 'in turns'}${RATE ? `, ${RATE} req/s each` : ''}`);
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? targets : [...targets].reverse();
    for (const route of routes) {
      const measured: Array<[Target, Measured]> = [];
      if (PAIRED) {
        const ms = await Promise.all(order.map((t) => measure(spec(t, route, round), t.server.child.pid!)));
        ms.forEach((m, i) => measured.push([order[i]!, m]));
      } else {
        for (const t of order) measured.push([t, await measure(spec(t, route, round), t.server.child.pid!)]);
      }
      for (const [t, m] of measured) figures.set(`${route} ${t.name}`, [...(figures.get(`${route} ${t.name}`) ?? []), m.cpuUsPerRequest ?? Number.NaN]);
      out(`round ${round + 1} ${route} (load ${load()}): ${measured.map(([t, m]) => show(t, m)).join(', ')}`);
    }
  }
  out('median µs CPU / request (every round):');
  for (const [key, xs] of figures) out(`  ${key}: ${median(xs).toFixed(1)} (${xs.map((x) => x.toFixed(1)).join(' ')})`);
} finally {
  await Promise.all(stops.map((stop) => stop()));
}
