/**
 * @module
 * The floor of localfc's stack, in a process of its own: hono on @hono/node-server (what localfc serves with) with
 * nothing but the two FC paths, answering GetFunction's body given on the command line and echoing InvokeFunction's
 * body as the simulated backend does. The distance from bare node:http to this is the framework's, not localfc's.
 * Prints `listening on …` like bench/bare-server.ts.
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';

const body = process.argv[2] ?? '{}';
const app = new Hono();
app.get('/2023-03-30/functions/:functionName', (c) => c.body(body, 200, { 'content-type': 'application/json' }));
app.post('/2023-03-30/functions/:functionName/invocations', async (c) => c.body(new Uint8Array(await c.req.arrayBuffer()), 200, { 'content-type': 'application/json' }));
const server = serve({ fetch: app.fetch, hostname: '127.0.0.1', port: 0 }, () => process.stdout.write(`listening on http://127.0.0.1:${(server.address() as AddressInfo).port}\n`));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
