/**
 * @module
 * What the bench asks a running localfc over HTTP, as any client would: create a function and wait until it is
 * Active, invoke it, and find the process or container behind its instance (to call it directly, bypassing localfc).
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';

const run = promisify(execFile);

export async function createActive(url: string, body: Record<string, unknown>, timeoutMs = 60_000): Promise<void> {
  const res = await fetch(`${url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw new Error(`CreateFunction: ${res.status} ${await res.text()}`);
  const name = String(body.functionName);
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(50)) {
    const fn = (await (await fetch(`${url}/2023-03-30/functions/${name}`)).json()) as { state: string; stateReason?: string };
    if (fn.state === 'Active') return;
    if (fn.state === 'Failed') throw new Error(`${name} Failed: ${fn.stateReason}`);
  }
  throw new Error(`${name} not Active after ${timeoutMs} ms`);
}

export async function invoke(url: string, name: string, body = '{"a":1}'): Promise<Response> {
  const res = await fetch(`${url}/2023-03-30/functions/${name}/invocations`, { method: 'POST', body });
  await res.arrayBuffer();
  if (!res.ok) throw new Error(`InvokeFunction ${name}: ${res.status} ${res.headers.get('x-fc-error-type') ?? ''}`);
  return res;
}

interface InstanceInfo { instanceId: string; pid?: number; containerId?: string }

export async function instancesOf(url: string, name: string): Promise<InstanceInfo[]> {
  const res = await fetch(`${url}/_localfc/functions/${name}/instances`);
  return ((await res.json()) as { instances: InstanceInfo[] }).instances;
}

/** The loopback port a process-backend instance listens on, from its FC_SERVER_PORT (Linux /proc). */
export async function processPort(pid: number): Promise<number> {
  const env = (await readFile(`/proc/${pid}/environ`, 'utf8')).split('\0');
  const port = env.find((e) => e.startsWith('FC_SERVER_PORT='))?.slice('FC_SERVER_PORT='.length);
  if (!port) throw new Error(`process ${pid} has no FC_SERVER_PORT`);
  return Number(port);
}

/** Whether a process is stopped (SIGSTOP: state T in /proc/PID/stat). */
export async function processStopped(pid: number): Promise<boolean> {
  const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).startsWith('T');
}

export async function docker(...args: string[]): Promise<string> {
  return (await run('docker', args, { maxBuffer: 1 << 20 })).stdout.trim();
}

export async function containerIp(id: string): Promise<string> {
  return docker('inspect', '-f', '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}', id);
}

/** Waits (bounded) until `frozen()` says localfc froze the idle instance, then lets it run with `resume()`. */
export async function resumeAfterFreeze(frozen: () => Promise<boolean>, resume: () => Promise<void>, waitMs = 3000): Promise<void> {
  for (const end = Date.now() + waitMs; Date.now() < end && !(await frozen()); ) await sleep(20);
  if (await frozen()) await resume();
}

/** Polls `url` until it answers (any HTTP status), returning the time it took from `t0`. */
export async function untilAnswered(url: string, t0: number, timeoutMs = 30_000): Promise<number> {
  for (const end = Date.now() + timeoutMs; Date.now() < end; await sleep(2)) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then((r) => r.arrayBuffer().then(() => true), () => false);
    if (ok) return performance.now() - t0;
  }
  throw new Error(`${url} did not answer in ${timeoutMs} ms`);
}
