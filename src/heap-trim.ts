/**
 * @module
 * Gives the heap back after a burst, once the process has gone quiet (the CLI's own process only; start() inside
 * someone else's process leaves their heap alone). V8 grows the young generation to 2 × 16 MB under load and keeps
 * it, and old space keeps the pages that the burst's promoted garbage fragmented: with 10,000 functions created over
 * HTTP that is ≈ 60 of 160 MB RSS. V8's own memory reducer would give it back, but it only runs when V8 sees a low
 * allocation rate, which it measures at garbage collections: an idle server collects nothing, so it never does (traced
 * with --trace-gc-verbose: "Memory reducer: high alloc" every 8 s, forever). What this does instead, measured:
 * - once `idleMs` passed since the last collection with the process allocating less than 1 KB/ms (V8's own "low
 *   allocation rate"), a young collection (a few ms): it shows V8 the quiet time;
 * - `settleMs` later, if still as quiet, a full collection that compacts old space if it grew by `compactAfterBytes`
 *   since the last trim, or else another young one. V8 shrinks the young generation in a collection that follows 5 s
 *   of such low allocation (it measures allocation from collection to collection), which the first one cannot show:
 *   the burst's last allocations are counted over the quiet time after them.
 * The collections run on an idle process; a request that arrives during one waits for it (tens of ms for the young
 * ones; the compacting one grows with the heap: docs/benchmarks.md has the figures).
 */
import { PerformanceObserver, performance } from 'node:perf_hooks';
import v8 from 'node:v8';
import vm from 'node:vm';

type Gc = (options?: { type: 'minor' | 'major'; execution: 'sync' }) => void;

export interface HeapTrimOptions {
  /** Quiet time after the last collection before trimming (default 1 s). */
  readonly idleMs?: number;
  /** Quiet time between the first and the second collection; V8 looks at the last 5 s (default 5.5 s). */
  readonly settleMs?: number;
  /** Old space growth since the last trim that is worth a compacting collection (default 16 MB). */
  readonly compactAfterBytes?: number;
  /** Told after each trim step, with its pause (tests). */
  readonly onTrim?: (step: { readonly kind: 'compact' | 'young'; readonly ms: number }) => void;
}

export interface HeapTrim {
  stop(): void;
}

/** V8's gc(): from `--expose-gc` when node was started with it, else through a context made while the flag is set. */
function exposedGc(): Gc {
  const existing = (globalThis as { gc?: Gc }).gc;
  if (existing) return existing;
  v8.setFlagsFromString('--expose-gc');
  try {
    return vm.runInNewContext('gc') as Gc;
  } finally {
    // Back to the flags node started with: V8's code cache (dist/localfc.cjs.cache) is keyed by them.
    v8.setFlagsFromString('--no-expose-gc');
  }
}

/** V8's kLowAllocationThroughput, bytes per ms: below it V8 itself would shrink the young generation. */
const LOW_ALLOCATION_RATE = 1000;

const heapUsed = (): number => v8.getHeapStatistics().used_heap_size;
const oldSpaceBytes = (): number => v8.getHeapSpaceStatistics().find((s) => s.space_name === 'old_space')?.space_size ?? 0;

export function startHeapTrim(options: HeapTrimOptions = {}): HeapTrim {
  const idleMs = options.idleMs ?? 1000;
  const settleMs = options.settleMs ?? 5500;
  const compactAfter = options.compactAfterBytes ?? 16 * 1024 * 1024;
  let gc: Gc | undefined;
  let oldAtLastTrim = oldSpaceBytes();
  /** Collections that started before this (performance.now()) were the trim's own. */
  let ownUntil = 0;

  const collect = (kind: 'compact' | 'young') => {
    gc ??= exposedGc();
    const t0 = performance.now();
    if (kind === 'young') gc({ type: 'minor', execution: 'sync' });
    else {
      // A full collection compacts only the pages V8's heuristics pick; this one compacts every fragmented page.
      v8.setFlagsFromString('--compact-on-every-full-gc');
      try {
        gc();
      } finally {
        v8.setFlagsFromString('--no-compact-on-every-full-gc');
      }
    }
    ownUntil = performance.now();
    options.onTrim?.({ kind, ms: ownUntil - t0 });
  };

  /** Heap used at the last look: what was allocated since, over the time since, is the allocation rate. */
  let mark = { at: performance.now(), used: heapUsed() };
  const quiet = (): boolean => {
    const now = { at: performance.now(), used: heapUsed() };
    const rate = (now.used - mark.used) / (now.at - mark.at);
    mark = now;
    return rate < LOW_ALLOCATION_RATE;
  };
  let timer: NodeJS.Timeout | undefined;
  const after = (ms: number, step: () => void) => {
    clearTimeout(timer);
    timer = setTimeout(step, ms);
    timer.unref();
  };
  const settle = (): void => {
    if (!quiet()) return after(idleMs, trim);
    collect(oldSpaceBytes() - oldAtLastTrim >= compactAfter ? 'compact' : 'young');
    oldAtLastTrim = oldSpaceBytes();
  };
  const trim = (): void => {
    if (!quiet()) return after(idleMs, trim);
    collect('young');
    mark = { at: performance.now(), used: heapUsed() };
    after(settleMs, settle);
  };

  // Told of collections in batches, after they ran: the process allocates again, so a pending step waits for the
  // next quiet time.
  const observer = new PerformanceObserver((list) => {
    if (!list.getEntries().some((e) => e.startTime >= ownUntil)) return;
    mark = { at: performance.now(), used: heapUsed() };
    after(idleMs, trim);
  });
  observer.observe({ entryTypes: ['gc'] });
  // Start-up was a burst too (the young generation grows while the server loads).
  after(idleMs, trim);

  return {
    stop() {
      observer.disconnect();
      clearTimeout(timer);
    },
  };
}
