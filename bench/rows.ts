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
import { createBody, ECHO_SERVER_ZIP, median } from './fixtures.ts';
import { type Measured, measure, ROOT, startBare, startForwardFloor, startHonoFloor, startPipeFloor, startLocalfc, startServer, type Server, treeCpuMs } from './proc.ts';

export const DURATION_S = Number(process.env.BENCH_DURATION ?? 4);
export const WARMUP_S = Number(process.env.BENCH_WARMUP ?? 1);
export const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
/** Concurrency of the container rows (the goal is stated at 16). */
export const CONTAINER_CONNECTIONS = Number(process.env.BENCH_CONTAINER_CONNECTIONS ?? 16);
export const CONTAINER_IMAGE = process.env.BENCH_IMAGE ?? 'localfc-test/node:20';

export interface Row {
  readonly what: string;
  /** The median round's figures (see inTurns). */
  readonly localfc: Measured;
  readonly baselineName: string;
  readonly baseline: Measured;
  readonly mode: 'concurrent' | 'sequential';
  /** The row's goal figure in every round, in order: the throughput ratio, or the p50 added (ms) one at a time. */
  readonly rounds: readonly number[];
}

/** BENCH_ROUNDS: how many times every side of a row is measured, in turns (default 3). */
export const ROUNDS = Math.max(1, Number(process.env.BENCH_ROUNDS ?? 3));

/** One side of a row, measured in round `round` (0 first: only it warms up). */
type Side = (round: number) => Promise<Measured>;

/**
 * Measures every side once per round, in turns, so that a change in the machine's speed falls on all of them. Measured
 * once, a row of this shared 2-core VM swung 0.42-0.89× between quiet runs minutes apart (2026-12-01 04:30 and 04:35):
 * the baseline's own CPU per request moved 27-54 µs.
 */
async function inTurns<K extends string>(sides: Record<K, Side>): Promise<Array<Record<K, Measured>>> {
  const rounds: Array<Record<K, Measured>> = [];
  for (let round = 0; round < ROUNDS; round++) {
    const measured = {} as Record<K, Measured>;
    for (const k of Object.keys(sides) as K[]) measured[k] = await sides[k](round);
    rounds.push(measured);
  }
  return rounds;
}

/** The goal figure of one round: the throughput ratio, or one at a time the p50 added (ms). */
const figure = (mode: Row['mode'], localfc: Measured, baseline: Measured): number => (mode === 'concurrent' ? localfc.rps / baseline.rps : localfc.p50 - baseline.p50);

/** A row of `side` against `base` over the rounds: the figures of its median round (by the goal figure), and every round's. */
function rowOf<K extends string>(rounds: Array<Record<K, Measured>>, side: K, base: K, row: Omit<Row, 'localfc' | 'baseline' | 'rounds'>): Row {
  const each = rounds.map((m) => figure(row.mode, m[side], m[base]));
  const median = [...each].sort((a, b) => a - b)[(each.length - 1) >> 1]!;
  const m = rounds[each.indexOf(median)]!;
  return { ...row, localfc: m[side], baseline: m[base], rounds: each };
}

/** A load spec for round `round`: only the first warms up (the servers stay up between rounds). */
const inRound = (s: LoadSpec, round: number): LoadSpec => (round === 0 ? s : { ...s, warmupS: 0 });

const spec = (url: string, mode: LoadSpec['mode'], extra: Partial<LoadSpec> = {}): LoadSpec => ({ url, mode, durationS: DURATION_S, warmupS: WARMUP_S, connections: CONNECTIONS, ...extra });
const POST = { method: 'POST' as const, body: '{"a":1}' };
/** One instance serving up to 100 requests at once: a custom runtime (FC 3.0's built-in runtimes take one at a time). */
const echoFunction = (name: string) => ({
  functionName: name, runtime: 'custom.debian10', handler: 'index.handler', instanceConcurrency: 100,
  customRuntimeConfig: { command: ['node', 'server.js'] }, code: { zipFile: ECHO_SERVER_ZIP },
});

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
    await createActive(fc!.url, echoFunction('bench'));
    const fnBody = await (await fetch(`${fc!.url}/2023-03-30/functions/bench`)).text();
    return withServers([startBare(fnBody), startHonoFloor(fnBody)], async ([bare, hono]) => {
      const [b, f, h] = [bare!.child.pid!, fc!.child.pid!, hono!.child.pid!];
      const GET_PATH = '/2023-03-30/functions/bench';
      const get = (url: string, pid: number): Side => (round) => measure(inRound(spec(url, 'concurrent'), round), pid);
      const post = (url: string, pid: number): Side => (round) => measure(inRound(spec(url, 'concurrent', POST), round), pid);
      const gets = await inTurns({ bare: get(`${bare!.url}/`, b), localfc: get(`${fc!.url}${GET_PATH}`, f), hono: get(`${hono!.url}${GET_PATH}`, h) });
      const posts = await inTurns({ bare: post(`${bare!.url}/`, b), localfc: post(`${fc!.url}${GET_PATH}/invocations`, f), hono: post(`${hono!.url}${GET_PATH}/invocations`, h) });
      const getRow = { mode: 'concurrent', baselineName: 'bare `node:http`, same body' } as const;
      const postRow = { mode: 'concurrent', baselineName: 'bare `node:http` echoing the body' } as const;
      return [
        rowOf(gets, 'localfc', 'bare', { ...getRow, what: 'GetFunction' }),
        rowOf(gets, 'hono', 'bare', { ...getRow, what: 'floor: hono + @hono/node-server, GetFunction\'s path and body' }),
        rowOf(posts, 'localfc', 'bare', { ...postRow, what: 'InvokeFunction, simulated backend' }),
        rowOf(posts, 'hono', 'bare', { ...postRow, what: 'floor: hono + @hono/node-server echoing on InvokeFunction\'s path' }),
      ];
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
/** Beside the process row only: each connection spliced to the handler at the TCP level (bench/pipe-floor.ts), no HTTP read. */
const PIPE_WHAT = 'floor: TCP splice (no HTTP read) to the same handler process';

/** Warm invocations on the process backend (freezing on) against the same handler process called directly. */
export async function processBackend(): Promise<Row[]> {
  return withServers([startLocalfc(['--backend', 'process'])], async ([fc]) => {
    await createActive(fc!.url, echoFunction('bench'));
    await invoke(fc!.url, 'bench');
    const [instance] = await instancesOf(fc!.url, 'bench');
    const pid = instance!.pid!;
    const origin = `http://127.0.0.1:${await processPort(pid)}`;
    const via = `${fc!.url}/2023-03-30/functions/bench/invocations`;
    // localfc freezes the idle instance; let it run (SIGCONT) so direct calls reach it. localfc thaws it anyway.
    const resume = () => resumeAfterFreeze(() => processStopped(pid), async () => void process.kill(pid, 'SIGCONT'));
    return withServers([startForwardFloor(origin), startPipeFloor(origin)], async ([floor, pipe]) => {
      const rows: Row[][] = [];
      for (const mode of WARM_FIRST) {
        const s = (url: string, round: number) => inRound(spec(url, mode, POST), round);
        const rounds = await inTurns({
          direct: async (round) => {
            await resume();
            return measure(s(`${origin}/invoke`, round), pid);
          },
          piped: (round) => measure(s(`${pipe!.url}/invoke`, round), [pipe!.child.pid!, pid]),
          forwarded: (round) => measure(s(`${floor!.url}/invoke`, round), [floor!.child.pid!, pid]),
          localfc: (round) => measure(s(via, round), fc!.child.pid!),
        });
        const base = { mode, baselineName: 'the handler process called directly' } as const;
        rows.unshift([
          rowOf(rounds, 'piped', 'direct', { ...base, what: PIPE_WHAT }),
          rowOf(rounds, 'forwarded', 'direct', { ...base, what: `${FLOOR_WHAT} handler process` }),
          rowOf(rounds, 'localfc', 'direct', { ...base, what: 'warm invoke, process backend' }),
        ]);
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
        const s = (url: string, round: number) => inRound(spec(url, mode, { ...POST, connections: CONTAINER_CONNECTIONS }), round);
        const rounds = await inTurns({
          direct: async (round) => {
            await resumeAfterFreeze(paused, async () => void (await docker('unpause', id)));
            return measure(s(`${origin}/invoke`, round), containerPid);
          },
          forwarded: (round) => measure(s(`${floor!.url}/invoke`, round), [floor!.child.pid!, containerPid]),
          localfc: (round) => measure(s(via, round), [fc!.child.pid!, containerPid]),
        });
        const base = { mode, baselineName: 'the container called directly' } as const;
        rows.unshift([rowOf(rounds, 'forwarded', 'direct', { ...base, what: `${FLOOR_WHAT} container` }), rowOf(rounds, 'localfc', 'direct', { ...base, what: 'warm invoke, container backend' })]);
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
 * For `node bin/localfc.mjs` also the first CreateFunction, sent once health answered (as a user's script does): a
 * start-up that only moved work from before the health answer to after it would show here.
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
  const createdBy = '`node bin/localfc.mjs`: spawn to the first CreateFunction answered (sent once health answered)';
  const variants: Array<[string, () => Promise<Server>, string, string?]> = [
    ['bare `node:http` process (reference)', () => startServer(process.execPath, ['-e', BARE_HTTP]), '/'],
    ['hono + @hono/node-server alone, bundled like localfc (the stack\'s floor)', () => startServer(process.execPath, [honoFloor, '{}']), '/'],
    ['the same bare server through `npm start` (npm\'s own floor)', () => startServer('npm', ['start', '--silent', '--prefix', npmFloor]), '/'],
    ['`node bin/localfc.mjs` (as the README says)', () => startServer(process.execPath, ['bin/localfc.mjs', '--port', '0']), '/_localfc/health', createdBy],
    ['`npm start`', () => startLocalfc(), '/_localfc/health'],
  ];
  const rows = new Map<string, { times: number[]; cpu: number[] }>();
  const record = (what: string, ms: number, cpuMs: number) => {
    const row = rows.get(what) ?? rows.set(what, { times: [], cpu: [] }).get(what)!;
    row.times.push(ms);
    row.cpu.push(cpuMs);
  };
  const failed = new Set<number>();
  for (let i = 0; i < runs; i++) {
    for (const [v, [what, launch, path, created]] of variants.entries()) {
      if (failed.has(v)) continue;
      const t0 = performance.now();
      const server = await launch().catch(() => undefined);
      if (!server) {
        failed.add(v); // bin/localfc.mjs without a build
        continue;
      }
      try {
        record(what, await untilAnswered(`${server.url}${path}`, t0), treeCpuMs(server.child.pid!));
        if (created) {
          const res = await fetch(`${server.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: createBody(`startup${i}`) });
          if (res.status !== 200) throw new Error(`CreateFunction: ${res.status} ${await res.text()}`);
          record(created, performance.now() - t0, treeCpuMs(server.child.pid!));
        }
      } finally {
        await server.stop();
      }
      await sleep(100);
    }
  }
  return [...rows].map(([what, r]) => ({ what, ms: median(r.times), cpuMs: median(r.cpu) }));
}
