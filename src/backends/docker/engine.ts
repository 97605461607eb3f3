/**
 * A minimal Docker Engine API client on undici, for the container backend, its scripts and tests.
 *
 * Hand-written rather than docker-modem/dockerode: undici is already the HTTP client of the whole project, and gives
 * the unix socket, TLS with client certificates (its connect options), timeouts and streaming bodies that this
 * client's ~25 calls need; docker-modem would add a second HTTP stack (node:http, callback style, its own error and
 * timeout handling) and, for ssh://, the ssh2 protocol library where the docker CLI runs the system ssh (reasons in
 * ssh-transport.ts, which hands undici each connection as an ssh child's stdio). What stays ours is the engine's wire
 * format (versioned paths, log frames, JSON-lines streams), which is small, documented and tested here.
 */
import type { Readable } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { Agent, type Dispatcher } from 'undici';
import { type EngineAddress, resolveEngineAddress } from './engine-address.ts';
import { parseSshUrl, sshArgs, sshCheckCommand, sshConnector, sshHostName } from './ssh-transport.ts';

/** The highest API version we speak; Debian's dockerd 20.10 also tops out here. */
export const MAX_API_VERSION = '1.41';
const DEFAULT_TIMEOUT_MS = 30_000;

export type DockerErrorKind = 'unreachable' | 'not-found' | 'conflict' | 'engine';

export class DockerError extends Error {
  override readonly name = 'DockerError';
  constructor(readonly kind: DockerErrorKind, message: string, readonly statusCode?: number, readonly engineMessage?: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface ImageInfo { id: string; repoDigests: string[]; repoTags: string[]; size: number; created: string }
export interface VersionInfo { version: string; apiVersion: string; minApiVersion: string; os: string; arch: string; kernelVersion: string }
export interface PortBinding { hostIp: string; hostPort: string }
export interface ContainerInfo {
  id: string;
  name: string;
  image: string;
  labels: Record<string, string>;
  state: {
    status: string; running: boolean; paused: boolean; restarting: boolean; oomKilled: boolean; dead: boolean;
    pid: number; exitCode: number; error: string; startedAt: string; finishedAt: string;
  };
  /** Network name → IPv4 address ("" for host networking). */
  ipAddresses: Record<string, string>;
  /** "8080/tcp" → host bindings; empty when the port is exposed but not published. */
  ports: Record<string, PortBinding[]>;
  /** HostConfig limits: bytes and billionths of a CPU (0 = unlimited). */
  resources: { memory: number; nanoCpus: number };
}
export interface EngineInfo { cpus: number; operatingSystem: string; osType: string; name: string; rootless: boolean }
export interface VolumeInfo { name: string; labels: Record<string, string>; createdAt: string }
export interface ContainerSummary { id: string; names: string[]; image: string; imageId: string; state: string; status: string; labels: Record<string, string>; created: number }
export interface DockerEvent { type: string; action: string; id: string; attributes: Record<string, string>; time: number; timeNano: number }
export interface LogLine { stream: 'stdout' | 'stderr'; line: string }
/** Settles when a stream ends: resolves on end or abort, rejects on a connection or engine error. */
export interface StreamHandle { done: Promise<void> }

/** The body of POST /containers/create, passed to the engine as is (its PascalCase field names). */
export interface ContainerSpec {
  Image: string;
  Cmd?: string[]; Entrypoint?: string[]; Env?: string[]; WorkingDir?: string; User?: string; Tty?: boolean;
  Labels?: Record<string, string>;
  ExposedPorts?: Record<string, object>;
  HostConfig?: {
    Binds?: string[]; NetworkMode?: string; ExtraHosts?: string[]; Memory?: number; NanoCpus?: number; AutoRemove?: boolean;
    PortBindings?: Record<string, { HostIp?: string; HostPort?: string }[]>;
    [key: string]: unknown;
  };
  [key: string]: unknown;
}

export interface DockerEngineOptions {
  /** "unix:///path", "tcp://host:port" (TLS from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH) or "ssh://user@host"; default: $DOCKER_HOST, else the docker CLI's current context, else unix:///var/run/docker.sock. */
  host?: string;
  /** A resolved address (host + TLS material), instead of `host`. */
  address?: EngineAddress;
  timeoutMs?: number;
}

/** Docker's log stream: frames of [stream type, 0, 0, 0, uint32 BE length] + payload; keeps a partial frame across chunks. */
export class Demuxer {
  private pending: Buffer = Buffer.alloc(0);
  get pendingBytes(): number {
    return this.pending.length;
  }
  push(chunk: Buffer): { stream: 'stdout' | 'stderr'; data: Buffer }[] {
    let buf = this.pending.length > 0 ? Buffer.concat([this.pending, chunk]) : chunk;
    const frames: { stream: 'stdout' | 'stderr'; data: Buffer }[] = [];
    while (buf.length >= 8) {
      const len = buf.readUInt32BE(4);
      if (buf.length < 8 + len) break;
      // Type 0 (stdin) only shows up for attached TTY-less stdin; treat it like stdout.
      frames.push({ stream: buf[0] === 2 ? 'stderr' : 'stdout', data: buf.subarray(8, 8 + len) });
      buf = buf.subarray(8 + len);
    }
    this.pending = Buffer.from(buf);
    return frames;
  }
}

/** Splits a complete multiplexed log body into stdout and stderr text (a trailing partial frame is dropped). */
export function demultiplex(buf: Buffer): { stdout: string; stderr: string } {
  const out: Buffer[] = [];
  const err: Buffer[] = [];
  for (const f of new Demuxer().push(buf)) (f.stream === 'stderr' ? err : out).push(f.data);
  return { stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') };
}

/** True when `buf` starts with a plausible frame header; containers created with Tty:true log raw text instead. */
export function looksMultiplexed(buf: Buffer): boolean {
  return buf.length >= 8 && (buf[0] ?? 9) <= 2 && buf[1] === 0 && buf[2] === 0 && buf[3] === 0;
}

/** "repo/name:tag" or "name@sha256:…" → the fromImage/tag pair POST /images/create wants. */
export function parseImageRef(ref: string): { name: string; tag: string } {
  const at = ref.indexOf('@');
  if (at !== -1) return { name: ref.slice(0, at), tag: ref.slice(at + 1) };
  const colon = ref.lastIndexOf(':');
  if (colon > ref.lastIndexOf('/')) return { name: ref.slice(0, colon), tag: ref.slice(colon + 1) };
  return { name: ref, tag: 'latest' };
}

/**
 * A repository as the docker CLI shows it: Docker Hub's "docker.io/" and "docker.io/library/" prefixes dropped. Docker
 * reports an image's RepoTags and RepoDigests that way; Podman's compat API reports them fully qualified
 * ("docker.io/localfc-test/node:20"), so names are compared in this form.
 */
export function familiarName(name: string): string {
  const n = name.replace(/^(?:index\.)?docker\.io\//, '');
  return n.startsWith('library/') && !n.slice('library/'.length).includes('/') ? n.slice('library/'.length) : n;
}

function compareVersions(a: string, b: string): number {
  const [a1 = 0, a2 = 0] = a.split('.').map(Number);
  const [b1 = 0, b2 = 0] = b.split('.').map(Number);
  return a1 - b1 || a2 - b2;
}

/** Encodes each path segment but keeps "/" (image names contain it and the engine routes on the raw path). */
export const seg = (s: string): string => s.split('/').map(encodeURIComponent).join('/');

export function qs(params: Record<string, string | number | boolean | undefined>): string {
  const p = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined) p.set(k, typeof v === 'boolean' ? (v ? '1' : '0') : String(v));
  const s = p.toString();
  return s ? `?${s}` : '';
}

/** Yields each JSON value of a newline-delimited JSON stream (pull progress, import status, events). */
export async function* jsonLines(body: AsyncIterable<Buffer>): AsyncGenerator<Record<string, unknown>> {
  const dec = new StringDecoder('utf8');
  let text = '';
  for await (const chunk of body) {
    text += dec.write(chunk);
    let nl: number;
    while ((nl = text.indexOf('\n')) !== -1) {
      const line = text.slice(0, nl).trim();
      text = text.slice(nl + 1);
      if (line) yield JSON.parse(line) as Record<string, unknown>;
    }
  }
  const rest = (text + dec.end()).trim();
  if (rest) yield JSON.parse(rest) as Record<string, unknown>;
}

/** A pullImage listener that passes on layer status changes only: progress bars would flood a timeline. */
export function layerStatus(log: (line: string) => void): (line: string) => void {
  return (line) => {
    if (!line.includes('[')) log(line);
  };
}

export function streamError(msg: Record<string, unknown>): string | undefined {
  const detail = msg.errorDetail as { message?: string } | undefined;
  if (typeof msg.error === 'string') return msg.error;
  return detail?.message;
}

const isAbort = (e: unknown): boolean => e instanceof Error && (e.name === 'AbortError' || (e as { code?: string }).code === 'UND_ERR_ABORTED');

export interface CallOptions {
  body?: unknown;
  raw?: Buffer | Readable;
  contentType?: string;
  /** 0 disables the timeout (streams). */
  timeoutMs?: number;
  signal?: AbortSignal;
}

export class DockerEngine {
  /** Where the engine is, for messages ("/var/run/docker.sock", "tcp://host:2376"). */
  readonly address: string;
  /** Where the address came from ("dockerHost", "docker context ci", "default"). */
  readonly source: string;
  /** The engine's own machine as seen from here: where its published ports are (127.0.0.1 for a unix socket). */
  readonly engineHost: string;
  readonly local: boolean;
  private readonly agent: Agent;
  private readonly origin: string;
  protected readonly timeoutMs: number;
  /** A ping is quick, unless it opens an ssh connection. */
  private readonly pingTimeoutMs: number;
  /** For an ssh:// engine: the command that checks what its connections need, for error messages. */
  #sshCheck = '';
  private prefix: Promise<string> | undefined;

  constructor(opts: DockerEngineOptions = {}) {
    const resolved = opts.address ?? resolveEngineAddress(opts.host ?? process.env.DOCKER_HOST, process.env);
    const host = resolved.host;
    this.source = resolved.source;
    // Over ssh a call may first wait for a connection of its own: ssh's handshake (ConnectTimeout=30) and the
    // remote docker CLI starting; the call's own bound comes on top of that.
    const ssh = host.startsWith('ssh://');
    this.timeoutMs = opts.timeoutMs ?? (ssh ? 2 * DEFAULT_TIMEOUT_MS : DEFAULT_TIMEOUT_MS);
    this.pingTimeoutMs = ssh ? this.timeoutMs : 5000;
    if (host.startsWith('unix://')) {
      this.address = host.slice('unix://'.length);
      this.origin = 'http://docker';
      this.engineHost = '127.0.0.1';
      this.local = true;
      this.agent = new Agent({ connect: { socketPath: this.address } });
    } else if (host.startsWith('tcp://') || host.startsWith('http://') || host.startsWith('https://')) {
      this.address = host;
      const url = new URL(host.replace(/^tcp:/, resolved.tls ? 'https:' : 'http:'));
      this.origin = url.origin;
      this.engineHost = url.hostname.replace(/^\[|\]$/g, '');
      this.local = false;
      const tls = resolved.tls;
      this.agent = new Agent(tls ? { connect: { ...(tls.ca ? { ca: tls.ca } : {}), ...(tls.cert ? { cert: tls.cert } : {}), ...(tls.key ? { key: tls.key } : {}), rejectUnauthorized: tls.verify } } : {});
    } else if (host.startsWith('ssh://')) {
      this.address = host;
      this.origin = 'http://docker';
      this.local = false;
      try {
        const ep = parseSshUrl(host);
        this.#sshCheck = sshCheckCommand(ep);
        this.engineHost = sshHostName(ep, resolved.sshOptions);
        // A long keep-alive: each new connection is an ssh handshake (undici's default closes idle ones after 4 s).
        this.agent = new Agent({ connect: sshConnector(sshArgs(ep, resolved.sshOptions)), keepAliveTimeout: 60_000 });
      } catch (e) {
        throw new DockerError('unreachable', `DOCKER_HOST ${host} (${this.source}): ${(e as Error).message}`, undefined, undefined, { cause: e });
      }
    } else {
      throw new DockerError('unreachable', `unsupported DOCKER_HOST ${JSON.stringify(host)} (use unix:///path, tcp://host:port, ssh://user@host or a docker context)`);
    }
  }

  /** Closes pooled connections; streams in flight are aborted. */
  async close(): Promise<void> {
    await this.agent.destroy();
  }

  /** GET /_ping (unversioned); fixes the API version used by every other call to min(engine's, 1.41). */
  async ping(): Promise<{ apiVersion: string; engineApiVersion: string; osType: string }> {
    const res = await this.send('GET', '/_ping', { timeoutMs: this.pingTimeoutMs });
    await res.body.text();
    const engineApiVersion = String(res.headers['api-version'] ?? MAX_API_VERSION);
    const apiVersion = compareVersions(engineApiVersion, MAX_API_VERSION) < 0 ? engineApiVersion : MAX_API_VERSION;
    this.prefix = Promise.resolve(`/v${apiVersion}`);
    return { apiVersion, engineApiVersion, osType: String(res.headers['ostype'] ?? '') };
  }

  #info?: Promise<EngineInfo>;

  /** What /info says about the engine's machine, fetched once (a failed lookup is not cached). */
  info(): Promise<EngineInfo> {
    type Raw = { NCPU?: number; OperatingSystem?: string; OSType?: string; SecurityOptions?: string[] | null; Name?: string };
    this.#info ??= this.json<Raw>('GET', '/info').then((i) => ({
      cpus: i.NCPU ?? 0, operatingSystem: i.OperatingSystem ?? '', osType: i.OSType ?? '', name: i.Name ?? '',
      rootless: (i.SecurityOptions ?? []).some((o) => o.includes('name=rootless')),
    }));
    this.#info.catch(() => (this.#info = undefined));
    return this.#info;
  }

  /** The engine host's CPU count (/info NCPU): Docker refuses a NanoCpus above it. */
  async cpuCount(): Promise<number> {
    return (await this.info()).cpus;
  }

  async version(): Promise<VersionInfo> {
    const v = await this.json<Record<string, string>>('GET', '/version');
    return {
      version: v.Version ?? '', apiVersion: v.ApiVersion ?? '', minApiVersion: v.MinAPIVersion ?? '',
      os: v.Os ?? '', arch: v.Arch ?? '', kernelVersion: v.KernelVersion ?? '',
    };
  }

  async inspectImage(ref: string): Promise<ImageInfo | undefined> {
    try {
      const i = await this.json<{ Id: string; RepoDigests: string[] | null; RepoTags: string[] | null; Size: number; Created: string }>('GET', `/images/${seg(ref)}/json`);
      return { id: i.Id, repoDigests: i.RepoDigests ?? [], repoTags: i.RepoTags ?? [], size: i.Size, created: i.Created };
    } catch (e) {
      if (e instanceof DockerError && e.kind === 'not-found') return undefined;
      throw e;
    }
  }

  /** Pulls from a registry; progress lines go to onProgress, an error inside the stream rejects. */
  async pullImage(ref: string, onProgress?: (line: string) => void, signal?: AbortSignal): Promise<ImageInfo> {
    const { name, tag } = parseImageRef(ref);
    const res = await this.versioned('POST', `/images/create${qs({ fromImage: name, tag })}`, { timeoutMs: 0, ...(signal ? { signal } : {}) });
    for await (const msg of jsonLines(res.body)) {
      const err = streamError(msg);
      if (err) throw new DockerError('engine', `pull ${ref} failed: ${err}`, res.statusCode, err);
      if (onProgress && typeof msg.status === 'string') onProgress([msg.id, msg.status, msg.progress].filter(Boolean).join(' '));
    }
    const info = await this.inspectImage(ref);
    if (!info) throw new DockerError('engine', `pull ${ref} finished but the image is not there`);
    return info;
  }

  async createContainer(spec: ContainerSpec, name?: string): Promise<{ id: string; warnings: string[] }> {
    const r = await this.json<{ Id: string; Warnings: string[] | null }>('POST', `/containers/create${qs({ name })}`, { body: spec });
    return { id: r.Id, warnings: r.Warnings ?? [] };
  }

  /** 304 (already started / already stopped) counts as success. */
  async startContainer(id: string): Promise<void> { await this.json('POST', `/containers/${seg(id)}/start`); }

  async pauseContainer(id: string): Promise<void> { await this.json('POST', `/containers/${seg(id)}/pause`); }

  async unpauseContainer(id: string): Promise<void> { await this.json('POST', `/containers/${seg(id)}/unpause`); }

  /** SIGTERM, then SIGKILL after timeoutSec; the HTTP timeout is stretched to cover the grace period. */
  async stopContainer(id: string, timeoutSec = 10): Promise<void> {
    await this.json('POST', `/containers/${seg(id)}/stop${qs({ t: timeoutSec })}`, { timeoutMs: this.timeoutMs + timeoutSec * 1000 });
  }

  async removeContainer(id: string, opts: { force?: boolean; volumes?: boolean } = {}): Promise<void> {
    await this.json('DELETE', `/containers/${seg(id)}${qs({ force: opts.force, v: opts.volumes })}`);
  }

  async inspectContainer(id: string): Promise<ContainerInfo> {
    type Raw = {
      Id: string; Name: string; Image: string; Config: { Labels: Record<string, string> | null };
      State: { Status: string; Running: boolean; Paused: boolean; Restarting: boolean; OOMKilled: boolean; Dead: boolean; Pid: number; ExitCode: number; Error: string; StartedAt: string; FinishedAt: string };
      NetworkSettings: { Networks: Record<string, { IPAddress: string }> | null; Ports: Record<string, { HostIp: string; HostPort: string }[] | null> | null };
      HostConfig?: { Memory?: number; NanoCpus?: number };
    };
    const r = await this.json<Raw>('GET', `/containers/${seg(id)}/json`);
    const s = r.State;
    return {
      id: r.Id, name: r.Name.replace(/^\//, ''), image: r.Image, labels: r.Config.Labels ?? {},
      state: {
        status: s.Status, running: s.Running, paused: s.Paused, restarting: s.Restarting, oomKilled: s.OOMKilled, dead: s.Dead,
        pid: s.Pid, exitCode: s.ExitCode, error: s.Error, startedAt: s.StartedAt, finishedAt: s.FinishedAt,
      },
      ipAddresses: Object.fromEntries(Object.entries(r.NetworkSettings.Networks ?? {}).map(([n, v]) => [n, v.IPAddress])),
      ports: Object.fromEntries(Object.entries(r.NetworkSettings.Ports ?? {}).map(([p, b]) => [p, (b ?? []).map((x) => ({ hostIp: x.HostIp, hostPort: x.HostPort }))])),
      resources: { memory: r.HostConfig?.Memory ?? 0, nanoCpus: r.HostConfig?.NanoCpus ?? 0 },
    };
  }

  async listContainers(opts: { labels?: Record<string, string> | string[]; all?: boolean } = {}): Promise<ContainerSummary[]> {
    const l = opts.labels ?? [];
    const label = Array.isArray(l) ? l : Object.entries(l).map(([k, v]) => `${k}=${v}`);
    const filters = label.length > 0 ? JSON.stringify({ label }) : undefined;
    type Raw = { Id: string; Names: string[]; Image: string; ImageID: string; State: string; Status: string; Labels: Record<string, string> | null; Created: number };
    const rows = await this.json<Raw[]>('GET', `/containers/json${qs({ all: opts.all, filters })}`);
    return rows.map((c) => ({
      id: c.Id, names: c.Names.map((n) => n.replace(/^\//, '')), image: c.Image, imageId: c.ImageID,
      state: c.State, status: c.Status, labels: c.Labels ?? {}, created: c.Created,
    }));
  }

  async createVolume(name: string, labels: Record<string, string>): Promise<void> {
    await this.json('POST', '/volumes/create', { body: { Name: name, Labels: labels } });
  }

  async listVolumes(opts: { labels?: string[] } = {}): Promise<VolumeInfo[]> {
    const filters = opts.labels?.length ? JSON.stringify({ label: opts.labels }) : undefined;
    type Raw = { Volumes: { Name: string; Labels: Record<string, string> | null; CreatedAt?: string }[] | null };
    const r = await this.json<Raw>('GET', `/volumes${qs({ filters })}`);
    return (r.Volumes ?? []).map((v) => ({ name: v.Name, labels: v.Labels ?? {}, createdAt: v.CreatedAt ?? '' }));
  }

  async removeVolume(name: string): Promise<void> {
    await this.json('DELETE', `/volumes/${seg(name)}`);
  }

  /** The engine's clock (the Date of its answer, whole seconds), for comparing with times the engine recorded. */
  async now(): Promise<number> {
    const res = await this.send('GET', '/_ping', { timeoutMs: this.pingTimeoutMs });
    await res.body.dump();
    const date = Date.parse(String(res.headers.date ?? ''));
    if (Number.isNaN(date)) throw new DockerError('engine', 'the engine answered without a Date header');
    return date;
  }

  /** Logs so far, split into stdout/stderr. `since` is a unix time in seconds (or a Date). */
  async containerLogs(id: string, opts: { since?: number | Date; tail?: number | 'all' } = {}): Promise<{ stdout: string; stderr: string }> {
    const since = opts.since instanceof Date ? opts.since.getTime() / 1000 : opts.since;
    const res = await this.versioned('GET', `/containers/${seg(id)}/logs${qs({ stdout: true, stderr: true, since, tail: opts.tail })}`);
    const buf = Buffer.from(await res.body.arrayBuffer());
    // A Tty:true container logs raw text without frame headers.
    return buf.length === 0 || looksMultiplexed(buf) ? demultiplex(buf) : { stdout: buf.toString('utf8'), stderr: '' };
  }

  /**
   * Follows logs line by line until the container exits or `signal` aborts. Answers at once: Podman's service sends
   * the stream's headers only with the first log line, so waiting for them would wait for the container to print.
   * Nothing is missed with the default tail 'all'; a failed request rejects `done`.
   */
  async followLogs(id: string, onLine: (l: LogLine) => void, signal: AbortSignal, opts: { tail?: number | 'all' } = {}): Promise<StreamHandle> {
    const demux = new Demuxer();
    const partial = { stdout: '', stderr: '' };
    const decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
    const emit = (stream: 'stdout' | 'stderr', text: string, flush: boolean): void => {
      const lines = (partial[stream] + text).split('\n');
      partial[stream] = flush ? '' : (lines.pop() ?? '');
      for (const line of lines) if (!flush || line !== '') onLine({ stream, line });
    };
    const done = (async () => {
      try {
        const res = await this.versioned('GET', `/containers/${seg(id)}/logs${qs({ stdout: true, stderr: true, follow: true, tail: opts.tail ?? 'all' })}`, { timeoutMs: 0, signal });
        for await (const chunk of res.body) for (const f of demux.push(chunk as Buffer)) emit(f.stream, decoders[f.stream].write(f.data), false);
      } catch (e) {
        if (!isAbort(e)) throw this.wrap(e);
      }
      for (const s of ['stdout', 'stderr'] as const) emit(s, decoders[s].end(), true);
    })();
    return { done };
  }

  /**
   * Streams engine events (e.g. filters {type: ['image'], event: ['delete', 'untag']}) until `signal` aborts. Answers
   * at once, before the engine has subscribed (Podman's service sends the headers only with the first event): a
   * caller that must not miss an event passes `since` (unix seconds, e.g. from now()), and the engine replays from
   * there. A failed request rejects `done`.
   */
  async events(opts: { filters?: Record<string, string[]>; since?: number }, onEvent: (e: DockerEvent) => void, signal: AbortSignal): Promise<StreamHandle> {
    const filters = opts.filters ? JSON.stringify(opts.filters) : undefined;
    const done = (async () => {
      try {
        const res = await this.versioned('GET', `/events${qs({ filters, since: opts.since })}`, { timeoutMs: 0, signal });
        for await (const m of jsonLines(res.body)) {
          const actor = (m.Actor ?? {}) as { ID?: string; Attributes?: Record<string, string> };
          onEvent({
            type: String(m.Type ?? ''), action: String(m.Action ?? m.status ?? ''), id: actor.ID ?? String(m.id ?? ''),
            attributes: actor.Attributes ?? {}, time: Number(m.time ?? 0), timeNano: Number(m.timeNano ?? 0),
          });
        }
      } catch (e) {
        if (!isAbort(e)) throw this.wrap(e);
      }
    })();
    return { done };
  }

  /** A call with a JSON answer; protected for the test images' helpers (test/helpers/image-engine.ts). */
  protected async json<T = unknown>(method: Dispatcher.HttpMethod, path: string, opts: CallOptions = {}): Promise<T> {
    const res = await this.versioned(method, path, opts);
    const text = await res.body.text().catch((e: unknown) => {
      throw this.wrap(e, `${method} ${path}`, opts.timeoutMs ?? this.timeoutMs);
    });
    // Podman answers some calls (tag: 201) with a bare newline where Docker sends nothing.
    return (text.trim() ? JSON.parse(text) : undefined) as T;
  }

  protected async versioned(method: Dispatcher.HttpMethod, path: string, opts: CallOptions = {}): Promise<Dispatcher.ResponseData> {
    // Negotiate once; a failed ping is not cached so a later call can retry once the engine is up.
    this.prefix ??= this.ping().then(
      (p) => `/v${p.apiVersion}`,
      (e: unknown) => {
        this.prefix = undefined;
        throw e;
      },
    );
    return this.send(method, `${await this.prefix}${path}`, opts);
  }

  private async send(method: Dispatcher.HttpMethod, path: string, opts: CallOptions): Promise<Dispatcher.ResponseData> {
    const timeoutMs = opts.timeoutMs ?? this.timeoutMs;
    const signals = [opts.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter((s): s is AbortSignal => !!s);
    const body = opts.raw ?? (opts.body === undefined ? undefined : JSON.stringify(opts.body));
    const contentType = opts.contentType ?? (opts.body === undefined ? undefined : 'application/json');
    let res: Dispatcher.ResponseData;
    try {
      res = await this.agent.request({
        origin: this.origin, path, method, ...(body !== undefined ? { body } : {}),
        headers: contentType ? { 'content-type': contentType } : {},
        ...(signals.length > 0 ? { signal: AbortSignal.any(signals) } : {}),
        headersTimeout: timeoutMs, bodyTimeout: timeoutMs,
      });
    } catch (e) {
      if (opts.signal?.aborted) throw e; // the caller's own abort stays an AbortError
      throw this.wrap(e, `${method} ${path}`, timeoutMs);
    }
    if (res.statusCode < 400) return res;
    const text = await res.body.text().catch(() => '');
    let engineMessage = text.trim();
    try {
      engineMessage = (JSON.parse(text) as { message?: string }).message ?? engineMessage;
    } catch { /* plain-text error body */ }
    const kind: DockerErrorKind = res.statusCode === 404 ? 'not-found' : res.statusCode === 409 ? 'conflict' : 'engine';
    throw new DockerError(kind, `docker ${method} ${path}: ${res.statusCode} ${engineMessage}`, res.statusCode, engineMessage);
  }

  /** Connection failures become 'unreachable' with a hint, timeouts an 'engine' error; anything else passes through. */
  protected wrap(e: unknown, what = 'request', timeoutMs = 0): unknown {
    if (e instanceof DockerError) return e;
    const code = (e as { code?: string }).code ?? (e as { cause?: { code?: string } }).cause?.code;
    if ((e instanceof Error && e.name === 'TimeoutError') || code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
      return new DockerError('engine', `docker ${what} timed out after ${timeoutMs} ms`, undefined, undefined, { cause: e });
    }
    if (code === 'ESSHEXIT') {
      return new DockerError('unreachable', `no Docker engine reachable at ${this.address}: ${(e as Error).message} (each connection is ssh … docker system dial-stdio: \`${this.#sshCheck}\` must work without a prompt)`, undefined, undefined, { cause: e });
    }
    if (code && /CERT|TLS|SSL|SELF_SIGNED/.test(code)) {
      return new DockerError('unreachable', `no Docker engine reachable at ${this.address}: TLS failed (${code}: ${(e as Error).message}; check DOCKER_CERT_PATH / DOCKER_TLS_VERIFY)`, undefined, undefined, { cause: e });
    }
    if (code === 'ENOENT' || code === 'ECONNREFUSED' || code === 'EACCES' || code === 'UND_ERR_SOCKET' || code === 'ECONNRESET') {
      const why = code === 'ENOENT' ? 'socket does not exist' : code === 'EACCES' ? 'permission denied' : code === 'ECONNREFUSED' ? 'connection refused' : 'connection lost';
      return new DockerError('unreachable', `no Docker engine reachable at ${this.address} (${why}; set DOCKER_HOST)`, undefined, undefined, { cause: e });
    }
    return e;
  }
}
