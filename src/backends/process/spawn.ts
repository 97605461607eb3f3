/**
 * @module
 * Starting one instance process for the process backend: the FC environment, the command per runtime kind, output
 * capture and readiness (the port accepts a connection, or the process exited → CAExited).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import type { FunctionConfig } from '../../domain/model.ts';
import { BackendError, type PreparedRevision } from '../backend.ts';
import type { LogRing } from './log-ring.ts';
import { freePort, waitForPort } from './ports.ts';

export type Kind = 'custom' | 'nodejs' | 'python';

export interface Prepared extends PreparedRevision {
  readonly codeDir: string;
  readonly kind: Kind;
}

export interface Running {
  child: ChildProcess;
  port: number;
  exited?: { code: number | null; signal: string | null };
  readonly exit: Promise<void>;
}

export const PLACEHOLDER_CREDENTIALS = {
  accessKeyId: 'LOCALFC_ACCESS_KEY_ID',
  accessKeySecret: 'LOCALFC_ACCESS_KEY_SECRET',
  securityToken: 'LOCALFC_SECURITY_TOKEN',
} as const;

export function runtimeKind(config: FunctionConfig): Kind {
  const rt = config.runtime;
  if (rt === 'custom-container') throw new BackendError('InvalidRuntime', 'runtime custom-container needs the docker backend; the process backend runs code packages only');
  if (rt.startsWith('custom')) return 'custom';
  if (rt.startsWith('nodejs')) return 'nodejs';
  if (rt.startsWith('python')) return 'python';
  throw new BackendError('InvalidRuntime', `runtime ${rt} is not supported by the process backend (nodejs*, python*, custom* are)`);
}

export function handlerFile(handler: string): string | undefined {
  const dot = handler.lastIndexOf('.');
  return dot > 0 ? handler.slice(0, dot) : undefined;
}

export interface SpawnOptions {
  readonly workDir: string;
  readonly python: string;
  readonly startTimeoutMs: number;
  /** Every live child, so close() can end them all. */
  readonly children: Set<ChildProcess>;
}

export async function spawnInstance(p: Prepared, instanceId: string, logs: LogRing, o: SpawnOptions): Promise<Running> {
  const config = p.config;
  const port = await freePort();
  const hooks = config.instanceLifecycleConfig;
  const env: Record<string, string> = {
    ...(process.env as Record<string, string>),
    FC_SERVER_PORT: String(port),
    FC_CUSTOM_LISTEN_PORT: String(port),
    FC_RUNTIME_API: `127.0.0.1:${port}`,
    FC_FUNCTION_NAME: p.fn.functionName,
    FC_FUNCTION_HANDLER: config.handler,
    FC_FUNCTION_MEMORY_SIZE: String(config.memorySize),
    FC_FUNCTION_TIMEOUT: String(config.timeout),
    FC_REGION: p.fn.region,
    FC_ACCOUNT_ID: p.fn.accountId,
    FC_INSTANCE_ID: instanceId,
    FC_QUALIFIER: p.fn.qualifier,
    ALIBABA_CLOUD_ACCESS_KEY_ID: PLACEHOLDER_CREDENTIALS.accessKeyId,
    ALIBABA_CLOUD_ACCESS_KEY_SECRET: PLACEHOLDER_CREDENTIALS.accessKeySecret,
    ALIBABA_CLOUD_SECURITY_TOKEN: PLACEHOLDER_CREDENTIALS.securityToken,
    PYTHONUNBUFFERED: '1',
    ...(hooks?.initializer?.handler ? { LOCALFC_INITIALIZER_HANDLER: hooks.initializer.handler } : {}),
    ...(hooks?.preStop?.handler ? { LOCALFC_PRESTOP_HANDLER: hooks.preStop.handler } : {}),
    ...config.environmentVariables,
  };
  let cmd: string;
  let args: string[];
  if (p.kind === 'custom') {
    const crc = config.customRuntimeConfig;
    const command = crc?.command?.length ? crc.command : ['./bootstrap'];
    cmd = command[0]!;
    args = [...command.slice(1), ...(crc?.args ?? [])];
  } else if (p.kind === 'nodejs') {
    cmd = process.execPath;
    args = [join(o.workDir, '.bootstrap', 'bootstrap.cjs')];
  } else {
    cmd = o.python;
    args = ['-u', join(o.workDir, '.bootstrap', 'bootstrap.py')];
  }
  const child = spawn(cmd, args, { cwd: p.codeDir, env, detached: false, stdio: ['ignore', 'pipe', 'pipe'] });
  o.children.add(child);
  let spawnError: Error | undefined;
  const running: Running = {
    child,
    port,
    exit: new Promise<void>((res) => {
      child.once('error', (e) => {
        spawnError = e;
        running.exited ??= { code: null, signal: null };
        o.children.delete(child);
        res();
      });
      child.once('exit', (code, signal) => {
        running.exited = { code, signal };
        o.children.delete(child);
        res();
      });
    }),
  };
  child.stdout?.setEncoding('utf8').on('data', (s: string) => logs.append(s));
  child.stderr?.setEncoding('utf8').on('data', (s: string) => logs.append(s));
  try {
    await waitForPort(port, o.startTimeoutMs, () => {
      if (!running.exited) return undefined;
      const how = spawnError ? `could not be started: ${spawnError.message}` : running.exited.signal ? `was killed by ${running.exited.signal}` : `exited with code ${running.exited.code}`;
      return new BackendError('CAExited', `process ${how}${logs.tail(10) ? `: ${logs.tail(10)}` : ''}`);
    });
  } catch (e) {
    await killProcess(running);
    if (e instanceof BackendError) throw e;
    throw new BackendError('CAStartTimeout', `${e instanceof Error ? e.message : String(e)}${logs.tail(10) ? `: ${logs.tail(10)}` : ''}`);
  }
  return running;
}

/** SIGTERM (after SIGCONT, in case it is frozen), then SIGKILL after 2 s; resolves once the process has exited. */
export async function killProcess(proc: Running): Promise<void> {
  if (proc.exited) return;
  const pid = proc.child.pid;
  if (pid !== undefined) {
    try {
      process.kill(pid, 'SIGCONT');
    } catch {
      /* already gone */
    }
  }
  proc.child.kill('SIGTERM');
  const t = setTimeout(() => proc.child.kill('SIGKILL'), 2000);
  await proc.exit;
  clearTimeout(t);
}
