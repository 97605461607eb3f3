/**
 * @module
 * `npm run bench`: every goal row of the benchmarks, each beside its own baseline measured in the same run, printed as
 * markdown (copy it into docs/benchmarks.md). localfc runs as the README starts it, the load from a process of its own.
 * A benchmark, not a test: it only reports. Tuning: BENCH_ONLY (comma-separated sections, default all:
 * control,process,container,cold,zip,startup,memory,activation), BENCH_DURATION, BENCH_WARMUP, BENCH_WARMUP_REQUESTS, BENCH_CONNECTIONS,
 * BENCH_CONTAINER_CONNECTIONS, BENCH_IMAGE, BENCH_LOCALFC_FLAGS (extra flags for every localfc started), ZIP_MB.
 */
import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import os from 'node:os';
import { activation } from './activation.ts';
import { memory, QUIET_S } from './memory.ts';
import { ROOT } from './proc.ts';
import { CONNECTIONS, CONTAINER_CONNECTIONS, DURATION_S, ROUNDS, WARMUP_S, containerBackend, containerColdStart, containerUsable, controlPlane, processBackend, type Row, startup } from './rows.ts';

const SECTIONS = ['control', 'process', 'container', 'cold', 'zip', 'startup', 'memory', 'activation'] as const;
const only = new Set((process.env.BENCH_ONLY ?? SECTIONS.join(',')).split(',').map((s) => s.trim()).filter(Boolean));
for (const s of only) if (!(SECTIONS as readonly string[]).includes(s)) throw new Error(`BENCH_ONLY: unknown section ${s} (known: ${SECTIONS.join(', ')})`);

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const out = (s: string) => process.stdout.write(`${s}\n`);
const load = () => os.loadavg().map((l) => l.toFixed(1)).join(' / ');

function machine(): string {
  let cpuinfo = '';
  try {
    cpuinfo = readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    /* not Linux */
  }
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.availableParallelism()} CPUs (nproc), ${model}, ${(os.totalmem() / 2 ** 30).toFixed(0)} GB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

/** CPU per request of the server side (localfc's process tree, handler included; the baseline's process). */
function cpu(r: Row): string {
  const [l, b] = [r.localfc.cpuUsPerRequest, r.baseline.cpuUsPerRequest];
  if (l === undefined || b === undefined) return 'n/a';
  return `${l.toFixed(0)} / ${b.toFixed(0)} (${(b / l).toFixed(2)}×)`;
}

/** The row's goal figure in every round (the table shows the median round's figures). */
function eachRound(r: Row): string {
  return r.rounds.map((x) => (r.mode === 'concurrent' ? `${x.toFixed(2)}×` : `+${x.toFixed(2)} ms`)).join(', ');
}

function printRows(rows: readonly Row[]): void {
  out('| what | load | localfc req/s | p50 / p99 ms | baseline | baseline req/s | p50 / p99 ms | throughput ratio | p50 added | CPU µs/request, localfc / baseline | each round |');
  out('|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const how = r.mode === 'sequential' ? 'one at a time' : `${r.what.includes('container') ? CONTAINER_CONNECTIONS : CONNECTIONS} connections`;
    const lat = (x: Row['localfc']) => `${x.p50.toFixed(2)} / ${x.p99.toFixed(2)}`;
    const errors = r.localfc.errors || r.baseline.errors ? ` (errors: ${r.localfc.errors} / ${r.baseline.errors})` : '';
    out(`| ${r.what}${errors} | ${how} | ${r.localfc.rps.toFixed(0)} | ${lat(r.localfc)} | ${r.baselineName} | ${r.baseline.rps.toFixed(0)} | ${lat(r.baseline)} | ${(r.localfc.rps / r.baseline.rps).toFixed(2)}× | +${(r.localfc.p50 - r.baseline.p50).toFixed(2)} ms | ${cpu(r)} | ${eachRound(r)} |`);
  }
}

async function main(): Promise<void> {
  const t0 = performance.now();
  // npm start runs dist/localfc.mjs when it is current (else the sources under tsx): bundle the sources as they are now.
  await promisify(execFile)(process.execPath, ['scripts/bundle.mjs'], { cwd: ROOT });
  out(`localfc benchmark, ${new Date().toISOString()}: ${machine()}`);
  out(`load average (1 / 5 / 15 min) at start: ${load()}`);
  out(`load client: a separate process (autocannon for concurrent rows, one keep-alive connection for "one at a time"), ${WARMUP_S} s warm-up + ${DURATION_S} s per row, every side of a row measured ${ROUNDS} times in turns and the row showing its median round; localfc started with \`npm start\` (the bundle, built first), access log on, to a pipe\n`);

  const rows: Row[] = [];
  if (only.has('control')) rows.push(...(await controlPlane()));
  if (only.has('process')) rows.push(...(await processBackend()));
  const noContainer = only.has('container') || only.has('cold') ? await containerUsable() : undefined;
  if (only.has('container') && !noContainer) rows.push(...(await containerBackend()));
  if (rows.length) printRows(rows);

  if (only.has('cold')) {
    if (noContainer) out(`\ncontainer rows skipped: ${noContainer}`);
    else {
      const c = await containerColdStart();
      out('\n| container cold start (median of ' + c.runs + ') | ms |\n|---|---|');
      out(`| \`docker run\` of the same image to its first answer | ${c.dockerRunMs.toFixed(0)} |`);
      out(`| first InvokeFunction of an Active function, container backend | ${c.localfcMs.toFixed(0)} (${(c.localfcMs / c.dockerRunMs).toFixed(2)}×) |`);
    }
  }

  if (only.has('zip')) {
    // bench/zip-unpack.ts makes the zip and unpacks it in processes of their own; it prints one JSON line.
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'bench/zip-unpack.ts'], { cwd: ROOT, maxBuffer: 1 << 20 });
    const z = JSON.parse(stdout.trim().split('\n').pop()!) as { zipMB: number; entries: number; unpackMs: number; maxEventLoopBlockMs: number; peakRssGrowthPerZip: number; peakRssGrowthMB: number };
    out(`\n| unpacking a ${z.zipMB} MB code zip (${z.entries} entries) | figure |\n|---|---|`);
    out(`| time to unpack | ${z.unpackMs} ms |\n| longest event-loop block | ${z.maxEventLoopBlockMs} ms |\n| peak RSS growth | ${z.peakRssGrowthMB} MB (${z.peakRssGrowthPerZip}× the zip) |`);
  }

  if (only.has('startup')) {
    out('\n| spawn to first answered request | ms (median) | CPU ms by then (median) |\n|---|---|---|');
    for (const s of await startup()) out(`| ${s.what} | ${s.ms.toFixed(0)} | ${s.cpuMs.toFixed(0)} |`);
  }

  if (only.has('memory')) {
    const m = await memory(10_000);
    out(`\n| memory (\`node bin/localfc.mjs\`, RSS from /proc, no forced GC) | RSS MB, 1 s after the last request | ${QUIET_S} s after |\n|---|---|---|`);
    out(`| empty server | ${mb(m.emptyRss)} | ${mb(m.quietEmptyRss)} |`);
    out(`| ${m.n.toLocaleString('en')} Active functions | ${mb(m.rss)} | ${mb(m.quietRss)} |`);
    const perFunction = (rss: number, empty: number) => `${((rss - empty) / m.n / 1024).toFixed(1)} KB`;
    out(`| per function | ${perFunction(m.rss, m.emptyRss)} | ${perFunction(m.quietRss, m.quietEmptyRss)} |`);
    out(`\n(creating the ${m.n.toLocaleString('en')} functions over HTTP, 8 at a time, took ${(m.createMs / 1000).toFixed(1)} s)`);
  }

  if (only.has('activation')) {
    out('\n| 1,000 functions Pending → Active | create all, ms | until all Active, ms | nominal delay, ms |\n|---|---|---|---|');
    for (const a of await activation(1000)) out(`| ${a.name} | ${a.createMs.toFixed(0)} | ${a.activeMs.toFixed(0)} | ${a.nominalMs} |`);
  }

  out(`\nload average at end: ${load()}; total bench time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

void main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
