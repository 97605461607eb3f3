/**
 * @module
 * A process that does what a burst of requests does to V8's heap (test/unit/heap-trim.test.ts): much short-lived
 * garbage, and objects that live long enough to be promoted, three quarters of which are then dropped (old space
 * fragmented). Then it goes quiet under startHeapTrim and prints the heap's spaces (JSON lines) before and after each
 * trim step; it exits after the compacting one.
 */
import v8 from 'node:v8';
import { startHeapTrim } from '../../src/heap-trim.ts';

const spaces = () => Object.fromEntries(v8.getHeapSpaceStatistics().map((s) => [s.space_name, s.space_size]));
const print = (line: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(line)}\n`);

const trim = startHeapTrim({
  idleMs: 100,
  compactAfterBytes: 8 * 1024 * 1024,
  onTrim: (step) => {
    print({ step: step.kind, spaces: spaces() });
    if (step.kind === 'compact') {
      trim.stop();
      process.exit(0);
    }
  },
});

let kept: Array<{ id: number; name: string; tags: number[] }> = [];
for (let round = 0; round < 20; round++) {
  for (let i = 0; i < 20_000; i++) {
    kept.push({ id: i, name: `function-${round}-${i}`, tags: [round, i] });
    for (let g = 0; g < 5; g++) void { garbage: `${i}-${g}`, n: [g] };
  }
}
kept = kept.filter((o) => o.id % 4 === 0);
print({ step: 'burst', spaces: spaces() });
// Quiet from here on; what is kept stays reachable, and a timer keeps the process alive until the trim is done.
setInterval(() => kept.length, 60_000);
