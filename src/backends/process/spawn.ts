/**
 * @module
 * Starting one instance process for the process backend: the FC environment, the command per runtime kind, output
 * capture and readiness (readiness.ts; the process exited → CAExited), and code that hard-codes its port (fixed-port.ts).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { type FunctionConfig, serverPortOf } from '../../domain/model.ts';
import { BackendError, type PreparedRevision, type StartInstanceOptions, startupTimedOut } from '../../domain/ports/backend.ts';
import { codeRuntimeEnvironment, rewritePaths } from '../runtime-env.ts';
import { fcPythonModules } from './python-builtins.ts';
import { BOOTSTRAP_DIR_INSIDE, type CodeMounts } from './code-mount.ts';
import type { Pool } from 'undici';
import { StartupTimeout, waitUntilListening } from '../readiness.ts';
import { type Lease, type LeaseOwner, listenedOnByOthers, listensOn, loopbackOnly, type PortLeases } from './fixed-port.ts';
import type { LogRing } from './log-ring.ts';
import { portTaken, type PortReservations } from './ports.ts';
import { endGroup, type GroupLeader } from './process-group.ts';
import type { OwnedGroups } from './owned-groups.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceErrorCode, ReasonCode } from '../../domain/reason-codes.ts';

export type Kind = 'custom' | 'nodejs' | 'python';

export interface Prepared extends PreparedRevision {
  /** Holds codeDir, optDir and the mount table; removed on release. */
  readonly revisionDir: string;
  /** The unpacked code (FC's /code) and the merged layers (FC's /opt). */
  readonly codeDir: string;
  readonly optDir: string;
  readonly kind: Kind;
  /** Set when instances run with /code and /opt mounted (code-mount.ts). */
  readonly mountTable?: string;
  /** The Python executable for a python* runtime (its own minor version where the machine has it). */
  readonly python?: string;
  /** Why the runtime runs on another Python version than FC's, told in each instance's log. */
  readonly mismatch?: string;
}

export interface Running {
  child: ChildProcess;
  port: number;
  exited?: { code: number | null; signal: string | null };
  spawnError?: Error;
  readonly exit: Promise<void>;
  /** Held while this process owns a fixed port. */
  lease?: Lease;
  /** Being stopped to hand its fixed port to another instance. */
  evicted?: boolean;
  /** Keep-alive connections to the process, made on first use, closed when it exits. */
  dispatcher?: Pool;
  /** The whole process group being ended (killProcess), once asked. */
  ended?: Promise<void>;
}


export function runtimeKind(config: FunctionConfig): Kind {
  const rt = config.runtime;
  if (rt === 'custom-container') throw new BackendError(ReasonCode.InvalidRuntime, 'runtime custom-container needs the docker backend; the process backend runs code packages only');
  if (rt.startsWith('custom')) return 'custom';
  if (rt.startsWith('nodejs')) return 'nodejs';
  if (rt.startsWith('python')) return 'python';
  throw new BackendError(ReasonCode.InvalidRuntime, `runtime ${rt} is not supported by the process backend (nodejs*, python*, custom* are)`);
}

export function handlerFile(handler: string): string | undefined {
  const dot = handler.lastIndexOf('.');
  return dot > 0 ? handler.slice(0, dot) : undefined;
}

export interface SpawnOptions {
  readonly workDir: string;
  readonly python: string;
  /** Every instance process whose group has not ended yet, so close() can end them all. */
  readonly children: Set<Running>;
  /** Where each instance's process group is recorded, so a localfc that dies is cleaned up after by the next. */
  readonly owned: OwnedGroups;
  /** Ports told to instances and not given back yet (ports.ts). */
  readonly ports: PortReservations;
  /** Who owns a fixed port (code that ignores FC_SERVER_PORT), per backend. */
  readonly leases: PortLeases;
  readonly mounts: CodeMounts;
  /** Directories of the host interpreters, put on the instance's PATH. */
  readonly interpreterDirs: readonly string[];
}

/** The port a custom runtime's code is told about and may hard-code (FC's default 9000); none for built-in runtimes. */
function fixedPortOf(p: Prepared): number | undefined {
  return p.kind === 'custom' ? serverPortOf(p.config) : undefined;
}

/** Thrown by the readiness check when the child turned out to listen on the fixed port instead of FC_SERVER_PORT. */
class ListensOnFixedPort extends Error {}
/** The readiness check saw the process end. */
class ProcessExited extends Error {}

/**
 * Starts an instance and waits until it listens (bounded by `start.signal`, the pool's start-up timeout). Code that
 * listens on the fixed port rather than FC_SERVER_PORT is detected (it listens there, or it died of EADDRINUSE while
 * another instance owns that port); from then on that revision's instances take turns on the port (fixed-port.ts).
 */
export async function spawnInstance(p: Prepared, instanceId: string, logs: LogRing, o: SpawnOptions, start: StartInstanceOptions = {}): Promise<Running> {
  if (logs.offset === 0) {
    const mode = await o.mounts.mode();
    if (p.mismatch) logs.append(`[localfc] ${p.mismatch}\n`);
    logs.append(mode.mounted
      ? `[localfc] code at /code and layers at /opt, read-only, and a /tmp of its own (${p.config.diskSize} MB) (a private mount namespace)\n`
      : `[localfc] code runs from ${p.codeDir} and layers from ${p.optDir}: ${mode.reason}; /code and /opt in the environment and the start command point there; TMPDIR and HOME name a directory of its own, the host's /tmp stays visible\n`);
  }
  const fixed = fixedPortOf(p);
  if (fixed !== undefined && o.leases.hardCoded.has(p.key)) return startOnFixedPort(p, instanceId, fixed, logs, o, start);
  for (let attempt = 1; ; attempt++) {
    const port = await o.ports.reserve();
    const from = logs.offset;
    const r = launch(p, instanceId, port, logs, o);
    void r.exit.then(() => o.ports.release(port));
    try {
      // A free port is released before the code binds it: another program may listen there first (the code then dies of
      // EADDRINUSE and is started again below); until then, its listener must not pass for this instance's.
      await ready(r, port, logs, start, {
        extra: () => (fixed !== undefined && r.child.pid !== undefined && listensOn(r.child.pid, fixed) ? new ListensOnFixedPort() : undefined),
        owned: () => r.child.pid === undefined || !listenedOnByOthers(r.child.pid, port),
      });
      await refuseLoopback(p, r, port, logs);
      return r;
    } catch (e) {
      if (r.exited && attempt < MAX_PORT_ATTEMPTS && (await lostPort(port, logs.since(from)))) {
        logs.append(`[localfc] port ${port} was taken by another program before the code could listen on it: starting again on another port\n`);
        continue;
      }
      if (fixed === undefined) throw e;
      if (e instanceof ListensOnFixedPort) {
        o.leases.hardCoded.add(p.key);
        const lease = o.leases.tryAcquire(fixed, evictor(instanceId, r, logs));
        if (lease) {
          logs.append(`[localfc] the code listens on port ${fixed}, not on FC_SERVER_PORT (${port}): using port ${fixed}; instances that need it take turns\n`);
          r.port = fixed;
          holdWhileRunning(r, lease);
          await ready(r, fixed, logs, start);
          await refuseLoopback(p, r, fixed, logs);
          return r;
        }
        await killProcess(r);
        return startOnFixedPort(p, instanceId, fixed, logs, o, start);
      }
      if (r.exited && inUse(logs.since(from)) && (await heldSoon(o.leases, fixed))) {
        o.leases.hardCoded.add(p.key);
        logs.append(`[localfc] port ${fixed} is in use by another instance of code that hard-codes it: waiting for it\n`);
        return startOnFixedPort(p, instanceId, fixed, logs, o, start);
      }
      throw e;
    }
  }
}

/** Starts that lose their port to another program are tried again this many times in all (each time on a new port). */
const MAX_PORT_ATTEMPTS = 5;

/** Whether a process that died of EADDRINUSE died for `port` (named in its output, or held by someone now), not for a port of its own choosing. */
async function lostPort(port: number, output: string): Promise<boolean> {
  return inUse(output) && (new RegExp(`:${port}\\b`).test(output) || (await portTaken(port)));
}

async function startOnFixedPort(p: Prepared, instanceId: string, fixed: number, logs: LogRing, o: SpawnOptions, start: StartInstanceOptions): Promise<Running> {
  let running: Running | undefined;
  const owner: LeaseOwner = { id: instanceId, evict: () => running && evictor(instanceId, running, logs).evict() };
  let lease: Lease;
  try {
    lease = await o.leases.acquire(fixed, owner, start.signal);
  } catch (e) {
    const within = start.timeoutMs === undefined ? '' : ` for ${Math.round(start.timeoutMs / 1000)} s`;
    throw new BackendError(InstanceErrorCode.CAStartTimeout, `${e instanceof Error ? e.message : String(e)}${within}: the code listens on port ${fixed} itself instead of FC_SERVER_PORT, so its instances run one at a time`);
  }
  // A process of code not yet known to hard-code the port (started on a free port, about to be found out and
  // stopped) can grab it between the lease and our listen: ready only once our process owns it; if ours lost the
  // race (EADDRINUSE), start it again, still holding the lease.
  for (;;) {
    const from = logs.offset;
    const r = (running = launch(p, instanceId, fixed, logs, o));
    try {
      await ready(r, fixed, logs, start, { owned: () => r.child.pid !== undefined && listensOn(r.child.pid, fixed) });
      await refuseLoopback(p, r, fixed, logs);
      holdWhileRunning(r, lease);
      return r;
    } catch (e) {
      if (r.exited && inUse(logs.since(from)) && !start.signal?.aborted) {
        await sleep(50);
        continue;
      }
      lease.release();
      throw e;
    }
  }
}

const inUse = (output: string): boolean => /EADDRINUSE|address already in use/i.test(output);

/** Whether the port gets an owner soon: the process that took it may not have been found out yet (bounded wait). */
async function heldSoon(leases: PortLeases, port: number): Promise<boolean> {
  for (let waited = 0; waited < 2000; waited += 25) {
    if (leases.holder(port)) return true;
    await sleep(25);
  }
  return leases.holder(port) !== undefined;
}

function evictor(instanceId: string, r: Running, logs: LogRing): LeaseOwner {
  return {
    id: instanceId,
    evict: () => {
      r.evicted = true;
      logs.append(`[localfc] instance process stopped: another instance needs port ${r.port}; it restarts on its next request\n`);
      void killProcess(r);
    },
  };
}

function holdWhileRunning(r: Running, lease: Lease): void {
  r.lease = lease;
  void r.exit.then(() => lease.release());
}

/**
 * FC reaches a custom runtime's server through the instance's network address, so a server listening on 127.0.0.1 (or
 * ::1) only never starts there (FC: "Custom Runtime启动的服务一定要监听0.0.0.0:CAPort或*:CAPort端口", FunctionNotStarted);
 * here it would answer on loopback. Known as soon as it listens (Linux /proc): the process is stopped and the start
 * fails at once, with FC's code, instead of after the start-up timeout as a container does.
 */
async function refuseLoopback(p: Prepared, r: Running, port: number, logs: LogRing): Promise<void> {
  if (p.kind !== 'custom' || r.child.pid === undefined) return;
  const address = loopbackOnly(r.child.pid, port);
  if (!address) return;
  await killProcess(r);
  await outputDrained(r);
  const tail = logs.tail(10);
  throw new BackendError(InstanceErrorCode.FunctionNotStarted, `Function instance health check failed on port ${port}: the server listens on ${address} only, which FC cannot reach; a custom runtime's server must listen on 0.0.0.0:${port} (or *:${port}).${tail ? `\nLogs: ${tail}` : ''}`);
}

/**
 * Waits until the process listens; on failure the process is killed and a BackendError thrown (`extra`'s error: left
 * running).
 */
async function ready(r: Running, port: number, logs: LogRing, start: StartInstanceOptions, check: { extra?: () => Error | undefined; owned?: () => boolean } = {}): Promise<void> {
  const tail = (): string => (logs.tail(10) ? `\nLogs: ${logs.tail(10)}` : '');
  try {
    await waitUntilListening({
      port,
      ...(start.signal ? { signal: start.signal } : {}),
      failed: () => (r.exited ? new ProcessExited() : check.extra?.()),
      ...(check.owned ? { owned: check.owned } : {}),
    });
  } catch (e) {
    if (e instanceof ListensOnFixedPort) throw e;
    await killProcess(r);
    if (e instanceof ProcessExited) {
      await outputDrained(r);
      const how = r.spawnError ? `could not be started: ${r.spawnError.message}` : r.exited?.signal ? `was killed by ${r.exited.signal}` : `exited with code ${r.exited?.code}`;
      throw new BackendError(InstanceErrorCode.CAExited, `process ${how}${tail()}`);
    }
    if (e instanceof StartupTimeout && e.someoneElse) throw new BackendError(InstanceErrorCode.CAStartTimeout, `port ${port} stayed in use by another process until the start-up timeout${tail()}`);
    if (e instanceof StartupTimeout) throw startupTimedOut(port, start.timeoutMs, logs.tail(10));
    throw e;
  }
}

function launch(p: Prepared, instanceId: string, port: number, logs: LogRing, o: SpawnOptions): Running {
  const config = p.config;
  const mounted = p.mountTable !== undefined;
  // Without a namespace of its own, the process's own temporary directory (TMPDIR, HOME) stands in for FC's /tmp.
  const tmpPath = mounted ? undefined : ownTmpDir(o.workDir, instanceId);
  // python3 inside is the interpreter the runtime runs on.
  const interpreterDirs = p.python ? [dirname(p.python), ...o.interpreterDirs] : o.interpreterDirs;
  const site = { instanceId, port, codePath: mounted ? '/code' : p.codeDir, optPath: mounted ? '/opt' : p.optDir, interpreterDirs, ...(tmpPath ? { tmpPath } : {}) };
  const env = codeRuntimeEnvironment(p, site);
  let cmd: string;
  let args: string[];
  if (p.kind === 'custom') {
    const crc = config.customRuntimeConfig;
    const command = crc?.command?.length ? crc.command : ['./bootstrap'];
    [cmd, ...args] = [...command, ...(crc?.args ?? [])].map((a) => (mounted ? a : rewritePaths(a, p.codeDir, p.optDir))) as [string, ...string[]];
  } else if (p.kind === 'nodejs') {
    cmd = process.execPath;
    // The runtime: which nodejs versions honour ALIYUN_FC_LOG_LEVEL.
    args = [join(mounted ? BOOTSTRAP_DIR_INSIDE : join(o.workDir, '.bootstrap'), 'bootstrap.cjs'), config.runtime];
  } else {
    cmd = p.python ?? o.python;
    // -s: no user site-packages; the bootstrap hides the machine's site-packages but for FC's preinstalled modules.
    args = ['-u', '-s', join(mounted ? BOOTSTRAP_DIR_INSIDE : join(o.workDir, '.bootstrap'), 'bootstrap.py'), fcPythonModules(config.runtime).join(',')];
  }
  if (p.mountTable) ({ cmd, args } = o.mounts.wrap(p.mountTable, cmd, args));
  // stderr into the stdout pipe (sh's 2>&1, then exec: the pid stays the code's), as the built-in bootstraps do: one
  // log in the order the code wrote it, which two pipes read apart do not keep (docs/behaviour.md).
  args = ['-c', 'exec 2>&1; exec "$@"', 'localfc-output', cmd, ...args];
  cmd = '/bin/sh';
  // detached: a session and process group of its own (the pid is the group id; unshare, sh and chroot all exec), so
  // freezing and stopping reach what the code starts in the background (process-group.ts).
  const child = spawn(cmd, args, { cwd: p.codeDir, env, detached: true, stdio: ['ignore', 'pipe', 'ignore'] });
  if (child.pid !== undefined) o.owned.add(child.pid);
  const running: Running = {
    child,
    port,
    exit: new Promise<void>((res) => {
      child.once('error', (e) => {
        running.spawnError = e;
        running.exited ??= { code: null, signal: null };
        res();
      });
      child.once('exit', (code, signal) => {
        running.exited = { code, signal };
        res();
      });
    }),
  };
  o.children.add(running);
  void running.exit.then(() => running.dispatcher?.destroy().catch(() => undefined));
  if (tmpPath) void running.exit.then(() => rmSync(tmpPath, { recursive: true, force: true }));
  // The code's own process ended (crashed, or stopped): the rest of its group goes with it, and so does the record.
  void running.exit.then(() => killProcess(running)).then(() => {
    if (child.pid !== undefined) o.owned.remove(child.pid);
    o.children.delete(running);
  });
  child.stdout?.setEncoding('utf8').on('data', (s: string) => logs.append(s));
  return running;
}

/** A fresh directory for one process (FC's /tmp is the instance's own and starts empty); removed when the process exits. */
function ownTmpDir(workDir: string, instanceId: string): string {
  mkdirSync(join(workDir, '.tmp'), { recursive: true });
  return mkdtempSync(join(workDir, '.tmp', `${instanceId}-`));
}

/** After the process exited, its last output read ('exit' can come before it; bounded: a grandchild may hold the pipes open). */
export async function outputDrained(r: Running): Promise<void> {
  if (!r.child.stdout?.closed) await Promise.race([new Promise((res) => r.child.once('close', res)), sleep(200)]);
}

/**
 * Ends the instance's whole process group: SIGTERM (delivered even when frozen), SIGKILL to what is left after
 * `graceMs` (at once with 0); resolves once the group is empty. An end already under way is the one waited for.
 */
export function killProcess(proc: Running, graceMs = 2000): Promise<void> {
  const pid = proc.child.pid;
  if (pid === undefined) return proc.exit;
  const leader: GroupLeader = { pgid: pid, exit: proc.exit, exited: () => proc.exited !== undefined };
  return (proc.ended ??= endGroup(leader, graceMs));
}
