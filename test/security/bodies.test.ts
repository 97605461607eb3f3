/**
 * Bodies are streamed with limits, never buffered whole first: a chunked request body on an HTTP trigger or an admin
 * route is refused as soon as it passes the limit (the test never sends the end of it, so a server that waits for the
 * whole body never answers), and a handler's response is cut off at FC's payload limit while it streams (a handler
 * that never finishes its answer still gets one; a web function's streamed answer is relayed up to the limit and cut there). `maxBodyBytes` lowers FC's 32 MB so the test moves 1 MB, not 32.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { createHttpTrigger, postOk } from '../helpers/fc-api.ts';
import { rawRequest } from '../helpers/raw-http.ts';

const LIMIT = 1024 * 1024;
const HANG = { timeout: 120_000 };

const eventHandler = `
exports.handler = (event, context, callback) => {
  const text = event.toString();
  if (text === 'big' || text.includes('"rawPath":"/big"')) return callback(null, 'x'.repeat(${2 * LIMIT}));
  callback(null, 'small');
};`;

// Answers with a body that never ends: 64 KB now and then, without Content-Length.
const endlessServer = `
require('node:http').createServer((req, res) => {
  req.resume();
  res.writeHead(200, { 'content-type': 'application/octet-stream' });
  const chunk = Buffer.alloc(64 * 1024, 120);
  const pump = () => { if (res.write(chunk)) setImmediate(pump); else res.once('drain', pump); };
  pump();
}).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');`;

let fc: RunningLocalfc;
const api = (path: string, body: unknown) => postOk(fc.url, path, body);
const httpTrigger = (fn: string) => createHttpTrigger(fc.url, fn);

/** A chunked body of `chunks` × 64 KB whose terminating chunk is never sent. */
const unterminated = (chunks: number) => Array.from({ length: chunks }, () => `10000\r\n${'y'.repeat(0x10000)}\r\n`);

before(async () => {
  fc = await start({ clock: 'manual', backend: 'process', maxBodyBytes: LIMIT });
  await api('/functions', { functionName: 'ev', runtime: 'nodejs20', handler: 'index.handler', timeout: 300, code: { zipFile: createZip([{ path: 'index.js', data: eventHandler }]).toString('base64') } });
  await httpTrigger('ev');
  await api('/functions', { functionName: 'endless', runtime: 'custom.debian10', timeout: 300, customRuntimeConfig: { command: ['node', 'server.js'] }, code: { zipFile: createZip([{ path: 'server.js', data: endlessServer }]).toString('base64') } });
  await httpTrigger('endless');
});
after(() => fc.stop());

describe('request bodies stop at the limit', () => {
  it('an HTTP trigger answers 400 EntityTooLarge once a chunked body passes the limit, without waiting for its end', HANG, async () => {
    const res = await rawRequest(fc.port, `POST /fcapp/ev/h/ HTTP/1.1\r\nHost: 127.0.0.1:${fc.port}\r\nTransfer-Encoding: chunked`, unterminated(24));
    assert.equal(res.status, 400, res.raw.slice(0, 300));
    assert.equal((JSON.parse(res.body) as { Code: string }).Code, 'EntityTooLarge');
  });

  it('a body within the limit still reaches the function', async () => {
    const res = await fetch(`${fc.url}/fcapp/ev/h/`, { method: 'POST', body: 'z'.repeat(LIMIT - 4096) });
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'small');
  });

  it('an admin POST answers 400 EntityTooLarge once a chunked body passes the limit', HANG, async () => {
    const res = await rawRequest(fc.port, `POST /_localfc/clock/advance HTTP/1.1\r\nHost: 127.0.0.1:${fc.port}\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked`, unterminated(24));
    assert.equal(res.status, 400, res.raw.slice(0, 300));
    assert.equal((JSON.parse(res.body) as { Code: string }).Code, 'EntityTooLarge');
  });

  it('InvokeFunction refuses an async payload over 128 KB (FC\'s async limit) and takes one within it', async () => {
    const invoke = (size: number) => fetch(`${fc.url}/2023-03-30/functions/ev/invocations`, { method: 'POST', headers: { 'x-fc-invocation-type': 'Async' }, body: 'a'.repeat(size) });
    const over = await invoke(128 * 1024 + 1);
    assert.equal(over.status, 400);
    assert.equal(((await over.json()) as { Code: string }).Code, 'EntityTooLarge');
    assert.equal((await invoke(128 * 1024)).status, 202);
  });
});

describe('handler responses are capped as they stream', () => {
  it('InvokeFunction: a response over the limit is 502 BadResponse', HANG, async () => {
    const res = await fetch(`${fc.url}/2023-03-30/functions/ev/invocations`, { method: 'POST', body: 'big' });
    assert.equal(res.status, 502);
    const json = (await res.json()) as { Code: string; Message: string };
    assert.equal(json.Code, 'BadResponse');
    assert.match(json.Message, /exceeds the limit of 1048576 bytes/);
  });

  it('HTTP trigger: a chunked response that never ends is relayed as it streams and cut off at the limit', HANG, async () => {
    const res = await fetch(`${fc.url}/fcapp/endless/h/`);
    assert.equal(res.status, 200, 'a streamed answer is relayed from its head on, as FC relays a web function');
    let received = 0;
    await assert.rejects(async () => {
      for await (const chunk of res.body!) received += (chunk as Uint8Array).length;
    }, 'the body breaks off at the limit, never ending as if complete');
    assert.ok(received <= LIMIT, `${received} bytes relayed`);
  });

  it('InvokeFunction on the same never-ending server: 502 BadResponse (an API call is not streamed)', HANG, async () => {
    const res = await fetch(`${fc.url}/2023-03-30/functions/endless/invocations`, { method: 'POST', body: 'x' });
    assert.equal(res.status, 502);
    assert.equal(((await res.json()) as { Code: string }).Code, 'BadResponse');
  });

  it('HTTP trigger of a built-in runtime: a response over the limit is 502 BadResponse', HANG, async () => {
    // The same instance serves the next call (it answers the same way: the limit, not a dead instance).
    const again = await fetch(`${fc.url}/fcapp/ev/h/big`);
    assert.equal(again.status, 502);
    assert.equal((await fetch(`${fc.url}/fcapp/ev/h/small`)).status, 200);
  });
});
