/**
 * @module
 * The two things the process and container backends check on an instance's server: that its port accepts a TCP
 * connection (the first step of a cold start, bounded by the pool's start-up timeout on localfc's clock), and one probe
 * of FC's healthCheckConfig (`GET httpGetUrl`, 200–399 passes), which the pool schedules at start-up and periodically
 * (domain/instance-health.ts). Shared by both backends; it knows nothing of either.
 */
import { createConnection } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { request } from 'undici';
import type { HealthCheckConfig } from '../domain/model.ts';

export interface ListenOptions {
  readonly port: number;
  readonly host?: string;
  /** The pool's start-up timeout (on localfc's clock): once aborted, the wait throws a StartupTimeout. */
  readonly signal?: AbortSignal;
  /** Checked between attempts (e.g. "the process exited"); an error returned is thrown at once. */
  readonly failed: () => Error | undefined;
  /** Whether what accepts connections on the port is this instance: on a port instances take turns on, another process may briefly hold it. */
  readonly owned?: () => boolean;
  /** Whether the server listens, instead of a TCP connection (which a published port's proxy accepts before it does). */
  readonly reachable?: () => Promise<boolean>;
}

/** Nothing (of this instance) listened on the port before the start-up timeout; `someoneElse` when another process held it. */
export class StartupTimeout extends Error {
  constructor(readonly someoneElse: boolean) {
    super('the start-up timeout passed before the instance listened');
    this.name = 'StartupTimeout';
  }
}

/** One TCP connection attempt: true when something listens on the port. */
export function canConnect(port: number, host = '127.0.0.1', timeoutMs = 1000): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = createConnection({ port, host });
    const done = (ok: boolean): void => {
      sock.removeAllListeners();
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.setTimeout(timeoutMs, () => done(false));
  });
}

/**
 * Resolves once the instance's port accepts connections; throws `failed()`'s error, or a StartupTimeout once `signal`
 * is aborted. Polls every 20 ms: that is how soon a listening server is seen, not a bound.
 */
export async function waitUntilListening(o: ListenOptions): Promise<void> {
  const host = o.host ?? '127.0.0.1';
  let someoneElse = false;
  for (;;) {
    const early = o.failed();
    if (early) throw early;
    if (o.signal?.aborted) throw new StartupTimeout(someoneElse);
    if (await (o.reachable ? o.reachable() : canConnect(o.port, host))) {
      if (o.owned?.() ?? true) return;
      someoneElse = true;
    }
    const late = o.failed();
    if (late) throw late;
    await sleep(20);
  }
}

const healthPath = (hc: HealthCheckConfig): string => (hc.httpGetUrl!.startsWith('/') ? hc.httpGetUrl! : `/${hc.httpGetUrl!}`);

/**
 * One health probe of `hc` against the instance at `baseUrl` (`http://host:port`): undefined when it passed, else why
 * it failed. `signal` is the probe's `timeoutSeconds`, on localfc's clock (the pool arms it).
 */
export async function probeHealthCheck(baseUrl: string, hc: HealthCheckConfig, signal?: AbortSignal): Promise<string | undefined> {
  try {
    const res = await request(`${baseUrl}${healthPath(hc)}`, { method: 'GET', ...(signal ? { signal } : {}), headers: { 'user-agent': 'localfc-health-check' } });
    await res.body.dump();
    return res.statusCode >= 200 && res.statusCode < 400 ? undefined : `HTTP ${res.statusCode}`;
  } catch (e) {
    if (signal?.aborted) return `no answer within ${hc.timeoutSeconds ?? 1} s`;
    return e instanceof Error ? e.message : String(e);
  }
}
