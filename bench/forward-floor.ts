/**
 * @module
 * The floor of any forwarding stand-in written in Node.js, in a process of its own: bare node:http that forwards each
 * request to the target origin given on the command line (`node --import tsx bench/forward-floor.ts http://host:port`)
 * with undici over keep-alive connections (one Pool, no connection limit, as localfc's process backend keeps per
 * instance) through its cheapest API (dispatch() with a handler that gathers the body into a Buffer, as localfc does),
 * and answers with the target's status, headers and body. Nothing else: no routing, validation, FC headers or log.
 * The distance from the handler called directly to this is the forward's own (two HTTP legs in one event loop); from
 * this to localfc, localfc's. Prints `listening on …`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Dispatcher, Pool } from 'undici';

const target = new URL(process.argv[2] ?? 'http://127.0.0.1:9000');
const pool = new Pool(target.origin, { keepAliveTimeout: 30_000 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host']);

/** Answers the client with what the target answered: undici's dispatch() and the body gathered into a Buffer (no response stream). */
class Relay implements Dispatcher.DispatchHandler {
  #status = 0;
  #headers: Record<string, string | string[]> = {};
  readonly #chunks: Buffer[] = [];
  constructor(readonly res: http.ServerResponse) {}
  /** Present so undici takes this for a handler of its current API (one without it is taken for the older one). */
  onRequestStart(): void {}
  onResponseStart(_c: Dispatcher.DispatchController, status: number, headers: Record<string, string | string[] | undefined>): void {
    if (status < 200) return;
    this.#status = status;
    for (const [k, v] of Object.entries(headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) this.#headers[k] = v;
  }
  onResponseData(_c: Dispatcher.DispatchController, chunk: Buffer): void {
    this.#chunks.push(chunk);
  }
  onResponseEnd(): void {
    this.res.writeHead(this.#status, this.#headers).end(Buffer.concat(this.#chunks));
  }
  onResponseError(_c: Dispatcher.DispatchController, e: Error): void {
    this.res.writeHead(502).end(String(e));
  }
}

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    pool.dispatch({ origin: target.origin, path: req.url ?? '/', method: req.method as 'POST', headers, body: hasBody ? Buffer.concat(chunks) : null }, new Relay(res));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
