/**
 * @module
 * `ssh://[user@]host[:port][/socket]` engines, reached as the docker CLI reaches them: every connection is a child
 * `ssh … -- host docker system dial-stdio`, whose stdio the remote docker CLI bridges to its engine.
 *
 * The system `ssh`, not a library (docker-modem + ssh2): it is what the docker CLI runs, so whatever makes
 * `docker -H ssh://…` work for a user makes localfc work too: ~/.ssh/config (Host aliases, ProxyJump, IdentityFile,
 * ControlMaster), the agent, known_hosts checking, hardware keys. ssh2 reimplements the protocol and reads none of the
 * config; docker-modem even connects without checking the host key. One process per connection costs a handshake,
 * which the long keep-alive below amortises.
 *
 * Each connection is handed to undici as the child's stdio wrapped in one Duplex (its `connect` function), rather
 * than through a private unix socket forwarding to children: no socket file to create, guard and clean up, and the
 * child's exit status and stderr become the connection's error, so a refused key or an unknown host key is told as
 * ssh tells it instead of as "other side closed".
 */
import { type ChildProcessByStdio, execFileSync, spawn } from 'node:child_process';
import type { Socket } from 'node:net';
import { Duplex, type Readable, type Writable } from 'node:stream';
import type { buildConnector } from 'undici';

export interface SshEndpoint {
  readonly user?: string;
  readonly host: string;
  readonly port?: string;
  /** The engine's socket on the remote machine (the remote CLI's default when absent). */
  readonly path?: string;
}

/** Parses as the docker CLI does: no password, query or fragment; a path names the remote engine's socket. */
export function parseSshUrl(url: string): SshEndpoint {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new Error(`invalid ssh URL ${JSON.stringify(url)}`);
  }
  if (u.protocol !== 'ssh:') throw new Error(`invalid ssh URL ${JSON.stringify(url)}: the scheme is not ssh`);
  if (u.password) throw new Error(`invalid ssh URL ${JSON.stringify(url)}: a plain-text password is not supported (use a key or the agent)`);
  if (!u.hostname) throw new Error(`invalid ssh URL ${JSON.stringify(url)}: the host name is empty`);
  if (u.search) throw new Error(`invalid ssh URL ${JSON.stringify(url)}: query parameters are not allowed`);
  if (u.hash) throw new Error(`invalid ssh URL ${JSON.stringify(url)}: fragments are not allowed`);
  const path = decodeURIComponent(u.pathname);
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    ...(u.username ? { user: decodeURIComponent(u.username) } : {}),
    ...(u.port ? { port: u.port } : {}),
    ...(path.replace(/\//g, '') ? { path } : {}),
  };
}

/** Single-quotes a word for the remote shell, which receives ssh's command as one line. */
const shellWord = (s: string): string => (/^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`);

/**
 * ssh's arguments for one connection. `options` come first (a caller's -F/-i/-o win: ssh keeps the first value of an
 * option), then the docker CLI's own (-T, ConnectTimeout=30) and BatchMode: localfc is a server, nobody is at a
 * terminal to type a password or accept a host key, so ssh fails with its reason instead of waiting on /dev/tty.
 */
export function sshArgs(ep: SshEndpoint, options: readonly string[] = []): string[] {
  const remote = ['docker', ...(ep.path ? [`--host=unix://${ep.path}`] : []), 'system', 'dial-stdio'];
  return [...options, '-T', '-o', 'ConnectTimeout=30', '-o', 'BatchMode=yes', ...target(ep), remote.map(shellWord).join(' ')];
}

/** The command a user can run to check what each connection needs: a login without a prompt, and docker there. */
export function sshCheckCommand(ep: SshEndpoint): string {
  const login = [...(ep.port ? ['-p', ep.port] : []), `${ep.user ? `${ep.user}@` : ''}${ep.host}`];
  return ['ssh', ...login, 'docker', ...(ep.path ? [shellWord(`--host=unix://${ep.path}`)] : []), 'version'].join(' ');
}

const target = (ep: SshEndpoint): string[] => [...(ep.user ? ['-l', ep.user] : []), ...(ep.port ? ['-p', ep.port] : []), '--', ep.host];

/**
 * The machine the URL's host names once ~/.ssh/config has had its say (`ssh -G`: HostName of a Host alias), which is
 * where the engine's published ports are. Reads only local configuration; connects nowhere.
 */
export function sshHostName(ep: SshEndpoint, options: readonly string[] = []): string {
  let out: string;
  try {
    out = execFileSync('ssh', ['-G', ...options, ...target(ep)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 10_000 });
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT') throw new Error('ssh:// engines need the OpenSSH client (ssh) on PATH, as the docker CLI does');
    throw new Error(`ssh -G ${ep.host} failed: ${(err.stderr ?? '').trim() || err.message}`);
  }
  return /^hostname (.+)$/m.exec(out)?.[1]?.trim() ?? ep.host;
}

/** An ssh child's exit as a connection error: its status and what it said (auth refused, host key, no docker). */
export class SshExitError extends Error {
  override readonly name = 'SshExitError';
  readonly code = 'ESSHEXIT';
  constructor(readonly exitCode: number | null, readonly signal: NodeJS.Signals | null, readonly stderr: string) {
    super(`ssh exited with ${exitCode ?? signal}${stderr ? `: ${stderr}` : ''}`);
  }
}

type SshChild = ChildProcessByStdio<Writable, Readable, Readable>;

/**
 * One connection: writes go to the child's stdin, its stdout is read back. The end of stdout is passed on only once
 * the child has exited, so that a failed ssh ends the connection with its own error instead of a bare end of stream.
 * Destroying the stream (undici closing an idle or broken connection, the agent's destroy) ends the child.
 */
class SshConnection extends Duplex {
  #stderr = '';
  #exited = false;

  constructor(private readonly child: SshChild) {
    super({ allowHalfOpen: false });
    child.stdout.on('data', (chunk: Buffer) => {
      if (!this.push(chunk)) child.stdout.pause();
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (s: string) => (this.#stderr = (this.#stderr + s).slice(-2000)));
    child.stdin.on('error', () => undefined); // EPIPE once the child is gone: its exit tells why
    child.once('error', (e: NodeJS.ErrnoException) => {
      this.#exited = true;
      this.destroy(e.code === 'ENOENT' ? Object.assign(new Error('ssh:// engines need the OpenSSH client (ssh) on PATH'), { code: 'ESSHEXIT' }) : e);
    });
    // 'close': exited and its stdio drained, so stderr is complete.
    child.once('close', (code: number | null, signal: NodeJS.Signals | null) => {
      this.#exited = true;
      if (this.destroyed) return;
      if (code === 0) this.push(null);
      else this.destroy(new SshExitError(code, signal, this.#stderr.split(/\r?\n/).map((l) => l.trim()).filter(Boolean).slice(-3).join(' / ')));
    });
  }

  override _read(): void {
    this.child.stdout.resume();
  }

  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    if (this.child.stdin.write(chunk)) cb();
    else this.child.stdin.once('drain', () => cb());
  }

  override _final(cb: (e?: Error | null) => void): void {
    this.child.stdin.end();
    cb();
  }

  /** Ends the child and waits for it, so that closing the engine leaves no ssh process behind. */
  override _destroy(err: Error | null, cb: (e?: Error | null) => void): void {
    if (this.#exited || this.child.exitCode !== null || this.child.signalCode !== null) return cb(err);
    const stubborn = setTimeout(() => this.child.kill('SIGKILL'), 5000).unref();
    this.child.once('exit', () => {
      clearTimeout(stubborn);
      cb(err);
    });
    this.child.kill('SIGTERM');
  }

  /** undici unrefs an idle pooled connection: an idle ssh child must not keep localfc's process alive. */
  unref(): this {
    this.child.unref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { unref?: () => void }[]) s.unref?.();
    return this;
  }

  ref(): this {
    this.child.ref();
    for (const s of [this.child.stdin, this.child.stdout, this.child.stderr] as unknown as { ref?: () => void }[]) s.ref?.();
    return this;
  }
}

/**
 * How many ssh children may be between spawn and their first answer at once. sshd drops new connections at random
 * once 10 are unauthenticated (MaxStartups' default 10:30:100), which a burst of cold starts (each a few engine
 * calls on connections of their own) would reach; the rest wait their turn here. 4 leaves room for the user's own
 * sessions and other clients of the same sshd.
 */
export const MAX_HANDSHAKES = 4;

/** undici's `connect` for an ssh engine: each new connection spawns `ssh … dial-stdio`. */
export function sshConnector(args: readonly string[]): buildConnector.connector {
  let handshaking = 0;
  const waiting: (() => void)[] = [];
  const open = (cb: buildConnector.Callback): void => {
    handshaking++;
    let released = false;
    const release = (): void => {
      if (released) return;
      released = true;
      handshaking--;
      waiting.shift()?.();
    };
    const child = spawn('ssh', args, { stdio: ['pipe', 'pipe', 'pipe'] });
    child.stdout.once('data', release);
    child.once('close', release);
    child.once('error', release);
    const conn = new SshConnection(child);
    // Once spawned, never synchronously: undici starts writing from its own callback only when it comes later.
    // undici reads and writes it as a stream; the Socket-only calls it makes are optional (ref/unref are provided).
    child.once('spawn', () => cb(null, conn as unknown as Socket));
    conn.once('error', (e) => {
      if (child.pid === undefined) cb(e, null); // not spawned (no ssh): the connection attempt fails
    });
  };
  return (_opts, cb) => {
    if (handshaking < MAX_HANDSHAKES) open(cb);
    else waiting.push(() => open(cb));
  };
}
