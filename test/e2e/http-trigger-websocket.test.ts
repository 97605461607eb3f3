/**
 * WebSocket through an HTTP trigger, as FC 3.0 relays it to a web function (user guide "Configure an HTTP trigger and use
 * WebSocket to trigger a function": the function's server handles the connection "until the connection closes or the
 * execution timeout is reached", then "Function Compute forcibly closes the connection and the client receives status
 * code 1006"). It was refused with 400 NotSupported (before that, answered 200 with no 101: a new user's trial, R14).
 * Real server on a free port, the process backend, a custom runtime server speaking WebSocket by hand (no package in its
 * code), undici's WebSocket client, the manual clock.
 */
import assert from 'node:assert/strict';
import { connect as tcpConnect } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { WebSocket } from 'undici';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { advanceClock } from '../helpers/clock.ts';
import { adminApi, createHttpTrigger, postOk } from '../helpers/fc-api.ts';
import { gateServer, type GateServer } from '../helpers/gate-server.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { deployWebFunction, WEBSOCKET_SERVER } from '../helpers/web-function.ts';
import { createZip } from '../helpers/zip.ts';

/** `/chat?tag=T`: a WebSocket echo (short text frames), noting T-closed when its connection closes; other paths refuse with 426. */
const SERVER = `
const http = require('http');
const crypto = require('crypto');
const note = (what) => http.get({ host: '127.0.0.1', port: Number(process.env.GATE_PORT), path: '/note/' + what, agent: false }, (res) => res.resume());
${WEBSOCKET_SERVER}
const server = http.createServer((req, res) => res.end('plain'));
server.on('upgrade', (req, socket) => {
  const url = new URL(req.url, 'http://x');
  if (url.pathname !== '/chat') return socket.end('HTTP/1.1 426 Upgrade Required\\r\\ncontent-type: text/plain\\r\\ncontent-length: 7\\r\\nconnection: close\\r\\n\\r\\nno chat');
  socket.on('close', () => note(url.searchParams.get('tag') + '-closed'));
  acceptWebSocket(req, socket, (text) => 'echo: ' + text);
});
server.listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');
`;

describe('WebSocket through an HTTP trigger (process backend)', { timeout: 120_000 }, () => {
  let fc: RunningLocalfc;
  let gates: GateServer;
  const logLines: string[] = [];
  const admin = adminApi(() => fc.url);

  before(async () => {
    gates = await gateServer();
    fc = await start({ clock: 'manual', backend: 'process', log: 'text' }, { logLine: (l) => logLines.push(l) });
    await deployWebFunction(fc.url, 'ws', SERVER, { timeout: 5, environmentVariables: { GATE_PORT: String(gates.port) } });
    await postOk(fc.url, '/functions', { functionName: 'event', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: createZip([{ path: 'index.js', data: 'exports.handler = async () => "event"' }]).toString('base64') } });
    await createHttpTrigger(fc.url, 'event');
    await advanceClock(fc, 1000);
  });
  after(async () => {
    await fc.stop();
    await gates.close();
  });

  const busy = async () => ((await admin('GET', '/functions/ws/instances')).instances as Array<{ busy: number }>).reduce((n, i) => n + i.busy, 0);
  const invocations = async () => ((await admin('GET', '/functions/ws/timeline')).timeline as Array<{ kind: string; event: string; detail: Record<string, unknown> }>).filter((e) => e.kind === 'invocation');

  /** A connected client, its messages as they come and its close event. */
  async function openWebSocket(tag: string) {
    const ws = new WebSocket(`ws://127.0.0.1:${fc.port}/fcapp/ws/h/chat?tag=${tag}`);
    const messages: string[] = [];
    const waiting: Array<() => void> = [];
    ws.addEventListener('message', (e) => (messages.push(String(e.data)), waiting.shift()?.()));
    const closed = new Promise<{ code: number }>((resolve) => ws.addEventListener('close', (e) => resolve({ code: e.code })));
    await new Promise<void>((resolve, reject) => (ws.addEventListener('open', () => resolve()), ws.addEventListener('error', () => reject(new Error('the connection failed')))));
    const reply = (text: string) => new Promise<string>((resolve) => (waiting.push(() => resolve(messages.at(-1)!)), ws.send(text)));
    return { ws, reply, closed };
  }

  it('a client talks to the function\'s server both ways; the instance is busy while the connection is open', async () => {
    const { ws, reply, closed } = await openWebSocket('a');
    assert.equal(await reply('hello'), 'echo: hello');
    assert.equal(await reply('again'), 'echo: again');
    assert.equal(await busy(), 1, 'the connection is an invocation in flight');
    assert.equal((await invocations()).length, 0, 'recorded when it ends');
    ws.close();
    await closed;
    await gates.noted('a-closed');
    const [record] = await invocations();
    assert.equal(record?.event, 'invoked');
    assert.equal(record?.detail.status, 101);
    assert.equal(await busy(), 0, 'released once the connection closed');
    assert.match(logLines.find((l) => l.startsWith('GET /fcapp/ws/h/chat')) ?? '', /^GET \/fcapp\/ws\/h\/chat 101 /);
  });

  it("the function's timeout closes the connection (the client sees 1006); the instance lives on", async () => {
    const { reply, closed } = await openWebSocket('b');
    assert.equal(await reply('before'), 'echo: before');
    const instanceId = ((await admin('GET', '/functions/ws/instances')).instances as Array<{ instanceId: string }>)[0]?.instanceId;
    await advanceClock(fc, 5000);
    assert.equal((await closed).code, 1006);
    await gates.noted('b-closed');
    assert.equal(await busy(), 0);
    const next = await openWebSocket('c');
    assert.equal(await next.reply('after'), 'echo: after');
    assert.equal(((await admin('GET', '/functions/ws/instances')).instances as Array<{ instanceId: string }>)[0]?.instanceId, instanceId, 'the same instance serves the next connection');
    next.ws.close();
    await next.closed;
  });

  const upgradeHead = (path: string) => `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${fc.port}\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13`;

  it("the function's server refusing the upgrade: the client gets its answer", async () => {
    const res = await rawRequest(fc.port, upgradeHead('/fcapp/ws/h/other'));
    assert.equal(res.status, 426, res.raw);
    assert.equal(res.body, 'no chat');
    assert.ok(res.headers.some(([k]) => k === 'x-fc-request-id'));
  });

  it('a custom domain routed to the function relays it too', async () => {
    await postOk(fc.url, '/custom-domains', { domainName: 'chat.example.com', protocol: 'HTTP', routeConfig: { routes: [{ path: '/*', functionName: 'ws' }] } });
    const socket = tcpConnect(fc.port, '127.0.0.1');
    const received: Buffer[] = [];
    const data = (until: (text: string) => boolean) => new Promise<string>((resolve) => {
      const check = () => {
        const text = Buffer.concat(received).toString('latin1');
        if (until(text)) return resolve(text);
        socket.once('data', (d: Buffer) => (received.push(d), check()));
      };
      check();
    });
    socket.write(`${upgradeHead('/chat?tag=d').replace(/Host: [^\r]*/, 'Host: chat.example.com')}\r\n\r\n`);
    const head = await data((t) => t.includes('\r\n\r\n'));
    assert.match(head, /^HTTP\/1\.1 101 Switching Protocols\r\n/);
    received.length = 0;
    // A masked text frame "hi" (mask 0), as a client sends it; the echo comes back unmasked.
    socket.write(Buffer.from([0x81, 0x82, 0, 0, 0, 0, 0x68, 0x69]));
    assert.equal((await data((t) => t.length >= 10)).slice(2), 'echo: hi');
    socket.destroy();
    await gates.noted('d-closed');
  });

  it("an event function (built-in runtime): 400 NotSupported in FC's error shape", async () => {
    const res = await rawRequest(fc.port, upgradeHead('/fcapp/event/h/chat'));
    assert.equal(res.status, 400, res.raw);
    const body = JSON.parse(res.body) as { Code: string; Message: string; RequestId: string };
    assert.equal(body.Code, 'NotSupported');
    assert.match(body.Message, /WebSocket.*nodejs20/);
    assert.match(body.RequestId, /^1-/);
    // A plain request to it is served.
    assert.equal(await (await fetch(`${fc.url}/fcapp/event/h/chat`)).text(), 'event');
  });
});
