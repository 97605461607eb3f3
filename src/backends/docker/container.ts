/**
 * @module
 * One container instance: create it from the pinned image with FC's environment and our labels, start it, follow its
 * (demultiplexed) output into a LogRing, and wait until its server listens on the container's bridge address.
 */
import { BackendError, type PreparedRevision, type StartInstanceOptions, startupTimedOut } from '../../domain/ports/backend.ts';
import { fcVariables } from '../runtime-env.ts';
import { LogRing } from '../process/log-ring.ts';
import { RequestLogs } from '../process/request-logs.ts';
import { StartupTimeout, waitUntilListening } from '../readiness.ts';
import { Pool, request } from 'undici';
import { type ContainerInfo, type ContainerSpec, type DockerEngine, DockerError } from './engine.ts';
import { LABELS, type Lease, type Owner } from './owner.ts';
import { InstanceErrorCode } from '../../domain/reason-codes.ts';

export interface PreparedImage extends PreparedRevision {
  /** The image id the pinned digest named when prepared: what every container of this revision runs. */
  readonly imageId: string;
  readonly port: number;
}

export interface Container {
  readonly id: string;
  readonly logs: LogRing;
  /** Which output is whose while calls share the container (request-logs.ts). */
  readonly requests: RequestLogs;
  /** `http://<container ip>:<port>`. */
  baseUrl: string;
  /** Set once the container's process ended (its log stream closed). */
  ended: boolean;
  /** Settles when the log stream has delivered the container's last line (it ends with the main process). */
  logsDone?: Promise<unknown>;
  frozen: boolean;
  follow: AbortController;
  /** Keep-alive connections to its server (made on the first invocation), closed when the container is discarded. */
  dispatcher?: Pool;
}

/** The container's keep-alive connections: undici's Pool of this package (see forwardInvocation). */
export function connectionsTo(c: Container): Pool {
  return (c.dispatcher ??= new Pool(c.baseUrl, { keepAliveTimeout: 30_000 }));
}

export interface StartOptions {
  readonly engine: DockerEngine;
  readonly owner: Owner;
  /** Taken before the owner's first container, so another machine can tell the owner is alive. */
  readonly lease: Lease;
  readonly network: string;
  readonly reach: () => Promise<Reach>;
}

/** `bridge`: the container's IP on its network; `published`: its port published on the engine's host. */
export type Reach = 'bridge' | 'published';

/**
 * Bridge IPs are routable only from the engine's own Linux host (and its containers): a unix socket on Linux, and not
 * Docker Desktop's VM nor a rootless engine's private network namespace. Everything else gets published ports.
 */
export async function autoReach(engine: DockerEngine): Promise<{ reach: Reach; why: string }> {
  if (!engine.local) return { reach: 'published', why: engine.address.startsWith('ssh://') ? 'the engine is on another machine, reached over ssh' : `the engine at ${engine.address} is remote` };
  if (process.platform !== 'linux') return { reach: 'published', why: `localfc runs on ${process.platform}, the engine in a VM` };
  const info = await engine.info();
  if (/docker desktop/i.test(info.operatingSystem)) return { reach: 'published', why: 'Docker Desktop runs containers in a VM' };
  if (info.rootless) return { reach: 'published', why: 'a rootless engine keeps container IPs in its own network namespace' };
  return { reach: 'bridge', why: 'a local Linux engine' };
}

const MiB = 1024 * 1024;

/**
 * `hostCpus`: the engine's CPU count. FC's vCPU count becomes a CPU quota (NanoCpus), capped there because Docker
 * refuses a quota above the host's CPUs (a 4-vCPU function on a 2-core laptop would otherwise never start).
 */
export function containerSpec(p: PreparedImage, instanceId: string, ownerLabels: Readonly<Record<string, string>>, network: string, hostCpus?: number, publishOn?: string): ContainerSpec {
  const ccc = p.config.customContainerConfig;
  const cpu = hostCpus ? Math.min(p.config.cpu, hostCpus) : p.config.cpu;
  return {
    Image: p.imageId,
    ...(ccc?.entrypoint?.length ? { Entrypoint: ccc.entrypoint } : {}),
    ...(ccc?.command?.length ? { Cmd: ccc.command } : {}),
    Env: Object.entries(fcVariables(p, instanceId, p.port)).map(([k, v]) => `${k}=${v}`),
    ExposedPorts: { [`${p.port}/tcp`]: {} },
    Labels: { ...ownerLabels, [LABELS.fn]: p.fn.functionName, [LABELS.instance]: instanceId, [LABELS.revision]: p.key },
    HostConfig: {
      NetworkMode: network,
      // An ephemeral port on the engine's host (the engine picks it): instances never compete for one.
      ...(publishOn !== undefined ? { PortBindings: { [`${p.port}/tcp`]: [{ HostIp: publishOn, HostPort: '' }] } } : {}),
      Memory: p.config.memorySize * MiB,
      NanoCpus: Math.round(cpu * 1e9),
      // Lets the function call services on the host (e.g. localfc itself), as it would call cloud endpoints.
      ExtraHosts: ['host.docker.internal:host-gateway'],
    },
  };
}

/** Docker names allow [a-zA-Z0-9][a-zA-Z0-9_.-]*; function names are close but may contain other characters. */
const nameOf = (p: PreparedImage, instanceId: string, owner: Owner): string => `localfc-${p.fn.functionName}-${instanceId}-${owner.id.slice(0, 6)}`.replace(/[^a-zA-Z0-9_.-]/g, '_');

/**
 * Creates and starts a container for an instance and waits until its server listens (bounded by `start.signal`, the
 * pool's start-up timeout); on any failure the container is removed again.
 */
export async function startContainer(p: PreparedImage, instanceId: string, o: StartOptions, start: StartInstanceOptions = {}): Promise<Container> {
  let id: string;
  try {
    // unknown host CPUs: leave the quota uncapped, the create then names Docker's complaint
    const hostCpus = await o.engine.cpuCount().catch(() => undefined);
    await o.lease.ensure();
    // Through a unix socket the engine is this machine (or Docker Desktop's VM, which forwards loopback): no need to open the port to the network.
    const publishOn = (await o.reach()) === 'published' ? (o.engine.local ? '127.0.0.1' : '') : undefined;
    const spec = containerSpec(p, instanceId, await o.owner.labels(), o.network, hostCpus, publishOn);
    id = (await o.engine.createContainer(spec, nameOf(p, instanceId, o.owner))).id;
  } catch (e) {
    throw startError(e, 'create');
  }
  const logs = new LogRing();
  const c: Container = { id, logs, requests: new RequestLogs(logs), baseUrl: '', ended: false, frozen: false, follow: new AbortController() };
  try {
    await run(c, p, o, start);
    return c;
  } catch (e) {
    await discardContainer(c, o.engine);
    throw e;
  }
}

/** Stops following the container's output and closes localfc's connections to it; removing it is the caller's. */
export function letGo(c: Container): void {
  c.follow.abort();
  void c.dispatcher?.destroy().catch(() => undefined);
}

/** Lets go of the container and force-removes it (no SIGTERM grace: PID 1 often ignores it); never throws. */
export async function discardContainer(c: Container, engine: DockerEngine): Promise<void> {
  letGo(c);
  await engine.removeContainer(c.id, { force: true }).catch(() => undefined);
}

/** Starts a created container and waits until it listens. */
async function run(c: Container, p: PreparedImage, o: StartOptions, start: StartInstanceOptions): Promise<void> {
  const follow = c.follow;
  try {
    await o.engine.startContainer(c.id);
    const stream = await o.engine.followLogs(c.id, (l) => c.logs.append(`${l.line}\n`), follow.signal, { tail: 'all' });
    // The follow stream ends when the container's main process does.
    c.logsDone = stream.done.catch(() => undefined);
    void c.logsDone.then(() => {
      if (!follow.signal.aborted) c.ended = true;
    });
    const info = await o.engine.inspectContainer(c.id);
    if (!info.state.running) c.ended = true;
    const published = (await o.reach()) === 'published';
    const { host, port } = address(info, p, o, published);
    if (!host && !c.ended) throw new BackendError(InstanceErrorCode.CAStartTimeout, `container ${c.id.slice(0, 12)} has no ${published ? 'published port' : `address on network ${o.network}`}`);
    c.baseUrl = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
    await waitUntilListening({
      port,
      host: host || '127.0.0.1',
      // A published port accepts connections before the server listens (docker-proxy): only an HTTP answer counts.
      ...(published ? { reachable: () => answersHttp(c.baseUrl) } : {}),
      ...(start.signal ? { signal: start.signal } : {}),
      failed: () => (c.ended ? new BackendError(InstanceErrorCode.CAExited, 'the container exited') : undefined),
    });
  } catch (e) {
    throw await explain(e, c, o.engine, p.port, start);
  }
}

/** Where to reach the container: its IP on the network, or the port the engine published for it on its host. */
function address(info: ContainerInfo, p: PreparedImage, o: StartOptions, published: boolean): { host: string; port: number } {
  if (published) {
    const bindings = info.ports[`${p.port}/tcp`] ?? [];
    const binding = bindings.find((b) => b.hostIp === '0.0.0.0' || b.hostIp === '127.0.0.1') ?? bindings[0];
    return { host: binding ? o.engine.engineHost : '', port: Number(binding?.hostPort ?? 0) };
  }
  return { host: info.ipAddresses[o.network] || Object.values(info.ipAddresses).find(Boolean) || '', port: p.port };
}

/** Any HTTP answer (even a 404) means the server in the container listens; a connection dropped at once does not. */
async function answersHttp(baseUrl: string): Promise<boolean> {
  try {
    const res = await request(`${baseUrl}/`, { method: 'GET', headers: { 'user-agent': 'localfc-readiness' }, signal: AbortSignal.timeout(2000) });
    await res.body.dump();
    return true;
  } catch {
    return false;
  }
}

/** Maps a start failure to FC's reason code, with the exit code and the container's last output. */
async function explain(e: unknown, c: Container, engine: DockerEngine, port: number, start: StartInstanceOptions): Promise<unknown> {
  if (e instanceof DockerError) return startError(e, 'start');
  // A container that printed and exited at once is seen exited (inspect) before its log stream has delivered the lines.
  if (e instanceof BackendError && e.code === InstanceErrorCode.CAExited) await lastLines(c);
  const tail = c.logs.tail(10);
  const output = tail ? `: ${tail}` : '';
  if (e instanceof BackendError && e.code === InstanceErrorCode.CAExited) {
    const state = await engine.inspectContainer(c.id).then((i) => i.state, () => undefined);
    const how = `exited with code ${state?.exitCode ?? '?'}${state?.oomKilled ? ', killed for exceeding its memory limit' : ''}${state?.error ? ` (${state.error})` : ''}`;
    return new BackendError(InstanceErrorCode.CAExited, `container ${how}${output}`);
  }
  if (e instanceof StartupTimeout) return startupTimedOut(port, start.timeoutMs, tail);
  return e;
}

/** Real time a failed start waits for the exited container's log stream to deliver its end (it normally takes ms). */
const LOG_END_WAIT_MS = 2000;

async function lastLines(c: Container): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const cap = new Promise<void>((resolve) => (timer = setTimeout(resolve, LOG_END_WAIT_MS)));
  await Promise.race([c.logsDone, cap]);
  clearTimeout(timer);
}

function startError(e: unknown, what: string): unknown {
  if (!(e instanceof DockerError)) return e;
  if (e.kind === 'unreachable') return new BackendError(InstanceErrorCode.DockerUnavailable, e.message, 503);
  // e.g. "exec: node: executable file not found": the container cannot run its command.
  return new BackendError(InstanceErrorCode.CAExited, `could not ${what} the container: ${e.engineMessage ?? e.message}`);
}
