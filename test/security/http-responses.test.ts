/**
 * A handler's HTTP response as an HTTP trigger relays it: a header that cannot go on the wire (CR/LF in a value, a bad
 * name) is the function's bad answer (502 BadResponse naming the header), not a 500 of localfc's; several Set-Cookie
 * values stay several header lines. Real handlers (process backend), raw sockets to see the framing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { createHttpTrigger, postOk } from '../helpers/fc-api.ts';
import { rawRequest } from '../helpers/raw-http.ts';

const eventHandler = `
exports.handler = (event, context, callback) => {
  const path = JSON.parse(event.toString()).rawPath;
  if (path === '/crlf') return callback(null, { statusCode: 200, headers: { 'x-note': 'a\\r\\nx-injected: yes' }, body: 'x' });
  if (path === '/name') return callback(null, { statusCode: 200, headers: { 'bad name': 'v' }, body: 'x' });
  if (path === '/cookies') return callback(null, { statusCode: 200, headers: { 'set-cookie': ['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT'] }, body: 'ok' });
  callback(null, { statusCode: 200, body: 'fine' });
};`;

const webServer = `
require('node:http').createServer((req, res) => {
  res.setHeader('set-cookie', ['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT']);
  res.end('ok');
}).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');`;

let fc: RunningLocalfc;
const api = (path: string, body: unknown) => postOk(fc.url, path, body);
const httpTrigger = (fn: string) => createHttpTrigger(fc.url, fn);
const get = (path: string) => rawRequest(fc.port, `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1:${fc.port}`);

before(async () => {
  fc = await start({ clock: 'manual', backend: 'process' });
  await api('/functions', { functionName: 'ev', runtime: 'nodejs20', handler: 'index.handler', timeout: 30, code: { zipFile: createZip([{ path: 'index.js', data: eventHandler }]).toString('base64') } });
  await httpTrigger('ev');
  await api('/functions', { functionName: 'web', runtime: 'custom.debian10', timeout: 30, customRuntimeConfig: { command: ['node', 'server.js'] }, code: { zipFile: createZip([{ path: 'server.js', data: webServer }]).toString('base64') } });
  await httpTrigger('web');
});
after(() => fc.stop());

describe('handler response headers on HTTP triggers', () => {
  it('a CR/LF in a header value is 502 BadResponse naming the header, and nothing is injected', async () => {
    const res = await get('/fcapp/ev/h/crlf');
    assert.equal(res.status, 502, res.raw.slice(0, 400));
    const json = JSON.parse(res.body) as { Code: string; Message: string };
    assert.equal(json.Code, 'BadResponse');
    assert.match(json.Message, /'x-note'/);
    assert.ok(!res.headers.some(([k]) => k === 'x-injected'), res.raw.slice(0, 400));
  });

  it('an invalid header name is 502 BadResponse naming it', async () => {
    const res = await get('/fcapp/ev/h/name');
    assert.equal(res.status, 502, res.raw.slice(0, 400));
    assert.match((JSON.parse(res.body) as { Message: string }).Message, /bad name/);
  });

  it('the function still serves after a bad answer', async () => {
    const res = await get('/fcapp/ev/h/fine');
    assert.equal(res.status, 200);
    assert.equal(res.body, 'fine');
  });

  it('several Set-Cookie values stay separate header lines (built-in runtime and custom runtime)', async () => {
    for (const path of ['/fcapp/ev/h/cookies', '/fcapp/web/h/']) {
      const res = await get(path);
      assert.equal(res.status, 200, res.raw.slice(0, 400));
      const cookies = res.headers.filter(([k]) => k === 'set-cookie').map(([, v]) => v);
      assert.deepEqual(cookies, ['a=1; Path=/', 'b=2; Expires=Wed, 21 Oct 2037 07:28:00 GMT'], `${path}: ${res.raw.slice(0, 600)}`);
    }
  });
});
