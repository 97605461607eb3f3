/**
 * A custom container's streamed answer and WebSocket through an HTTP trigger, with a real Docker engine and the manual
 * clock: the same relays as the process backend's (test/e2e/http-trigger-streaming.test.ts, http-trigger-websocket.test.ts).
 * The container serves both on one instance (instanceConcurrency 2): its Server-Sent Events answer is held after its
 * first event until a WebSocket message tells it to go on, so the test drives it without sleeps.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetch, WebSocket } from 'undici';
import { NODE_IMAGE } from '../../scripts/make-test-images.ts';
import { DockerEngine } from '../../src/backends/docker/engine.ts';
import { start, type RunningLocalfc } from '../../src/server.ts';
import { advanceClock } from '../helpers/clock.ts';
import { engineUsable } from '../helpers/docker.ts';
import { createHttpTrigger, postOk } from '../helpers/fc-api.ts';
import { WEBSOCKET_SERVER } from '../helpers/web-function.ts';

const engine = new DockerEngine();

/** `/sse`: one event, the next once a WebSocket client sent `release`; an Upgrade: a WebSocket echo (short text frames). */
const SERVER = `
const http = require('http');
const crypto = require('crypto');
let release;
const released = new Promise((r) => (release = r));
${WEBSOCKET_SERVER}
const server = http.createServer(async (req, res) => {
  if (req.url !== '/sse') return res.end('ok');
  res.writeHead(200, { 'content-type': 'text/event-stream' });
  res.write('data: one\\n\\n');
  await released;
  res.end('data: two\\n\\n');
});
server.on('upgrade', (req, socket) => acceptWebSocket(req, socket, (text) => {
  if (text === 'release') release();
  return 'echo: ' + text;
}));
server.listen(9000);
`;

if (await engineUsable(engine, 'container web relays', async () => ((await engine.inspectImage(NODE_IMAGE)) ? undefined : `test image ${NODE_IMAGE} missing (npx tsx scripts/make-test-images.ts)`))) {
  describe('streamed answers and WebSocket through an HTTP trigger (container backend)', { timeout: 180_000 }, () => {
    let fc: RunningLocalfc;

    before(async () => {
      fc = await start({ clock: 'manual', backend: 'docker' });
      await postOk(fc.url, '/functions', {
        functionName: 'web', runtime: 'custom-container', handler: 'h', timeout: 10, instanceConcurrency: 2,
        customContainerConfig: { image: NODE_IMAGE, port: 9000, command: ['node', '-e', SERVER] },
      });
      await createHttpTrigger(fc.url, 'web');
      await advanceClock(fc, 5000);
    });

    after(async () => {
      await fc?.stop();
      await engine.close();
    });

    /** A connected WebSocket client and a way to send a message and get the reply to it. */
    async function openWebSocket() {
      const ws = new WebSocket(`ws://127.0.0.1:${fc.port}/fcapp/web/h/chat`);
      const replies: Array<(text: string) => void> = [];
      ws.addEventListener('message', (e) => replies.shift()?.(String(e.data)));
      const closed = new Promise<number>((resolve) => ws.addEventListener('close', (e) => resolve(e.code)));
      await new Promise<void>((resolve, reject) => (ws.addEventListener('open', () => resolve()), ws.addEventListener('error', () => reject(new Error('the connection failed')))));
      const reply = (text: string) => new Promise<string>((resolve) => (replies.push(resolve), ws.send(text)));
      return { ws, reply, closed };
    }

    it("each event reaches the client as the container writes it; a WebSocket talks to the same container's server", async () => {
      const res = await fetch(`${fc.url}/fcapp/web/h/sse`);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'text/event-stream');
      const reader = res.body!.getReader();
      let got = '';
      while (got.length < 'data: one\n\n'.length) got += Buffer.from((await reader.read()).value!).toString();
      assert.equal(got, 'data: one\n\n', 'the first event, while the handler waits');
      const { ws, reply, closed } = await openWebSocket();
      assert.equal(await reply('release'), 'echo: release');
      got = '';
      for (let r = await reader.read(); !r.done; r = await reader.read()) got += Buffer.from(r.value).toString();
      assert.equal(got, 'data: two\n\n');
      ws.close();
      await closed;
    });

    it("the function's timeout closes a WebSocket (the client sees 1006)", async () => {
      const { reply, closed } = await openWebSocket();
      assert.equal(await reply('hi'), 'echo: hi');
      await advanceClock(fc, 10_000);
      assert.equal(await closed, 1006);
    });
  });
}
