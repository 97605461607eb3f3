/**
 * @module
 * The goal rows of issue 16, each measured side by side with its own baseline in the same run: localfc started as
 * the README says (bench/proc.ts) against a bare node:http server, the handler process or container called directly,
 * and `docker run` of the same image. Every load runs in a client process of its own (bench/client.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { LoadSpec } from './client.ts';
import { containerIp, createActive, docker, instancesOf, invoke, processPort, processStopped, resumeAfterFreeze, untilAnswered } from './api.ts';
import { ECHO_ZIP, median } from './fixtures.ts';
import { type Measured, measure, ROOT, startBare, startForwardFloor, startHonoFloor, startLocalfc, startServer, type Server, treeCpuMs } from './proc.ts';

export const DURATION_S = Number(process.env.BENCH_DURATION ?? 4);
export const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 1);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** Concurrency of the container rows (the goal is stated at 16). */
export const CONTAINER_CONNECTIONS = Number(process.env.BENCH_CONTAINER_CONNECTIONS ?? 16);
export const CONTAINER_IMAGE = process.env.BENCH_IMAGE ?? 'localfc-test/node:20';

export interface Row {
  readonly what: string;
  readonly localfc: Measured;
  readonly baselineName: string;
  readonly baseline: Measured;
  readonly mode: 'concurrent' | 'sequential';
}

const spec = (url: string, mode: LoadSpec['mode'], extra: Partial<LoadSpec> = {}): LoadSpec => ({ url, mode, durationS: DURATION_S, warmupS: WARMUP_S, connections: CONNECTIONS, ...extra });
const POST = { method: 'POST' as const, body: '{"a":1}' };
const nodeFunction = (name: string) => ({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', instanceConcurrency: 100, code: { zipFile: ECHO_ZIP } });

async function withServers<T>(starts: Array<Promise<Server>>, body: (servers: Server[]) => Promise<T>): Promise<T> {
  const servers = await Promise.all(starts);
  try {
    return await body(servers);
  } finally {
    await Promise.all(servers.map((s) => s.stop()));
  }
}

/**
 * GetFunction and InvokeFunction (simulated backend) against bare node:http answering the same body, and the floor of
 * the stack: hono on @hono/node-server with no middleware, answering the same (bench/hono-floor.ts).
 */
export async function controlPlane(): Promise<Row[]> {
  return withServers([startLocalfc()], async ([fc]) => {
    await createActive(fc!.url, nodeFunction('bench'));
    const fnBody = await (await fetch(`${fc!.url}/2023-03-30/functions/bench`)).text();
    return withServers([startBare(fnBody), startHonoFloor(fnBody)], async ([bare, hono]) => {
      const rows: Row[] = [];
      const [b, f, h] = [bare!.child.pid!, fc!.child.pid!, hono!.child.pid!];
      const GET_PATH = '/2023-03-30/functions/bench';
      const get = await measure(spec(`${bare!.url}/`, 'concurrent'), b);
      rows.push({ what: 'GetFunction', mode: 'concurrent', baselineName: 'bare `node:http`, same body', baseline: get, localfc: await measure(spec(`${fc!.url}${GET_PATH}`, 'concurrent'), f) });
      rows.push({ what: 'floor: hono + @hono/node-server, GetFunction\'s path and body', mode: 'concurrent', baselineName: 'bare `node:http`, same body', baseline: get, localfc: await measure(spec(`${hono!.url}${GET_PATH}`, 'concurrent'), h) });
      const post = await measure(spec(`${bare!.url}/`, 'concurrent', POST), b);
      rows.push({ what: 'InvokeFunction, simulated backend', mode: 'concurrent', baselineName: 'bare `node:http` echoing the body', baseline: post, localfc: await measure(spec(`${fc!.url}${GET_PATH}/invocations`, 'concurrent', POST), f) });
      rows.push({ what: 'floor: hono + @hono/node-server echoing on InvokeFunction\'s path', mode: 'concurrent', baselineName: 'bare `node:http` echoing the body', baseline: post, localfc: await measure(spec(`${hono!.url}${GET_PATH}/invocations`, 'concurrent', POST), h) });
      return rows;
    });
  });
}

/**
 * The concurrent row is measured first, so both sides are JIT-warm when the one-at-a-time row runs. Measured the other
 * way round, the baseline had served ~35,000 requests before the one-at-a-time row and a fresh localfc ~600: V8 takes a
 * few thousand requests to optimise localfc's invoke path (its CPU per request falls 2-3× over the first ~4,000), so
 * that row measured localfc's warm-up against a warm handler. The rows are printed one at a time first, as before.
 */
const WARM_FIRST = ['concurrent', 'sequential'] as const;

/**
 * The floor row beside a warm-invoke row: bare node:http forwarding with undici to the same handler
 * (bench/forward-floor.ts), measured between the direct calls and localfc's, while localfc leaves the instance running
 * (it froze it before the direct calls and thaws it on its own next call). Its CPU counts the forwarder and the handler.
 */
const FLOOR_WHAT = 'floor: bare `node:http` forwarding with undici to the same';

/** Warm invocations on the process backend (freezing on) against the same handler process called directly. */
export async function processBackend(): Promise<Row[]> {
  return withServers([startLocalfc(['--backend', 'process'])], async ([fc]) => {
    await createActive(fc!.url, nodeFunction('bench'));
    await invoke(fc!.url, 'bench');
    const [instance] = await instancesOf(fc!.url, 'bench');
    const pid = instance!.pid!;
    const origin = `http://127.0.0.1:${await processPort(pid)}`;
    const via = `${fc!.url}/2023-03-30/functions/bench/invocations`;
    // localfc freezes the idle instance; let it run (SIGCONT) so direct calls reach it. localfc thaws it anyway.
    const resume = () => resumeAfterFreeze(() => processStopped(pid), async () => void process.kill(pid, 'SIGCONT'));
    return withServers([startForwardFloor(origin)], async ([floor]) => {
      const rows: Row[][] = [];
      for (const mode of WARM_FIRST) {
        await resume();
        const baseline = await measure(spec(`${origin}/invoke`, mode, POST), pid);
        const forwarded = await measure(spec(`${floor!.url}/invoke`, mode, POST), [floor!.child.pid!, pid]);
        const localfc = await measure(spec(via, mode, POST), fc!.child.pid!);
        const base = { mode, baselineName: 'the handler process called directly', baseline } as const;
        rows.unshift([{ ...base, what: `${FLOOR_WHAT} handler process`, localfc: forwarded }, { ...base, what: 'warm invoke, process backend', localfc }]);
      }
      return rows.flat(); // printed one at a time first
    });
  });
}

/** An echo server on FC's default port 9000 inside the container; `/invoke` answers the request body. */
const CONTAINER_SERVER = "require('http').createServer((q, s) => { const b = []; q.on('data', (c) => b.push(c)).on('end', () => s.end(Buffer.concat(b))); }).listen(9000)";
const containerFunction = (name: string) => ({
  functionName: name, runtime: 'custom-container', handler: 'index.handler', instanceConcurrency: 100,
  customContainerConfig: { image: CONTAINER_IMAGE, port: 9000, command: ['node', '-e', CONTAINER_SERVER] },
});

export async function containerUsable(): Promise<string | undefined> {
  try {
    await docker('image', 'inspect', CONTAINER_IMAGE);
    return undefined;
  } catch {
    return `no Docker engine or no image ${CONTAINER_IMAGE} (npx tsx scripts/make-test-images.ts)`;
  }
}

const CONTAINER_FLAGS = ['--backend', 'docker', '--container-preparation-ms', '0'];

/** Warm invocations on the container backend (freezing on) against the same container called directly. */
export async function containerBackend(): Promise<Row[]> {
  return withServers([startLocalfc(CONTAINER_FLAGS)], async ([fc]) => {
    await createActive(fc!.url, containerFunction('ctr'));
    await invoke(fc!.url, 'ctr');
    const [instance] = await instancesOf(fc!.url, 'ctr');
    const id = instance!.containerId!;
    const origin = `http://${await containerIp(id)}:9000`;
    // The container's processes (under the engine's shim, not under localfc): its CPU counts on both sides.
    const containerPid = Number(await docker('inspect', '-f', '{{.State.Pid}}', id));
    const via = `${fc!.url}/2023-03-30/functions/ctr/invocations`;
    const paused = async () => (await docker('inspect', '-f', '{{.State.Paused}}', id)) === 'true';
    return withServers([startForwardFloor(origin)], async ([floor]) => {
      const rows: Row[][] = [];
      for (const mode of WARM_FIRST) {
        await resumeAfterFreeze(paused, async () => void (await docker('unpause', id)));
        const s = (url: string) => spec(url, mode, { ...POST, connections: CONTAINER_CONNECTIONS });
        const baseline = await measure(s(`${origin}/invoke`), containerPid);
        const forwarded = await measure(s(`${floor!.url}/invoke`), [floor!.child.pid!, containerPid]);
        const localfc = await measure(s(via), [fc!.child.pid!, containerPid]);
        const base = { mode, baselineName: 'the container called directly', baseline } as const;
        rows.unshift([{ ...base, what: `${FLOOR_WHAT} container`, localfc: forwarded }, { ...base, what: 'warm invoke, container backend', localfc }]);
      }
      return rows.flat(); // printed one at a time first
    });
  });
}

export interface ColdStart { readonly localfcMs: number; readonly dockerRunMs: number; readonly runs: number }

/** Container cold start through localfc (first InvokeFunction of an Active function) against `docker run` to its first answer. */
export async function containerColdStart(runs = Number(process.env.BENCH_COLD_RUNS ?? 3)): Promise<ColdStart> {
  return withServers([startLocalfc(CONTAINER_FLAGS)], async ([fc]) => {
    for (let i = 0; i < runs; i++) await createActive(fc!.url, containerFunction(`cold${i}`));
    const viaLocalfc: number[] = [];
    const dockerRun: number[] = [];
    for (let i = 0; i < runs; i++) {
      let t0 = performance.now();
      const id = await docker('run', '-d', '--rm', CONTAINER_IMAGE, 'node', '-e', CONTAINER_SERVER);
      try {
        dockerRun.push(await untilAnswered(`http://${await containerIp(id)}:9000/`, t0));
      } finally {
        await docker('rm', '-f', id);
      }
      t0 = performance.now();
      await invoke(fc!.url, `cold${i}`);
      viaLocalfc.push(performance.now() - t0);
    }
    return { localfcMs: median(viaLocalfc), dockerRunMs: median(dockerRun), runs };
  });
}

export interface StartupRow { readonly what: string; readonly ms: number; readonly cpuMs: number }

const BARE_HTTP = "const s = require('http').createServer((q, r) => r.end('ok')).listen(0, '127.0.0.1', () => console.log('listening on http://127.0.0.1:' + s.address().port))";

/**
 * Spawn to first answered request: localfc as the README starts it (`node bin/localfc.mjs`) and through `npm start`,
 * a bare node:http process for reference, the same bare server through `npm start` (npm's own floor: what npm costs
 * before any of localfc's code runs), and hono on @hono/node-server alone, bundled as localfc is (the floor of
 * localfc's stack: what serving through it costs before any of localfc's code runs). The variants take turns, so a
 * change in the machine's load falls on all of them; beside the time, the CPU the server's process tree used by then.
 */
export async function startup(runs = Number(process.env.BENCH_STARTUP_RUNS ?? 5)): Promise<StartupRow[]> {
  const scratch = mkdtempSync(path.join(os.tmpdir(), 'localfc-bench-startup-'));
  writeFileSync(path.join(scratch, 'bare.cjs'), BARE_HTTP);
  writeFileSync(path.join(scratch, 'package.json'), JSON.stringify({ private: true, scripts: { start: 'exec node bare.cjs' } }));
  const { build } = await import('esbuild');
  const floor = path.join(scratch, 'hono-floor.cjs');
  await build({ entryPoints: [path.join(ROOT, 'bench/hono-floor.ts')], outfile: floor, bundle: true, platform: 'node', format: 'cjs', target: 'node20', minifyWhitespace: true, minifySyntax: true, logLevel: 'warning' });
  try {
    return await startupRows(runs, scratch, floor);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

async function startupRows(runs: number, npmFloor: string, honoFloor: string): Promise<StartupRow[]> {
  const variants: Array<[string, () => Promise<Server>, string]> = [
    ['bare `node:http` process (reference)', () => startServer(process.execPath, ['-e', BARE_HTTP]), '/'],
    ['hono + @hono/node-server alone, bundled like localfc (the stack\'s floor)', () => startServer(process.execPath, [honoFloor, '{}']), '/'],
    ['the same bare server through `npm start` (npm\'s own floor)', () => startServer('npm', ['start', '--silent', '--prefix', npmFloor]), '/'],
    ['`node bin/localfc.mjs` (as the README says)', () => startServer(process.execPath, ['bin/localfc.mjs', '--port', '0']), '/_localfc/health'],
    ['`npm start`', () => startLocalfc(), '/_localfc/health'],
  ];
  const times = variants.map(() => [] as number[]);
  const cpu = variants.map(() => [] as number[]);
  const failed = new Set<number>();
  for (let i = 0; i < runs; i++) {
    for (const [v, [, launch, path]] of variants.entries()) {
      if (failed.has(v)) continue;
      const t0 = performance.now();
      const server = await launch().catch(() => undefined);
      if (!server) {
        failed.add(v); // bin/localfc.mjs without a build
        continue;
      }
      try {
        times[v]!.push(await untilAnswered(`${server.url}${path}`, t0));
        cpu[v]!.push(treeCpuMs(server.child.pid!));
      } finally {
        await server.stop();
      }
      await sleep(100);
    }
  }
  return variants.flatMap(([what], v) => (times[v]!.length ? [{ what, ms: median(times[v]!), cpuMs: median(cpu[v]!) }] : []));
}
