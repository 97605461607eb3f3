/**
 * @module
 * Start-up time: spawn the CLI as a child process and time until its first successful request (GET /_localfc/health).
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { median } from './fixtures.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function once(args: readonly string[]): Promise<number> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [...args, '--port', '0', '--log', 'silent'], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  try {
    const url = await new Promise<string>((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (d: Buffer) => {
        out += d.toString();
        const m = /listening on (http:\/\/\S+)/.exec(out);
        if (m) resolve(m[1]!);
      });
      child.once('exit', (code) => reject(new Error(`localfc exited with ${code} before listening: ${out}`)));
    });
    for (;;) {
      const res = await fetch(`${url}/_localfc/health`).catch(() => undefined);
      if (res?.ok) return performance.now() - t0;
    }
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
  }
}

/** Median of `runs` start-ups, for `src/main.ts` through tsx and, when built, `bin/localfc.mjs`. */
export async function startup(runs = 3): Promise<Array<{ name: string; ms: number }>> {
  const variants: Array<[string, string[]]> = [['`node --import tsx src/main.ts`', ['--import', 'tsx', 'src/main.ts']]];
  if (existsSync(`${ROOT}dist/main.js`)) variants.push(['`bin/localfc.mjs` (built `dist/`)', ['bin/localfc.mjs']]);
  const out: Array<{ name: string; ms: number }> = [];
  for (const [name, args] of variants) {
    const times: number[] = [];
    for (let i = 0; i < runs; i++) times.push(await once(args));
    out.push({ name, ms: median(times) });
  }
  return out;
}
