/**
 * The figures of docs/security.md's fuzzing row: runs test/fuzz/process-auth.fuzz.test.ts (process backend, admin
 * token, signatures, large and chunked bodies on every route family) with more requests than CI does, once per seed,
 * and prints each run's figures (requests, 5xx, stalls over 100 ms, RSS growth, orphans) with the machine's load.
 *
 *   npx tsx scripts/fuzz-figures.ts [runs=1000] [seeds=1]
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';

const runs = Number(process.argv[2] ?? 1000);
const seeds = Number(process.argv[3] ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'localfc-fuzz-figures-'));
const report = join(dir, 'report.jsonl');
try {
  for (let i = 0; i < seeds; i++) {
    const seed = 20240418 + i * 7;
    const load = loadavg()[0]!.toFixed(1);
    const started = Date.now();
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-concurrency=1', 'test/fuzz/process-auth.fuzz.test.ts'], {
      env: { ...process.env, FUZZ_RUNS: String(runs), FUZZ_SEED: String(seed), FUZZ_REPORT: report },
      encoding: 'utf8',
    });
    const seconds = Math.round((Date.now() - started) / 1000);
    console.log(`seed ${seed}: exit ${r.status}, ${seconds} s, load average ${load} at start, ${loadavg()[0]!.toFixed(1)} at end`);
    if (r.status !== 0) console.log(r.stdout.split('\n').filter((l) => /not ok|error|Counterexample/.test(l)).slice(0, 20).join('\n'));
  }
  console.log(readFileSync(report, 'utf8').trim());
} finally {
  rmSync(dir, { recursive: true, force: true });
}
