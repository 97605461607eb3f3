/**
 * The open default is not open to the web: through raw HTTP on a real port (Host and Origin as a browser or a DNS
 * rebinding page would send them), a foreign Host is refused, a cross-site page cannot change or invoke anything, and
 * what localfc's own names, HTTP triggers and same-origin pages do keeps working.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import net from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { advanceClock } from '../helpers/clock.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');

function send(port: number, method: string, path: string, headers: Record<string, string>, body = ''): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) }, setHost: false }, (res) => {
      let text = '';
      res.on('data', (d: Buffer) => (text += d.toString()));
      res.on('end', () => resolve({ status: res.statusCode!, json: (() => { try { return JSON.parse(text) as Record<string, unknown>; } catch { return { text }; } })() }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe('cross-site requests and foreign Host names are refused', () => {
  let fc: RunningLocalfc;
  let own: string;
  before(async () => {
    fc = await start({ clock: 'manual', allowedHosts: ['dev.example'] });
    own = `127.0.0.1:${fc.port}`;
    const created = await send(fc.port, 'POST', '/2023-03-30/functions', { host: own, 'content-type': 'application/json' }, JSON.stringify({ functionName: 'f', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip }, environmentVariables: { SECRET: 's3cret' } }));
    assert.equal(created.status, 200, JSON.stringify(created.json));
    await send(fc.port, 'POST', '/2023-03-30/functions/f/triggers', { host: own, 'content-type': 'application/json' }, JSON.stringify({ triggerName: 'web', triggerType: 'http', triggerConfig: JSON.stringify({ methods: ['GET', 'POST'], authType: 'anonymous' }) }));
    await advanceClock(fc, 2000);
  });
  after(() => fc.stop());
  const exists = async () => (await send(fc.port, 'GET', '/2023-03-30/functions/f', { host: own })).status === 200;

  it('refuses a Host that is not localfc\'s (DNS rebinding), also in an absolute-form request line', async () => {
    const rebound = await send(fc.port, 'GET', '/2023-03-30/functions/f', { host: `attacker.example:${fc.port}` });
    assert.equal(rebound.status, 403);
    assert.equal(rebound.json.Code, 'InvalidHost');
    assert.ok(!JSON.stringify(rebound.json).includes('s3cret'));
    const raw = await new Promise<string>((resolve, reject) => {
      const s = net.connect(fc.port, '127.0.0.1', () => s.end(`GET http://attacker.example/2023-03-30/functions/f HTTP/1.1\r\nHost: ${own}\r\nConnection: close\r\n\r\n`));
      let out = '';
      s.on('data', (d: Buffer) => (out += d.toString()));
      s.on('end', () => resolve(out));
      s.on('error', reject);
    });
    assert.match(raw, /^HTTP\/1\.1 (403|400)/, raw.slice(0, 200));
    assert.ok(!raw.includes('s3cret'));
  });

  it('accepts loopback names, IP literals, subdomains of them and configured names', async () => {
    for (const host of [own, `localhost:${fc.port}`, `[::1]:${fc.port}`, `api.dev.example:${fc.port}`, 'dev.example']) {
      const res = await send(fc.port, 'GET', '/2023-03-30/functions/f', { host });
      assert.equal(res.status, 200, `${host}: ${JSON.stringify(res.json)}`);
    }
    // Virtual-host addressing of the OSS store: the name reaches it (whatever the store then answers).
    const bucket = await send(fc.port, 'GET', '/', { host: `bucket.127.0.0.1:${fc.port}` });
    assert.notEqual(bucket.json.Code, 'InvalidHost');
    assert.notEqual(bucket.status, 403);
  });

  it('refuses a cross-site page: a plain POST to reset, a fault rule, an invocation', async () => {
    const evil = { host: own, origin: 'http://attacker.example' };
    const reset = await send(fc.port, 'POST', '/_localfc/reset', { ...evil, 'content-type': 'text/plain' }, 'x');
    assert.equal(reset.status, 403);
    assert.equal(reset.json.Code, 'CrossSiteRequestRefused');
    const fault = await send(fc.port, 'POST', '/_localfc/faults', { ...evil, 'content-type': 'application/json' }, JSON.stringify({ effect: { type: 'throttle' } }));
    assert.equal(fault.status, 403);
    const invoke = await send(fc.port, 'POST', '/2023-03-30/functions/f/invocations', { host: own, 'sec-fetch-site': 'cross-site' }, 'x');
    assert.equal(invoke.status, 403);
    const opaque = await send(fc.port, 'POST', '/_localfc/reset', { host: own, origin: 'null' });
    assert.equal(opaque.status, 403);
    assert.ok(await exists(), 'nothing was reset');
    const form = await send(fc.port, 'POST', '/_localfc/clock/advance', { host: own, 'content-type': 'application/x-www-form-urlencoded' }, 'ms=1');
    assert.equal(form.status, 403, 'a simple-request content type is refused on admin changes even without Origin');
  });

  it('keeps same-origin pages, non-browser clients and HTTP triggers from any origin working', async () => {
    const page = await send(fc.port, 'POST', '/_localfc/clock/advance', { host: own, origin: `http://${own}`, 'sec-fetch-site': 'same-origin', 'content-type': 'application/json' }, '{"ms":0}');
    assert.equal(page.status, 200, JSON.stringify(page.json));
    const devServer = await send(fc.port, 'GET', '/2023-03-30/functions/f', { host: own, origin: 'http://localhost:3000', 'sec-fetch-site': 'same-site' });
    assert.equal(devServer.status, 200);
    const trigger = await send(fc.port, 'POST', '/fcapp/f/web/', { host: own, origin: 'https://some.site.example', 'sec-fetch-site': 'cross-site' }, 'hello');
    assert.equal(trigger.status, 200, JSON.stringify(trigger.json));
  });
});
