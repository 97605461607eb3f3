/**
 * @module
 * Runs function code as local OS processes: custom runtimes run their own command, built-in nodejs and python
 * runtimes run a small bootstrap of ours (bootstraps.ts). Each instance is one child process listening on a free port,
 * in a process group of its own; freezing is real (SIGSTOP/SIGCONT to the group). Groups left by a localfc that died
 * are reaped at start-up (owned-groups.ts). Where the machine allows, each instance has its own mount namespace: code
 * and layers at /code and /opt, a /tmp of its own, the rest read-only (code-mount.ts). The network and the host's files
 * stay reachable: this runs trusted code only.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { Pool } from 'undici';
import { DiskBudget, type DiskLease } from '../../code/disk-budget.ts';
import { extractZip } from '../../code/zip.ts';
import { healthCheckOf } from '../../domain/model.ts';
import { BackendError, type Backend, type LayerSource, type BackendInstance, type InvocationRequest, type InvocationResult, type PrepareRequest, type PreparedRevision, type StartInstanceOptions } from '../../domain/ports/backend.ts';
import { bootstrapHeaders, fcHeaders, forwardInvocation, instanceLost, processExited, runInitializer, runPreStop } from '../http-runtime.ts';
import { probeHealthCheck } from '../readiness.ts';
import { NODE_BOOTSTRAP, PYTHON_BOOTSTRAP } from './bootstraps.ts';
import { CodeMounts } from './code-mount.ts';
import { describe, HostInterpreters, resolveOnPath } from './interpreters.ts';
import { unpackLayers } from './layers.ts';
import { PortLeases } from './fixed-port.ts';
import { PortReservations } from './ports.ts';
import { LogRing, withoutOwnLines } from './log-ring.ts';
import { OwnedGroups } from './owned-groups.ts';
import { RequestLogs } from './request-logs.ts';
import { signalGroup } from './process-group.ts';
import { handlerFile, killProcess, outputDrained, runtimeKind, spawnInstance, type Prepared, type Running, type SpawnOptions } from './spawn.ts';
import { InstanceErrorCode, ReasonCode } from '../../domain/reason-codes.ts';


export interface ProcessBackendOptions {
  /** Where code is unpacked and bootstraps are written; default a fresh mkdtemp under os.tmpdir(), removed by close(). */
  readonly workDir?: string;
  /** Python interpreter for python* runtimes (default `python3`). */
  readonly python?: string;
  /** Where a function's layer ARNs are looked up (the layer store); unpacked under the code directory (layers.ts). */
  readonly layers?: LayerSource;
  /** Bytes all unpacked code and layers may take on disk together (default 8 GiB); counted as they are written. */
  readonly maxDiskBytes?: number;
  /** The server log, for what a user should hear once (a python runtime served by another Python version). */
  readonly log?: (line: string) => void;
}

export const DEFAULT_MAX_DISK_BYTES = 8 * 1024 ** 3;

/** Where an instance's process listens: loopback, on the port it was spawned with. */
const baseUrl = (proc: Running): string => `http://127.0.0.1:${proc.port}`;

interface InstanceState {
  readonly prepared: Prepared;
  readonly logs: LogRing;
  /** Which output is whose while calls share the instance. */
  readonly requests: RequestLogs;
  proc: Running;
  frozen: boolean;
  /** Invocations running on it now: with none, an owner of a fixed port may be asked to give the port up. */
  inFlight: number;
}

/**
 * A call's output for its log tail. FC's built-in runtimes frame an invocation's log with these lines; a custom runtime
 * prints them itself (FC's spec).
 */
function callLogs(s: InstanceState, req: InvocationRequest): string {
  const output = withoutOwnLines(s.requests.of(req.requestId));
  return s.prepared.kind !== 'custom' ? `FC Invoke Start RequestId: ${req.requestId}\n${output}FC Invoke End RequestId: ${req.requestId}\n` : output;
}

export class ProcessBackend implements Backend {
  readonly name = 'process';
  readonly relaysUpgrades = true;
  readonly workDir: string;
  readonly #ownsWorkDir: boolean;
  readonly #spawnOptions: SpawnOptions;
  readonly #instances = new Map<string, InstanceState>();
  readonly #children = new Set<Running>();
  readonly #revisionDirs = new Set<string>();
  readonly #disk: DiskBudget;
  /** revision dir → the disk bytes its code and layers hold, given back when it is removed. */
  readonly #diskLeases = new Map<string, DiskLease>();
  readonly #mounts: CodeMounts;
  readonly #interpreters: HostInterpreters;
  readonly #layers: LayerSource | undefined;
  readonly #owned = new OwnedGroups();
  readonly #log: ((line: string) => void) | undefined;
  /** Runtimes whose Python version mismatch the server log already told. */
  readonly #mismatchesSaid = new Set<string>();
  /** Pids of instance processes left by localfcs that died, killed at start-up. */
  readonly reaped: Promise<number[]>;

  constructor(opts: ProcessBackendOptions = {}) {
    this.#ownsWorkDir = !opts.workDir;
    this.#layers = opts.layers;
    this.#log = opts.log;
    this.#disk = new DiskBudget(opts.maxDiskBytes ?? DEFAULT_MAX_DISK_BYTES);
    this.workDir = opts.workDir ? resolve(opts.workDir) : mkdtempSync(join(tmpdir(), 'localfc-process-'));
    mkdirSync(join(this.workDir, '.bootstrap'), { recursive: true });
    writeFileSync(join(this.workDir, '.bootstrap', 'bootstrap.cjs'), NODE_BOOTSTRAP);
    writeFileSync(join(this.workDir, '.bootstrap', 'bootstrap.py'), PYTHON_BOOTSTRAP);
    const python = opts.python ?? 'python3';
    const pythonPath = resolveOnPath(python);
    this.#interpreters = new HostInterpreters(python);
    this.#mounts = new CodeMounts(this.workDir, [process.execPath, ...(pythonPath ? [pythonPath] : [])]);
    this.#spawnOptions = {
      workDir: this.workDir, python, children: this.#children, owned: this.#owned, ports: new PortReservations(), leases: new PortLeases(), mounts: this.#mounts,
      interpreterDirs: [dirname(process.execPath), ...(pythonPath ? [dirname(pythonPath)] : [])],
    };
    this.reaped = this.#owned.reapOrphans().catch(() => []);
  }

  async prepare(req: PrepareRequest): Promise<PreparedRevision> {
    const { fn, revision } = req;
    const config = revision.config;
    const kind = runtimeKind(config);
    if (!revision.code) throw new BackendError(ReasonCode.InvalidZipFileException, 'the revision has no code package');
    // <revision dir>/code is FC's /code, <revision dir>/opt its /opt (the layers), beside the mount table.
    const revisionDir = join(this.workDir, `${fn.functionName}-${revision.id}`);
    const codeDir = join(revisionDir, 'code');
    const optDir = join(revisionDir, 'opt');
    await this.#removeRevisionDir(revisionDir);
    const disk = this.#disk.lease();
    const fail = (e: unknown): Promise<never> => rm(revisionDir, { recursive: true, force: true }).then(() => (disk.release(), Promise.reject(e)));
    try {
      await extractZip(revision.code.zip, codeDir, { disk });
    } catch (e) {
      return fail(new BackendError(ReasonCode.InvalidZipFileException, `could not unpack the code package: ${e instanceof Error ? e.message : String(e)}`));
    }
    const missing = (msg: string): Promise<never> => fail(new BackendError(ReasonCode.HandlerNotFound, msg));
    if (kind === 'custom') {
      if (!config.customRuntimeConfig?.command?.length && !existsSync(join(codeDir, 'bootstrap'))) {
        return missing('a custom runtime needs customRuntimeConfig.command (or an executable "bootstrap" file in the code)');
      }
    } else if (!handlerFile(config.handler ?? '')) {
      return missing(`invalid handler ${JSON.stringify(config.handler)}: expected file.function`);
    }
    // A handler file the package lacks is the invocation's error, as on FC (the runtime's ImportModuleError), not the
    // deployment's: the function goes Active, and an update carrying it is not silently left unapplied.
    // The machine's interpreter stands in for a built-in runtime: named in the timeline, so a version mismatch shows.
    let servedBy: string | undefined;
    let python: string | undefined;
    let mismatch: string | undefined;
    if (kind !== 'custom') {
      // python3.X runs on the machine's Python 3.X when it has one; else on the configured python3, said once per runtime.
      const exact = kind === 'python' ? await this.#interpreters.pythonFor(config.runtime) : undefined;
      const interpreter = kind === 'nodejs' ? this.#interpreters.node() : exact ?? (await this.#interpreters.python());
      if (!interpreter) return fail(new BackendError(ReasonCode.InvalidRuntime, `${config.runtime} runs on the machine's Python and localfc found none (${this.#spawnOptions.python}): install python3 (e.g. apt-get install python3) or put it on localfc's PATH`));
      servedBy = describe(kind, interpreter);
      req.log(`${config.runtime} served by ${servedBy}`);
      if (kind === 'python') {
        python = interpreter.path;
        const minor = /^python(3\.\d+)$/.exec(config.runtime)?.[1];
        if (minor && !exact) {
          mismatch = `${config.runtime}: no Python ${minor} found (python${minor} on PATH, pyenv's versions), so it runs on ${servedBy}; install Python ${minor} for FC's version`;
          req.log(mismatch);
          if (!this.#mismatchesSaid.has(config.runtime)) {
            this.#mismatchesSaid.add(config.runtime);
            this.#log?.(`localfc: ${mismatch}`);
          }
        }
      }
    }
    let table: string | undefined;
    try {
      await unpackLayers(this.#layers, config.layers, optDir, join(revisionDir, 'scratch'), { region: fn.region, interpreters: this.#interpreters, log: req.log }, disk);
      const mode = await this.#mounts.mode();
      if (mode.mounted) table = await this.#mounts.writeTable(codeDir, optDir, revisionDir, config.diskSize);
    } catch (e) {
      return fail(e);
    }
    this.#revisionDirs.add(revisionDir);
    this.#diskLeases.set(revisionDir, disk);
    req.log(`unpacked code into ${codeDir}`);
    const prepared: Prepared = { key: `${fn.functionName}#${revision.id}`, config, revision, fn, revisionDir, codeDir, optDir, kind, ...(table ? { mountTable: table } : {}), ...(servedBy ? { servedBy } : {}), ...(python ? { python } : {}), ...(mismatch ? { mismatch } : {}) };
    return prepared;
  }

  /** The loopback port an instance's process listens on (for diagnostics and the benchmark's direct calls). */
  instancePort(instanceId: string): number | undefined {
    return this.#instances.get(instanceId)?.proc.port;
  }

  async startInstance(prepared: PreparedRevision, instanceId: string, opts: StartInstanceOptions = {}): Promise<BackendInstance> {
    const p = prepared as Prepared;
    const logs = new LogRing();
    const state: InstanceState = { prepared: p, logs, requests: new RequestLogs(logs), proc: undefined as unknown as Running, frozen: false, inFlight: 0 };
    // Getters: an instance evicted from a fixed port is started again with a new process (restartInstance).
    const instance: BackendInstance = { id: instanceId, prepared, get pid() { return state.proc?.child.pid; }, get port() { return state.proc?.port; } };
    state.proc = await spawnInstance(p, instanceId, logs, this.#spawnOptions, opts);
    this.#instances.set(instanceId, state);
    return instance;
  }

  ended(instance: BackendInstance): boolean | Promise<boolean> {
    const s = this.#instances.get(instance.id);
    if (!s) return false;
    // Stopped to hand its fixed port over: wait until it is gone before starting it again.
    if (s.proc.evicted) return s.proc.exit.then(() => s.proc.exited !== undefined);
    return s.proc.exited !== undefined;
  }

  async restartInstance(instance: BackendInstance, opts: StartInstanceOptions = {}): Promise<void> {
    const s = this.#state(instance);
    s.logs.append(`[localfc] instance process ended (${s.proc.exited?.signal ?? `code ${s.proc.exited?.code}`}); restarting\n`);
    s.proc = await spawnInstance(s.prepared, instance.id, s.logs, this.#spawnOptions, opts);
    s.frozen = false;
  }

  #state(instance: BackendInstance): InstanceState {
    const s = this.#instances.get(instance.id);
    if (!s) throw new BackendError(InstanceErrorCode.InstanceNotFound, `instance ${instance.id} is not running`);
    return s;
  }

  async initialize(instance: BackendInstance, timeoutMs: number, requestId: string = randomUUID()): Promise<string> {
    const s = this.#state(instance);
    const from = s.logs.offset;
    // What it printed before answering is read within one poll turn, as for an invocation (#forward).
    const output = async (): Promise<string> => (await new Promise((r) => setImmediate(r)), withoutOwnLines(s.logs.since(from)));
    try {
      await runInitializer(baseUrl(s.proc), fcHeaders(s.prepared, requestId), timeoutMs, this.#dispatcher(s));
    } catch (e) {
      if (e instanceof BackendError) e.logs = await output();
      throw e;
    }
    return output();
  }

  /** Keep-alive connections per process (a respawned process gets a new pool). */
  #dispatcher(s: InstanceState): Pool {
    return (s.proc.dispatcher ??= new Pool(baseUrl(s.proc), { keepAliveTimeout: 30_000 }));
  }

  /**
   * One invocation: forwarded to the instance's server. One async step for all of it (the forward, the output for a
   * tail, the failure's answer): each nested one cost every call a promise and a turn of the microtask queue.
   */
  async invoke(instance: BackendInstance, req: InvocationRequest): Promise<InvocationResult> {
    const s = this.#state(instance);
    s.proc.lease?.setIdle(false);
    s.inFlight++;
    s.requests.begin(req.requestId);
    const startedAt = performance.now();
    try {
      // Our nodejs/python bootstraps serve POST /invoke only, and read only some of FC's headers there; a custom
      // runtime's server gets HTTP calls as they came, with all of FC's headers.
      const custom = s.prepared.kind === 'custom';
      const fc = custom ? fcHeaders(s.prepared, req.requestId, req) : bootstrapHeaders(s.prepared, req.requestId, req);
      const res = await forwardInvocation(baseUrl(s.proc), req, fc, { forwardHttp: custom, toBootstrap: !custom, deadline: req.deadline, dispatcher: this.#dispatcher(s) });
      // The invocation's output is only answered to a caller who asked for the tail (x-fc-log-type: Tail); the instance's
      // log ring keeps it either way. Not gathered otherwise: an extra event-loop turn and strings on every call.
      if (!req.tailLogs) return res;
      // Output written before the response is already in the pipe (pipe writes are synchronous for Node on Linux;
      // Python runs unbuffered): it was readable no later than the response, so finishing this poll phase reads it.
      await new Promise((r) => setImmediate(r));
      return { ...res, logs: callLogs(s, req) };
    } catch (e) {
      return await this.#failed(s, req, e, startedAt);
    } finally {
      s.requests.end(req.requestId);
      // Idle as soon as it answered, not only once frozen: the pool freezes after a grace period (on the clock).
      if (--s.inFlight === 0) s.proc.lease?.setIdle(true);
    }
  }

  /** A forward that failed: the function's own failure, its timeout, its process gone, or the instance out of reach. */
  async #failed(s: InstanceState, req: InvocationRequest, e: unknown, startedAt: number): Promise<InvocationResult> {
    // The function answered, but with something FC would not relay (a body over the payload limit): its own failure.
    if (e instanceof BackendError) throw e;
    if (req.deadline?.expired) {
      // The handler is still running: FC kills the instance, at once (a SIGTERM's grace would hold the answer back
      // while the bootstrap waits for this very request); the next call gets a fresh process.
      await killProcess(s.proc, 0);
      return instanceLost(`Function timed out after ${Math.round(req.timeoutMs / 1000)} seconds`, callLogs(s, req));
    }
    await Promise.race([s.proc.exit, sleep(200)]);
    if (s.proc.exited) {
      await outputDrained(s.proc);
      return processExited(performance.now() - startedAt, callLogs(s, req));
    }
    throw new BackendError(InstanceErrorCode.InvocationFailed, `could not reach the instance: ${e instanceof Error ? e.message : String(e)}`);
  }

  async probeHealth(instance: BackendInstance, signal: AbortSignal): Promise<string | undefined> {
    const s = this.#instances.get(instance.id);
    const hc = healthCheckOf(instance.prepared.config);
    if (!s) return 'the instance is not running';
    // A crashed process, or one stopped to hand a fixed port over, is started again (and checked) on its next request.
    if (!hc || s.proc.exited || s.proc.evicted) return undefined;
    return probeHealthCheck(baseUrl(s.proc), hc, signal);
  }

  noteInstance(instance: BackendInstance, line: string): void {
    this.#instances.get(instance.id)?.logs.append(`[localfc] ${line}\n`);
  }

  async freeze(instance: BackendInstance): Promise<void> {
    const s = this.#instances.get(instance.id);
    if (!s || s.frozen || s.proc.exited || s.proc.child.pid === undefined) return;
    // The whole group: background work the code started (a grandchild) is frozen too, as on FC.
    signalGroup(s.proc.child.pid, 'SIGSTOP');
    s.frozen = true;
    // An idle owner of a fixed port gives it up when another instance waits for it.
    s.proc.lease?.setIdle(true);
  }

  async thaw(instance: BackendInstance): Promise<void> {
    const s = this.#instances.get(instance.id);
    if (!s || !s.frozen) return;
    s.frozen = false;
    s.proc.lease?.setIdle(false);
    if (!s.proc.exited && s.proc.child.pid !== undefined) signalGroup(s.proc.child.pid, 'SIGCONT');
  }

  async stopInstance(instance: BackendInstance, opts: { preStop: boolean; timeoutMs: number; requestId?: string }): Promise<string | void> {
    const s = this.#instances.get(instance.id);
    if (!s) return;
    await this.thaw(instance);
    const from = s.logs.offset;
    try {
      if (opts.preStop && !s.proc.exited) {
        const failed = await runPreStop(baseUrl(s.proc), fcHeaders(s.prepared, opts.requestId ?? randomUUID()), opts.timeoutMs, this.#dispatcher(s));
        if (failed) s.logs.append(failed);
        // What the hook printed outlives the instance in the function's timeline.
        return s.logs.since(from);
      }
    } finally {
      await killProcess(s.proc);
      this.#instances.delete(instance.id);
    }
  }


  async release(prepared: PreparedRevision): Promise<void> {
    const p = prepared as Prepared;
    this.#spawnOptions.leases.hardCoded.delete(p.key);
    if (!p.revisionDir) return;
    await this.#removeRevisionDir(p.revisionDir);
  }

  async #removeRevisionDir(dir: string): Promise<void> {
    this.#revisionDirs.delete(dir);
    await rm(dir, { recursive: true, force: true });
    this.#diskLeases.get(dir)?.release();
    this.#diskLeases.delete(dir);
  }

  instanceLogs(instance: BackendInstance): string {
    return this.#instances.get(instance.id)?.logs.text() ?? '';
  }

  async close(): Promise<void> {
    await this.reaped;
    this.#spawnOptions.leases.closeAll();
    // Every group not yet ended: the instances' and any being stopped (an evicted fixed-port owner, a crashed leader's rest).
    await Promise.all([...this.#instances.values()].map((s) => s.proc).concat([...this.#children]).map((r) => killProcess(r)));
    this.#instances.clear();
    if (this.#ownsWorkDir) rmSync(this.workDir, { recursive: true, force: true });
    else for (const dir of [...this.#revisionDirs, join(this.workDir, '.bootstrap'), join(this.workDir, '.root'), join(this.workDir, '.tmp')]) rmSync(dir, { recursive: true, force: true });
    this.#revisionDirs.clear();
  }
}
