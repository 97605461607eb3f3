/**
 * @module
 * Memory with many functions, measured in a fresh child process (see memory-child.ts).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

export interface MemoryResult { n: number; createMs: number; before: { rss: number; heapUsed: number }; after: { rss: number; heapUsed: number } }

export async function memory(n = 10_000): Promise<MemoryResult> {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const { stdout } = await promisify(execFile)(process.execPath, ['--expose-gc', '--import', 'tsx', 'bench/memory-child.ts', String(n)], { cwd: root, maxBuffer: 1 << 20 });
  return JSON.parse(stdout.trim().split('\n').pop()!) as MemoryResult;
}
