/**
 * @module
 * When a freshly started instance may take requests: without a health check, as soon as its port accepts a TCP
 * connection; with FC's healthCheckConfig, once `GET httpGetUrl` answered 2xx/3xx `successThreshold` times in a row,
 * probed every `periodSeconds` once the port is open, the initializer (if any, `beforeHealthCheck`) has run and
 * `initialDelaySeconds` have passed. `failureThreshold` failures in a row fail the start. Also the single probe the
 * periodic health check of running instances uses (domain/instance-health.ts, through Backend.probeHealth).
 * Shared by the process and container backends; it knows nothing of either.
 */
import { createConnection } from 'node:net';
import { request } from 'undici';
import type { HealthCheckConfig } from '../domain/model.ts';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ReadinessOptions {
  readonly port: number;
  readonly host?: string;
  readonly healthCheck?: HealthCheckConfig;
  /** Overall bound (the start timeout); exceeding it throws a ReadinessError. */
  readonly timeoutMs: number;
  /** Checked between attempts (e.g. "the process exited"); an error returned is thrown at once. */
  readonly failed: () => Error | undefined;
  /** Whether what accepts connections on the port is this instance: on a port instances take turns on, another process may briefly hold it. */
  readonly owned?: () => boolean;
  /** Whether the server listens, instead of a TCP connection (which a published port's proxy accepts before it does). */
  readonly reachable?: () => Promise<boolean>;
  /** Runs once the port accepts connections, before the first health probe (FC runs the initializer there); its error is thrown as is. */
  readonly beforeHealthCheck?: () => Promise<void>;
}

/** The instance never became ready; `kind` tells a failed health check from silence on the port. */
export class ReadinessError extends Error {
  constructor(
    readonly kind: 'timeout' | 'unhealthy',
    message: string,
  ) {
    super(message);
    this.name = 'ReadinessError';
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


const healthPath = (hc: HealthCheckConfig): string => (hc.httpGetUrl!.startsWith('/') ? hc.httpGetUrl! : `/${hc.httpGetUrl!}`);

/** One health probe of `hc` against the instance at `baseUrl` (`http://host:port`): undefined when it passed, else why it failed. */
export async function probeHealthCheck(baseUrl: string, hc: HealthCheckConfig): Promise<string | undefined> {
  const timeoutMs = (hc.timeoutSeconds ?? 1) * 1000;
  try {
    const url = `${baseUrl}${healthPath(hc)}`;
    const res = await request(url, { method: 'GET', signal: AbortSignal.timeout(timeoutMs), headers: { 'user-agent': 'localfc-health-check' } });
    await res.body.dump();
    return res.statusCode >= 200 && res.statusCode < 400 ? undefined : `HTTP ${res.statusCode}`;
  } catch (e) {
    const name = e instanceof Error ? e.name : '';
    return name === 'TimeoutError' || name === 'AbortError' ? `no answer within ${timeoutMs / 1000} s` : e instanceof Error ? e.message : String(e);
  }
}

async function waitForPort(o: ReadinessOptions, host: string): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  let someoneElse = false;
  for (;;) {
    const early = o.failed();
    if (early) throw early;
    if (await (o.reachable ? o.reachable() : canConnect(o.port, host))) {
      if (o.owned?.() ?? true) return;
      someoneElse = true;
    }
    const late = o.failed();
    if (late) throw late;
    if (Date.now() > deadline) throw new ReadinessError('timeout', someoneElse ? `port ${o.port} stayed in use by another process for ${Math.round(o.timeoutMs / 1000)} s` : `nothing listened on port ${o.port} within ${Math.round(o.timeoutMs / 1000)} s`);
    await sleep(20);
  }
}

async function waitForHealth(o: ReadinessOptions, host: string, hc: HealthCheckConfig): Promise<void> {
  const deadline = Date.now() + o.timeoutMs;
  const path = healthPath(hc);
  const base = `http://${host.includes(':') ? `[${host}]` : host}:${o.port}`;
  const periodMs = (hc.periodSeconds ?? 3) * 1000;
  const needed = hc.successThreshold ?? 1;
  const allowed = hc.failureThreshold ?? 3;
  let successes = 0;
  let failures = 0;
  let last = '';
  // Refused connections before the server listens are not failures: probing starts once the port is open and the
  // initial delay (counted from the start) has passed.
  const started = Date.now();
  await waitForPort(o, host);
  await o.beforeHealthCheck?.();
  await sleep(Math.max(0, started + (hc.initialDelaySeconds ?? 0) * 1000 - Date.now()));
  for (;;) {
    const early = o.failed();
    if (early) throw early;
    const why = await probeHealthCheck(base, hc);
    const late = o.failed();
    if (late) throw late;
    if (why === undefined) {
      failures = 0;
      if (++successes >= needed) return;
    } else {
      successes = 0;
      last = why;
      if (++failures >= allowed) throw new ReadinessError('unhealthy', `Function instance health check failed on port ${o.port} (GET ${path}: ${why}; ${failures} failure(s) in a row, failureThreshold ${allowed})`);
    }
    if (Date.now() + periodMs > deadline) throw new ReadinessError('timeout', `Function instance health check did not pass on port ${o.port} within ${Math.round(o.timeoutMs / 1000)} s${last ? ` (last probe: ${last})` : ''}`);
    await sleep(periodMs);
  }
}

/** Resolves once the instance is ready; throws `failed()`'s error or a ReadinessError. */
export async function waitUntilReady(o: ReadinessOptions): Promise<void> {
  const host = o.host ?? '127.0.0.1';
  if (o.healthCheck?.httpGetUrl) return waitForHealth(o, host, o.healthCheck);
  await waitForPort(o, host);
  await o.beforeHealthCheck?.();
}
