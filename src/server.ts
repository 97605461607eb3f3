/**
 * @module
 * start(): serve an app on a real port; returns the endpoint the SDK takes (`host:port`, no scheme) and stop().
 */
import { createServer, type IncomingMessage, type RequestListener, type Server, type ServerResponse } from 'node:http';
import { type AddressInfo, isIP } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { type AppDeps, createApp, type LocalfcApp } from './app.ts';
import { type ConfigInput, parseStartOptions } from './config.ts';
import { upgradeListener } from './api/upgrade.ts';

export interface RunningLocalfc {
  /** `127.0.0.1:PORT`: pass as the SDK's `endpoint` with `protocol: 'http'`. */
  readonly endpoint: string;
  /** `http://127.0.0.1:PORT`, for plain HTTP clients. */
  readonly url: string;
  readonly port: number;
  readonly localfc: LocalfcApp;
  stop(): Promise<void>;
}

/**
 * Node's request and header timeouts off: Node times them from the connection's accept, so when localfc's event loop is
 * busy between accepting a connection and reading it (a burst of cold starts on a loaded CI machine), it answers a
 * request that arrived in full with its own `408 Request Timeout`, which FC never sends. Idle keep-alive connections still
 * close after Node's keepAliveTimeout.
 */
const NO_REQUEST_TIMEOUTS = { requestTimeout: 0, headersTimeout: 0 } as const;

export async function start(options: ConfigInput = {}, deps: AppDeps = {}): Promise<RunningLocalfc> {
  const config = parseStartOptions(options);
  const localfc = createApp(config, deps);
  await localfc.restore();
  // The fast routes' listener in front of the one @hono/node-server makes for the app (api/hot-routes.ts).
  const fallback = appListener(localfc.fetch, config.host);
  const listener = localfc.listener(fallback.listener);
  const server = createServer(NO_REQUEST_TIMEOUTS, listener);
  // WebSocket through HTTP triggers and custom domains: Node.js gives Upgrade requests to this listener only.
  const upgrades = upgradeListener(listener);
  server.on('upgrade', upgrades.onUpgrade);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    listenOn(server, config.port, config.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  // A wildcard address is not something a client can connect to: advertise loopback, which it also listens on.
  const reachable = config.host === '0.0.0.0' ? '127.0.0.1' : config.host === '::' ? '::1' : config.host;
  const host = reachable.includes(':') ? `[${reachable}]` : reachable;
  // Printed even with log 'silent': an open admin API on a network interface is worth one line of noise.
  if (!isLoopback(config.host) && !config.adminToken) {
    const warn = deps.logLine ?? ((l: string) => process.stderr.write(`${l}\n`));
    warn(`WARNING: localfc listens on ${config.host} without an admin token: anyone who can reach port ${port} can reset state, move the clock and inject faults through /_localfc. Set adminToken (LOCALFC_ADMIN_TOKEN, --admin-token).`);
    if (config.accessKeys.length === 0) warn('WARNING: signature verification is off (no accessKeys): any AccessKey is accepted on the FC API.');
  }
  let stopped: Promise<void> | undefined;
  warmUpWhenIdle(server, localfc.warmUpSteps, fallback.prepare, () => stopped !== undefined);
  return {
    endpoint: `${host}:${port}`,
    url: `http://${host}:${port}`,
    port,
    localfc,
    stop() {
      stopped ??= (async () => {
        await new Promise<void>((resolve) => {
          server.close(() => resolve());
          (server as unknown as { closeAllConnections?: () => void }).closeAllConnections?.();
          upgrades.closeAll();
        });
        await localfc.close();
      })();
      return stopped;
    },
  };
}

/**
 * @hono/node-server's listener for the app (what its serve() gives the server), made on the first request the fast
 * routes do not take, or by `prepare` after the first answer: in the bundle, @hono/node-server itself is loaded then
 * (scripts/bundle.mjs), as its module loads Node.js's internal undici (its Request and Response stand in for the
 * globals), about 40 ms of a start-up that the health check a fresh server is asked first does not need.
 */
function appListener(fetch: (request: Request) => Response | Promise<Response>, hostname: string): { listener: RequestListener; prepare: () => void } {
  let listener: RequestListener | undefined;
  const prepare = () => (listener ??= getRequestListener(fetch, { hostname }));
  return { listener: (req, res) => prepare()(req, res), prepare };
}

/** net.Server's own last step of listen() (setupListenHandle), for an address: what listen() ends in outside a cluster worker. */
type ListenHandle = (address: string, port: number, family: number, backlog?: number, fd?: number, flags?: number) => void;

/**
 * `server.listen(port, host, onListening)`, but for an IP address (the default, 127.0.0.1) through the step listen()
 * ends in, `_listen2`, as listen() itself calls it in a process that is no cluster worker: listen() first loads Node's
 * dns module (it looks up any host, an address too) and its cluster module (to ask whether this is a worker), ~70 page
 * faults and 2-3 ms of a start-up that answers nothing sooner for them. The same bind, backlog, errors ('error' on the
 * next tick) and 'listening' event; a host name, a cluster worker or a Node.js without `_listen2` takes listen().
 */
export function listenOn(server: Server, port: number, host: string, onListening: () => void): void {
  const family = isIP(host);
  const listen2 = (server as unknown as { _listen2?: ListenHandle })._listen2;
  if (family === 0 || typeof listen2 !== 'function' || process.env.NODE_UNIQUE_ID !== undefined || !Number.isInteger(port) || port < 0 || port > 65535) {
    server.listen(port, host, onListening);
    return;
  }
  server.once('listening', onListening);
  listen2.call(server, host, port, family);
}

/** With no request this long after listening, an idle server builds its route groups anyway. */
const IDLE_WARM_UP_MS = 100;

/**
 * What start-up leaves to after listening (app.ts warmUpSteps: the route groups a client's first API calls need, hono's
 * router) is done once the first request is answered, or after IDLE_WARM_UP_MS with none, one step per turn of the
 * event loop, so a request that comes meanwhile waits for one step at most; then, after the first answer only,
 * @hono/node-server (`prepareApp`), which a health check answered by the fast routes must not load. A step the
 * request itself needed has already run and costs nothing; a step that fails is left for the request that needs it,
 * which then gets its error.
 */
export function warmUpWhenIdle(server: Server, steps: ReadonlyArray<() => unknown>, prepareApp: () => unknown, stopped: () => boolean): void {
  const done = new Set<() => unknown>();
  const run = async (list: ReadonlyArray<() => unknown>) => {
    for (const step of list) {
      await new Promise((resolve) => setImmediate(resolve));
      if (stopped() || done.has(step)) continue;
      done.add(step);
      // A step that throws, at once or later, is left for the request that needs it (never an unhandled rejection).
      await Promise.resolve().then(step).catch(() => undefined);
    }
  };
  const idle = setTimeout(() => void run(steps), IDLE_WARM_UP_MS).unref();
  server.once('request', (_req: IncomingMessage, res: ServerResponse) => {
    let answered = false;
    const afterAnswer = () => {
      if (answered) return;
      answered = true;
      clearTimeout(idle);
      void run([...steps, prepareApp]);
    };
    if (res.writableFinished) afterAnswer();
    else res.once('finish', afterAnswer).once('close', afterAnswer);
  });
}

/** Addresses only this machine can reach; anything else (0.0.0.0, ::, a LAN address) is exposed. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127\.\d+\.\d+\.\d+$/.test(h) || /^::ffff:127\./.test(h);
}
