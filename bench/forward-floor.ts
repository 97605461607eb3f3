/**
 * @module
 * The floor of any forwarding stand-in written in Node.js, in a process of its own: bare node:http that forwards each
 * request to the target origin given on the command line (`node --import tsx bench/forward-floor.ts http://host:port`)
 * with undici over keep-alive connections (one Pool, no connection limit, as localfc's process backend keeps per
 * instance), body read whole into a Buffer, and answers with the target's status, headers and body. Nothing else: no
 * routing, validation, FC headers or log. The distance from the handler called directly to this is the forward's
 * own (two HTTP legs in one event loop); from this to localfc, localfc's. Prints `listening on …`.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Pool } from 'undici';

const target = new URL(process.argv[2] ?? 'http://127.0.0.1:9000');
const pool = new Pool(target.origin, { keepAliveTimeout: 30_000 });
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'transfer-encoding', 'host']);

const server = http.createServer((req, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c)).on('end', () => {
    const headers: Record<string, string | string[]> = {};
    for (const [k, v] of Object.entries(req.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) headers[k] = v;
    const hasBody = req.method !== 'GET' && req.method !== 'HEAD';
    pool.request({ origin: target.origin, path: req.url ?? '/', method: req.method as 'POST', headers, body: hasBody ? Buffer.concat(chunks) : null })
      .then(async (r) => {
        const body = Buffer.from(await r.body.arrayBuffer());
        const out: Record<string, string | string[]> = {};
        for (const [k, v] of Object.entries(r.headers)) if (v !== undefined && !HOP_BY_HOP.has(k)) out[k] = v;
        res.writeHead(r.statusCode, out).end(body);
      })
      .catch((e: unknown) => res.writeHead(502).end(String(e)));
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
