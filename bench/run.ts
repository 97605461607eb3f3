/**
 * @module
 * `npm run bench`: every benchmark in one run, printed as markdown tables (copy them into docs/benchmarks.md).
 * A benchmark, not a test: it only reports. BENCH_DURATION (s per load run) and BENCH_CONNECTIONS tune the load runs.
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { activation } from './activation.ts';
import { CONNECTIONS, DURATION_S } from './load.ts';
import { memory } from './memory.ts';
import { startup } from './startup.ts';
import { throughput } from './throughput.ts';

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(0);
const out = (s: string) => process.stdout.write(`${s}\n`);

function machine(): string {
  const cpuinfo = (() => {
    try {
      return readFileSync('/proc/cpuinfo', 'utf8');
    } catch {
      return '';
    }
  })();
  const model = /^model name\s*:\s*(.+)$/m.exec(cpuinfo)?.[1] ?? os.cpus()[0]?.model ?? 'unknown CPU';
  return `${os.availableParallelism()} CPUs (nproc), ${model}, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

async function main(): Promise<void> {
  const t0 = performance.now();
  out(`localfc benchmark: ${machine()}`);
  out(`load: autocannon, ${CONNECTIONS} connections, ${DURATION_S} s per row, client and servers in one process on loopback\n`);

  const rows = await throughput();
  const ceiling = rows[0]!.rps;
  out('| what | req/s | vs ceiling | p50 ms | p99 ms | errors |\n|---|---|---|---|---|---|');
  for (const r of rows) out(`| ${r.name} | ${r.rps.toFixed(0)} | ${(r.rps / ceiling).toFixed(2)}× | ${r.p50} | ${r.p99} | ${r.errors} |`);
  const direct = rows.find((r) => r.name.startsWith('the same handler'));
  const viaLocalfc = rows.find((r) => r.name.includes('process backend'));
  const simulated = rows.find((r) => r.name.includes('simulated backend'));
  if (direct && viaLocalfc) {
    const extraUs = (CONNECTIONS / viaLocalfc.rps - CONNECTIONS / direct.rps) * 1e6;
    out(`\nprocess backend through localfc / handler called directly: ${(viaLocalfc.rps / direct.rps).toFixed(2)}× throughput, about ${extraUs.toFixed(0)} µs more per request at ${CONNECTIONS} connections`);
  }
  if (simulated) out(`simulated backend: about ${((CONNECTIONS / simulated.rps - CONNECTIONS / ceiling) * 1e6).toFixed(0)} µs per request more than the bare server`);

  out('\n| start-up to first successful request | ms (median of 3) |\n|---|---|');
  for (const s of await startup()) out(`| ${s.name} | ${s.ms.toFixed(0)} |`);

  const m = await memory(10_000);
  out('\n| memory | RSS MB | heap used MB |\n|---|---|---|');
  out(`| empty server | ${mb(m.before.rss)} | ${mb(m.before.heapUsed)} |`);
  out(`| ${m.n.toLocaleString('en')} Active functions | ${mb(m.after.rss)} | ${mb(m.after.heapUsed)} |`);
  out(`| per function | ${((m.after.rss - m.before.rss) / m.n / 1024).toFixed(1)} KB | ${((m.after.heapUsed - m.before.heapUsed) / m.n / 1024).toFixed(1)} KB |`);
  out(`\n(creating the ${m.n.toLocaleString('en')} functions in-process took ${(m.createMs / 1000).toFixed(1)} s)`);

  out('\n| 1,000 functions Pending → Active | create all, ms | until all Active, ms | nominal delay, ms |\n|---|---|---|---|');
  for (const a of await activation(1000)) out(`| ${a.name} | ${a.createMs.toFixed(0)} | ${a.activeMs.toFixed(0)} | ${a.nominalMs} |`);

  out(`\ntotal bench time ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

void main().catch((e: unknown) => {
  process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
  process.exit(1);
});
