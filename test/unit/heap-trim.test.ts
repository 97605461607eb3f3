/**
 * The CLI's heap trim (src/heap-trim.ts) on a real V8 heap, in a process of its own: after a burst, a quiet process
 * gives back the young generation V8 grew and the old-space pages the burst fragmented. Real time, not the manual
 * clock: what it reacts to is V8's own measure of the process's allocation over real time (V8 shrinks the young
 * generation only when its last 5 s of allocation were low, so this takes about 6 s); nothing is asserted about time.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { it } from 'node:test';

interface Line { readonly step: 'burst' | 'compact' | 'young'; readonly spaces: Record<string, number> }

it('after a burst, a quiet process compacts old space and shrinks the young generation', { timeout: 180_000 }, async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/helpers/heap-trim-child.ts'], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 0, out);
  const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Line);
  const burst = lines.find((l) => l.step === 'burst')!;
  const compact = lines.at(-1)!;
  assert.ok(burst, out);
  assert.equal(compact.step, 'compact', out);
  const MB = 1024 * 1024;
  assert.ok(burst.spaces.new_space! >= 8 * MB, `the burst grew the young generation: ${out}`);
  assert.ok(compact.spaces.old_space! <= burst.spaces.old_space! - 8 * MB, `old space compacted: ${out}`);
  assert.ok(compact.spaces.new_space! <= 2 * MB, `young generation shrunk: ${out}`);
});
