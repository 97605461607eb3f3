/**
 * @module
 * Memory with many functions, measured in a fresh child process (see memory-child.ts). The child is bundled first, as
 * `npm start` runs the server (scripts/bundle.mjs): under tsx the empty server alone held ~50 MB more (the compiler
 * and the transformed sources), which no user's server carries.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { build } from 'esbuild';

export interface MemoryResult { n: number; createMs: number; before: { rss: number; heapUsed: number }; after: { rss: number; heapUsed: number } }

export async function memory(n = 10_000): Promise<MemoryResult> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const dir = mkdtempSync(path.join(os.tmpdir(), 'localfc-bench-memory-'));
  try {
    const outfile = path.join(dir, 'memory-child.mjs');
    await build({
      entryPoints: [path.join(root, 'bench/memory-child.ts')], outfile, bundle: true, platform: 'node', format: 'esm', target: 'node20', logLevel: 'warning',
      banner: { js: "import { createRequire as __localfcCreateRequire } from 'node:module'; const require = __localfcCreateRequire(import.meta.url);" },
    });
    const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', outfile, String(n)], { cwd: root, maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim().split('\n').pop()!) as MemoryResult;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
