/**
 * @module
 * Run bundled by memory.ts (or `node --expose-gc --import tsx bench/memory-child.ts N`): RSS and heap before and after N functions
 * (created and made Active in-process), printed as one JSON line. A child process, so nothing else shares its heap.
 */
import { createApp } from '../src/app.ts';
import { parseConfig } from '../src/config.ts';
import { createAll } from './fixtures.ts';

const n = Number(process.argv[2] ?? 10_000);
const gc = (globalThis as { gc?: () => void }).gc ?? (() => {});
const sample = () => {
  gc();
  gc();
  const m = process.memoryUsage();
  return { rss: m.rss, heapUsed: m.heapUsed };
};

const localfc = createApp(parseConfig({ clock: 'manual', log: 'silent' }));
const before = sample();
const t0 = performance.now();
await createAll(localfc.app, n, 'mem');
const createMs = performance.now() - t0;
await localfc.clock.advance(1000);
await localfc.functions.quiesce();
const after = sample();
process.stdout.write(`${JSON.stringify({ n, createMs, before, after })}\n`);
await localfc.close();
