/**
 * @module
 * The container backend (`--backend docker`): custom-container functions run their pinned image through the Docker
 * Engine API; code-package runtimes are handed to the process backend, so one server runs both kinds. The engine's
 * image store is the registry (EngineRegistry). Every container is labelled with its owner and removed on release
 * and close; containers of crashed earlier runs are reaped at start-up (owner.ts).
 */
import { randomUUID } from 'node:crypto';
import { healthCheckOf, isContainer, serverPortOf } from '../../domain/model.ts';
import { parseImageRef } from '../../domain/registry.ts';
import { BackendError, type Backend, type BackendInstance, type InvocationRequest, type InvocationResult, type PrepareRequest, type PreparedRevision, type StartInstanceOptions } from '../../domain/ports/backend.ts';
import { exitedUnexpectedly, fcHeaders, forwardInvocation, instanceLost, runInitializer, runPreStop } from '../http-runtime.ts';
import { ProcessBackend, type ProcessBackendOptions } from '../process/index.ts';
import { withoutOwnLines } from '../process/log-ring.ts';
import { probeHealthCheck } from '../readiness.ts';
import { autoReach, connectionsTo, type Container, discardContainer, letGo, type PreparedImage, type Reach, type StartOptions, startContainer } from './container.ts';
import { DockerEngine, DockerError, type ImageInfo, layerStatus } from './engine.ts';
import { EngineRegistry, inspectPinned } from './engine-registry.ts';
import type { EngineAddress } from './engine-address.ts';
import { type HostFacts, LABELS, Lease, Owner, reapOrphans, removeOwned } from './owner.ts';
import { setTimeout as sleep } from 'node:timers/promises';
import { InstanceErrorCode, ReasonCode } from '../../domain/reason-codes.ts';

export interface DockerBackendOptions {
  /** Engine address (`unix:///var/run/docker.sock`, `tcp://…`); default $DOCKER_HOST, else the standard socket. */
  readonly dockerHost?: string;
  /** A resolved engine address (host + TLS material) instead of `dockerHost`. */
  readonly engineAddress?: EngineAddress;
  /** Runs code-package runtimes; default a ProcessBackend with `processOptions`. */
  readonly delegate?: Backend;
  readonly processOptions?: ProcessBackendOptions;
  /** Docker network the containers join and are reached on (default `bridge`). */
  readonly network?: string;
  /** How containers are reached: their bridge IP, a port published on the engine's host, or `auto` (default). */
  readonly networking?: 'auto' | Reach;
  /** Where this localfc runs, as the owner labels and the reaper see it (default: read from this process and host). */
  readonly hostFacts?: HostFacts;
  /** How long this owner's lease holds without renewal (default 30 s). */
  readonly leaseMs?: number;
}

interface Instance {
  readonly prepared: PreparedImage;
  c: Container;
  pausing?: Promise<void>;
}

export class DockerBackend implements Backend {
  readonly name = 'docker';
  readonly relaysUpgrades = true;
  readonly engine: DockerEngine;
  readonly registry: EngineRegistry;
  readonly owner: Owner;
  readonly #lease: Lease;
  readonly #networking: 'auto' | Reach;
  #reach: Promise<{ reach: Reach; why: string }> | undefined;
  /** Ids of orphaned containers removed at start-up (empty when the engine was unreachable). */
  readonly reaped: Promise<string[]>;
  readonly #delegate: Backend;
  readonly #start: StartOptions;
  readonly #instances = new Map<string, Instance>();
  #closed = false;

  constructor(opts: DockerBackendOptions = {}) {
    this.engine = new DockerEngine(opts.engineAddress ? { address: opts.engineAddress } : opts.dockerHost ? { host: opts.dockerHost } : {});
    this.registry = new EngineRegistry(this.engine);
    this.#delegate = opts.delegate ?? new ProcessBackend(opts.processOptions ?? {});
    this.owner = new Owner(this.engine, opts.hostFacts, opts.leaseMs);
    this.#lease = new Lease(this.engine, this.owner);
    const setting = opts.networking ?? 'auto';
    this.#networking = setting;
    void this.reach().catch(() => undefined);
    this.#start = { engine: this.engine, owner: this.owner, lease: this.#lease, network: opts.network ?? 'bridge', reach: () => this.reach().then((r) => r.reach) };
    this.reaped = reapOrphans(this.engine, this.owner.facts, this.owner.id).catch(() => []);
  }

  /** How containers are reached and why; decided once the engine answers (a failure is not kept: an engine started later is asked again). */
  reach(): Promise<{ reach: Reach; why: string }> {
    const setting = this.#networking;
    this.#reach ??= setting === 'auto' ? autoReach(this.engine) : Promise.resolve({ reach: setting, why: 'set by dockerNetworking' });
    this.#reach.catch(() => (this.#reach = undefined));
    return this.#reach;
  }

  async prepare(req: PrepareRequest): Promise<PreparedRevision> {
    if (!isContainer(req.revision.config)) return this.#delegate.prepare(req);
    const { fn, revision } = req;
    const img = revision.image;
    if (!img) throw new BackendError(ReasonCode.ImageNotFound, 'the revision has no pinned image');
    const repository = parseImageRef(img.image).repository;
    const pinned = `${repository}@${img.digest}`;
    let info: ImageInfo | undefined;
    try {
      info = await inspectPinned(this.engine, repository, img.digest);
      if (!info) {
        req.log(`pulling ${pinned}`);
        info = await this.engine.pullImage(pinned, layerStatus(req.log), req.signal);
      }
    } catch (e) {
      if (e instanceof DockerError && e.kind === 'unreachable') throw new BackendError(ReasonCode.DockerUnavailable, e.message);
      if (e instanceof DockerError && (e.kind === 'not-found' || /not found|manifest unknown|does not exist/i.test(e.engineMessage ?? ''))) {
        throw new BackendError(ReasonCode.ImageNotFound, `the pinned image ${pinned} is not in the Docker engine and cannot be pulled: ${e.engineMessage ?? e.message}`);
      }
      throw new BackendError(ReasonCode.ImagePullFailed, `pulling ${pinned} failed: ${e instanceof DockerError ? (e.engineMessage ?? e.message) : String(e)}`);
    }
    req.log(`image ${img.image} pinned to ${img.digest} (image ${info.id})`);
    const port = serverPortOf(revision.config);
    const prepared: PreparedImage = { key: `${fn.functionName}#${revision.id}`, config: revision.config, revision, fn, imageId: info.id, port };
    return prepared;
  }

  async startInstance(prepared: PreparedRevision, instanceId: string, opts: StartInstanceOptions = {}): Promise<BackendInstance> {
    if (!isContainer(prepared.config)) return this.#delegate.startInstance(prepared, instanceId, opts);
    const p = prepared as PreparedImage;
    // A getter: a container that ended is replaced under the same instance (restartInstance).
    const live = this.#instances;
    const instance: BackendInstance = { id: instanceId, prepared, port: p.port, get containerId() { return live.get(instanceId)?.c.id; } };
    const c = await startContainer(p, instanceId, this.#start, opts);
    if (this.#closed) {
      // close() ran while this container started: it must not outlive us.
      await discardContainer(c, this.engine);
      throw new BackendError(InstanceErrorCode.InstanceNotFound, 'the backend was closed while the instance started');
    }
    this.#instances.set(instanceId, { prepared: p, c });
    return instance;
  }

  ended(instance: BackendInstance): boolean | Promise<boolean> {
    if (!isContainer(instance.prepared.config)) return this.#delegate.ended?.(instance) ?? false;
    return this.#instances.get(instance.id)?.c.ended ?? false;
  }

  /** The instance's container died (timeout kill, crash): a new one runs in its place under the same instance. */
  async restartInstance(instance: BackendInstance, opts: StartInstanceOptions = {}): Promise<void> {
    if (!isContainer(instance.prepared.config)) return this.#delegate.restartInstance?.(instance, opts);
    const s = this.#get(instance);
    const old = s.c;
    await discardContainer(old, this.engine);
    s.c = await startContainer(s.prepared, instance.id, this.#start, opts);
    s.c.logs.append(`[localfc] container ${old.id.slice(0, 12)} ended; replaced by ${s.c.id.slice(0, 12)}\n`);
  }

  #get(instance: BackendInstance): Instance {
    const s = this.#instances.get(instance.id);
    if (!s) throw new BackendError(InstanceErrorCode.InstanceNotFound, `instance ${instance.id} is not running`);
    return s;
  }

  async initialize(instance: BackendInstance, timeoutMs: number, requestId: string = randomUUID()): Promise<string | void> {
    if (!isContainer(instance.prepared.config)) return this.#delegate.initialize(instance, timeoutMs, requestId);
    const s = this.#get(instance);
    const from = s.c.logs.offset;
    await runInitializer(s.c.baseUrl, fcHeaders(s.prepared, requestId), timeoutMs);
    return s.c.logs.since(from);
  }

  async invoke(instance: BackendInstance, req: InvocationRequest): Promise<InvocationResult> {
    if (!isContainer(instance.prepared.config)) return this.#delegate.invoke(instance, req);
    const s = this.#get(instance);
    const c = s.c;
    // A custom container prints FC's "FC Invoke Start/End RequestId" lines itself (FC's log format): its output as it came.
    const logs = (): string => withoutOwnLines(c.requests.of(req.requestId));
    const deadline = req.deadline;
    c.requests.begin(req.requestId);
    try {
      const res = await forwardInvocation(c.baseUrl, req, fcHeaders(s.prepared, req.requestId, req), { forwardHttp: true, ...(deadline ? { deadline } : {}), dispatcher: connectionsTo(c) });
      // The invocation's output is only answered to a caller who asked for the tail (x-fc-log-type: Tail), as on the
      // process backend; the container's log keeps it either way. It reaches us through the engine's log stream a little
      // after the response: only such a caller waits for it.
      if (!req.tailLogs) return res;
      await sleep(10);
      return Object.assign(res, { logs: logs() });
    } catch (e) {
      // The function answered, but with something FC would not relay (a body over the payload limit): its own failure.
      if (e instanceof BackendError) throw e;
      if (deadline?.expired) {
        // The handler is still running: FC kills the instance; the next call gets a fresh container.
        c.ended = true;
        await this.engine.removeContainer(c.id, { force: true }).catch(() => undefined);
        return instanceLost(`Function timed out after ${Math.round(req.timeoutMs / 1000)} seconds`, logs());
      }
      const state = await this.#exitState(c);
      if (!state?.running) {
        c.ended = true;
        const how = state ? `code ${state.exitCode}${state.oomKilled ? ', killed for exceeding its memory limit' : ''}` : 'removed';
        return exitedUnexpectedly('Container', how, c.logs.tail(5), logs());
      }
      throw new BackendError(InstanceErrorCode.InvocationFailed, `could not reach the container: ${e instanceof Error ? e.message : String(e)}`);
    } finally {
      c.requests.end(req.requestId);
    }
  }

  /**
   * The container's state after a request to it broke off. A killed container's connections close a moment before the
   * engine reports it exited: asked at once, it still says running and the caller would get a bare "other side closed".
   * So it is asked again until it has ended (its log stream closed) or, within ~2 s, clearly has not.
   */
  async #exitState(c: Container): Promise<{ running: boolean; exitCode: number; oomKilled: boolean } | undefined> {
    for (let attempt = 0; ; attempt++) {
      const state = await this.engine.inspectContainer(c.id).then((i) => i.state, () => undefined);
      if (!state?.running || attempt >= 20) return state;
      await sleep(100);
    }
  }

  async probeHealth(instance: BackendInstance, signal: AbortSignal): Promise<string | undefined> {
    if (!isContainer(instance.prepared.config)) return this.#delegate.probeHealth?.(instance, signal);
    const s = this.#instances.get(instance.id);
    const hc = healthCheckOf(instance.prepared.config);
    if (!s) return 'the instance is not running';
    // A container that ended is replaced (and checked) on its next request.
    if (!hc || s.c.ended) return undefined;
    return probeHealthCheck(s.c.baseUrl, hc, signal);
  }

  noteInstance(instance: BackendInstance, line: string): void {
    if (!isContainer(instance.prepared.config)) return this.#delegate.noteInstance?.(instance, line);
    this.#instances.get(instance.id)?.c.logs.append(`[localfc] ${line}\n`);
  }

  async freeze(instance: BackendInstance): Promise<void> {
    if (!isContainer(instance.prepared.config)) return this.#delegate.freeze(instance);
    const s = this.#instances.get(instance.id);
    if (!s || s.c.frozen || s.c.ended) return;
    // Marked before the engine answers, so a thaw racing this pause waits for it and then unpauses.
    s.c.frozen = true;
    s.pausing = this.engine.pauseContainer(s.c.id).catch(() => undefined);
    await s.pausing;
  }

  async thaw(instance: BackendInstance): Promise<void> {
    if (!isContainer(instance.prepared.config)) return this.#delegate.thaw(instance);
    const s = this.#instances.get(instance.id);
    if (!s || !s.c.frozen) return;
    s.c.frozen = false;
    await s.pausing;
    await this.engine.unpauseContainer(s.c.id).catch(() => undefined);
  }

  async stopInstance(instance: BackendInstance, opts: { preStop: boolean; timeoutMs: number; requestId?: string }): Promise<string | void> {
    if (!isContainer(instance.prepared.config)) return this.#delegate.stopInstance(instance, opts);
    const s = this.#instances.get(instance.id);
    if (!s) return;
    await this.thaw(instance).catch(() => undefined);
    this.#instances.delete(instance.id);
    try {
      if (opts.preStop && !s.c.ended) {
        const from = s.c.logs.offset;
        const failed = await runPreStop(s.c.baseUrl, fcHeaders(s.prepared, opts.requestId ?? randomUUID()), opts.timeoutMs);
        if (failed) s.c.logs.append(failed);
        return s.c.logs.since(from);
      }
    } finally {
      // The preStop hook is the graceful part; the container's PID 1 often ignores SIGTERM, so no grace period.
      await discardContainer(s.c, this.engine);
    }
  }

  async release(prepared: PreparedRevision): Promise<void> {
    if (!isContainer(prepared.config)) return this.#delegate.release(prepared);
    for (const [id, s] of this.#instances) {
      if (s.prepared.key !== prepared.key) continue;
      this.#instances.delete(id);
      letGo(s.c);
    }
    await removeOwned(this.engine, this.owner.id, { [LABELS.revision]: prepared.key }).catch(() => 0);
  }

  instanceLogs(instance: BackendInstance): string {
    if (!isContainer(instance.prepared.config)) return this.#delegate.instanceLogs(instance);
    return this.#instances.get(instance.id)?.c.logs.text() ?? '';
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.registry.close();
    for (const s of this.#instances.values()) letGo(s.c);
    this.#instances.clear();
    await this.reaped;
    await removeOwned(this.engine, this.owner.id).catch(() => 0);
    await this.#lease.release();
    await this.#delegate.close();
    await this.engine.close();
  }
}
