/**
 * @module
 * Unpacking a 100 MB code zip (issue 16's row): the longest event-loop block while it unpacks (the longest gap between
 * ticks of a 1 ms interval, beside perf_hooks' monitorEventLoopDelay) and the peak RSS growth over the process holding the zip, as a multiple of
 * the zip's size. The archive is made first, in its own process, so its making does not count; the unpacking runs in a
 * fresh process that holds only the zip. A benchmark, not a test: it only reports.
 * Run: `npx tsx bench/zip-unpack.ts` (ZIP_MB sets the size, default 100).
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { extractZip } from '../src/code/zip.ts';
import { createZip } from '../test/helpers/zip.ts';

const MB = 1024 * 1024;

/** Half incompressible bytes (a zip as large as its files), half text (deflate has real work): like node_modules. */
function makeZip(path: string, megabytes: number): void {
  const files = [];
  const text = Buffer.from('module.exports = function handler(event, context, callback) { callback(null, event); };\n'.repeat(2000));
  let size = 0;
  for (let i = 0; size < megabytes * MB; i++) {
    const data = i % 2 ? randomBytes(MB) : Buffer.concat(Array(6).fill(text));
    files.push({ path: `node_modules/pkg${i % 50}/file${i}.${i % 2 ? 'bin' : 'js'}`, data });
    size += i % 2 ? MB : 0;
  }
  writeFileSync(path, createZip(files));
}

async function unpack(zipPath: string): Promise<void> {
  const zip = readFileSync(zipPath);
  const dest = mkdtempSync(join(tmpdir(), 'localfc-bench-unzip-'));
  global.gc?.();
  const rssBefore = process.memoryUsage().rss;
  let peak = rssBefore;
  // Every millisecond: the RSS, and the gap since the last tick (a block shows as a long gap). monitorEventLoopDelay
  // alone under-reports on Node 20: a 500 ms busy loop right after reset() read as a 1.3 ms maximum.
  let last = performance.now();
  let maxGap = 0;
  const sampler = setInterval(() => {
    const now = performance.now();
    maxGap = Math.max(maxGap, now - last);
    last = now;
    peak = Math.max(peak, process.memoryUsage().rss);
  }, 1);
  const delay = monitorEventLoopDelay({ resolution: 1 });
  delay.enable();
  // Let the monitor's timer start first: a block before its first tick would go unrecorded.
  await new Promise((r) => setTimeout(r, 50));
  delay.reset();
  last = performance.now();
  const t0 = performance.now();
  const entries = await extractZip(zip, dest);
  const ms = performance.now() - t0;
  await new Promise((r) => setTimeout(r, 5)); // one more tick, so a block at the very end is seen
  delay.disable();
  clearInterval(sampler);
  // maxRSS is the process's peak so far: before the unpacking it was at most rssBefore plus the zip read in.
  peak = Math.max(peak, process.resourceUsage().maxRSS * 1024);
  rmSync(dest, { recursive: true, force: true });
  process.stdout.write(
    `${JSON.stringify({ zipMB: +(zip.length / MB).toFixed(1), entries: entries.length, unpackMs: Math.round(ms), maxEventLoopBlockMs: +maxGap.toFixed(1), monitorEventLoopDelayMaxMs: +(delay.max / 1e6).toFixed(1), p99EventLoopDelayMs: +(delay.percentile(99) / 1e6).toFixed(1), peakRssGrowthMB: +((peak - rssBefore) / MB).toFixed(0), peakRssGrowthPerZip: +((peak - rssBefore) / zip.length).toFixed(2) })}\n`,
  );
}

if (process.argv[2] === '--unpack') await unpack(process.argv[3]!);
else if (process.argv[2] === '--make') makeZip(process.argv[3]!, Number(process.env.ZIP_MB ?? 100));
else {
  const dir = mkdtempSync(join(tmpdir(), 'localfc-bench-zip-'));
  const zipPath = join(dir, 'code.zip');
  try {
    const self = fileURLToPath(import.meta.url);
    execFileSync(process.execPath, ['--import', 'tsx', self, '--make', zipPath], { stdio: 'inherit' });
    process.stdout.write(execFileSync(process.execPath, ['--import', 'tsx', self, '--unpack', zipPath], { encoding: 'utf8' }));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
