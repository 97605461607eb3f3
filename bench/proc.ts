/**
 * @module
 * Child processes for the bench: servers (started in a process group of their own, so `npm start`'s npm → tsx → node
 * chain stops as one) and the load client. Output the bench does not read is still drained, as a pipe would be.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { LoadResult, LoadSpec } from './client.ts';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface Server {
  readonly url: string;
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns `cmd args` and resolves once its stdout printed `listening on <url>`. */
export async function startServer(cmd: string, args: readonly string[], env: NodeJS.ProcessEnv = {}): Promise<Server> {
  const child = spawn(cmd, args, { cwd: ROOT, detached: true, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  child.stderr!.resume(); // the access log goes to this pipe: drained, like a terminal or a log collector would
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) {
      try {
        process.kill(-child.pid!, 'SIGTERM');
      } catch {
        /* already gone */
      }
    }
    await exited;
  };
  const url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/\S+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`${cmd} ${args.join(' ')} exited with ${code} before listening: ${out}`)));
  });
  child.stdout!.resume();
  return { url, child, stop };
}

/** BENCH_LOCALFC_FLAGS: extra flags for every localfc the bench starts, to compare settings (e.g. `--freeze-grace-ms 0`). */
const EXTRA_FLAGS = (process.env.BENCH_LOCALFC_FLAGS ?? '').split(' ').filter(Boolean);

/** localfc as the README starts it: `npm start -- <flags>` (default access log on, to a pipe), on a free port. */
export function startLocalfc(flags: readonly string[] = []): Promise<Server> {
  return startServer('npm', ['start', '--silent', '--', '--port', '0', ...flags, ...EXTRA_FLAGS]);
}

export function startBare(body: string): Promise<Server> {
  return startServer(process.execPath, ['--import', 'tsx', 'bench/bare-server.ts', body]);
}

/** hono on @hono/node-server with nothing else (bench/hono-floor.ts): the floor of localfc's own stack. */
export function startHonoFloor(body: string): Promise<Server> {
  return startServer(process.execPath, ['--import', 'tsx', 'bench/hono-floor.ts', body]);
}

/** bare node:http forwarding every request to `target` with undici (bench/forward-floor.ts): the floor of any forwarder in Node.js. */
export function startForwardFloor(target: string): Promise<Server> {
  return startServer(process.execPath, ['--import', 'tsx', 'bench/forward-floor.ts', target]);
}

/** Each connection spliced at the TCP level to `target`, no HTTP read (bench/pipe-floor.ts): the floor of any forwarder at all. */
export function startPipeFloor(target: string): Promise<Server> {
  return startServer(process.execPath, ['--import', 'tsx', 'bench/pipe-floor.ts', target]);
}

/**
 * CPU time (user + system, ms) used so far by `root` and every process below it (Linux /proc; 0 elsewhere). Per
 * request it is steadier than req/s on a machine that other jobs load: it does not count the time spent waiting.
 */
export function treeCpuMs(root: number): number {
  const procs: Array<{ pid: number; ppid: number; ticks: number }> = [];
  let pids: string[];
  try {
    pids = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return 0;
  }
  for (const pid of pids) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' '); // f[0] is field 3 (state)
      procs.push({ pid: Number(pid), ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      /* exited meanwhile */
    }
  }
  const inTree = new Set([root]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const p of procs) {
      if (inTree.has(p.pid) || !inTree.has(p.ppid)) continue;
      inTree.add(p.pid);
      grew = true;
    }
  }
  return (procs.filter((p) => inTree.has(p.pid)).reduce((t, p) => t + p.ticks, 0) * 1000) / CLOCK_TICKS;
}

/** USER_HZ: 100 on every Linux this runs on. */
const CLOCK_TICKS = 100;

export type Measured = LoadResult & { readonly cpuUsPerRequest?: number };

/**
 * Requests every warm-up makes at least (BENCH_WARMUP_REQUESTS; up to a minute more on a slow machine): V8 optimises a server's path
 * by the work it did, not by time. A fresh localfc's CPU per invocation falls 2-3× over its first ~4,000; on a loaded
 * machine a 1 s warm-up made a few hundred and the row measured localfc still being optimised against a warm baseline.
 */
const WARMUP_REQUESTS = Number(process.env.BENCH_WARMUP_REQUESTS ?? 5000);

/**
 * One load measurement (warm-up first, unmeasured), with the CPU time per request of the process tree(s) at `cpuRoots`
 * (several for a server whose work runs outside its own tree: localfc and the container it forwards to).
 */
export async function measure(spec: LoadSpec, cpuRoots?: number | readonly number[]): Promise<Measured> {
  const roots = cpuRoots === undefined ? [] : typeof cpuRoots === 'number' ? [cpuRoots] : cpuRoots;
  const cpu = () => roots.reduce((t, root) => t + treeCpuMs(root), 0);
  if (spec.warmupS > 0) await runClient({ ...spec, durationS: spec.warmupS, warmupS: 0, minRequests: WARMUP_REQUESTS });
  const cpu0 = cpu();
  const r = await runClient({ ...spec, warmupS: 0 });
  if (!roots.length || r.requests === 0) return r;
  return { ...r, cpuUsPerRequest: ((cpu() - cpu0) * 1000) / r.requests };
}

/** Runs one load in a separate client process (bench/client.ts). */
async function runClient(spec: LoadSpec): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'bench/client.ts', JSON.stringify(spec)], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((r) => child.once('exit', r));
  if (code !== 0) throw new Error(`load client exited with ${code}: ${out}`);
  return JSON.parse(out.trim().split('\n').pop()!) as LoadResult;
}
