/**
 * The host localfc prints in the links it hands out (an HTTP trigger's urlInternet, GetFunctionCode's url) is the
 * address the connection reached, not a name the client put in its Host header or request line: even an allowed name
 * (allowedHosts) cannot make localfc hand out links to another machine.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { rawRequest } from '../helpers/raw-http.ts';

let fc: RunningLocalfc;
before(async () => {
  fc = await start({ clock: 'manual', allowedHosts: ['attacker.example'] });
  const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
  for (const [path, body] of [
    ['/2023-03-30/functions', { functionName: 'f', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } }],
    ['/2023-03-30/functions/f/triggers', { triggerName: 'h', triggerType: 'http', triggerConfig: JSON.stringify({ authType: 'anonymous', methods: ['GET'] }) }],
  ] as const) {
    const res = await fetch(`${fc.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.status, 200, await res.clone().text());
  }
});
after(() => fc.stop());

it('urlInternet and GetFunctionCode links name the listen address, whatever Host or request line the client sent', async () => {
  for (const head of [
    (p: string) => `GET ${p} HTTP/1.1\r\nHost: attacker.example`,
    (p: string) => `GET http://attacker.example${p} HTTP/1.1\r\nHost: attacker.example`,
  ]) {
    const trigger = await rawRequest(fc.port, head('/2023-03-30/functions/f/triggers/h'));
    assert.equal(trigger.status, 200, trigger.raw.slice(0, 300));
    const { httpTrigger } = JSON.parse(trigger.body) as { httpTrigger: { urlInternet: string; urlIntranet: string } };
    assert.equal(httpTrigger.urlInternet, `${fc.url}/fcapp/f/h`);
    assert.equal(httpTrigger.urlIntranet, `${fc.url}/fcapp/f/h`);
    const code = await rawRequest(fc.port, head('/2023-03-30/functions/f/code'));
    assert.equal(code.status, 200, code.raw.slice(0, 300));
    assert.ok((JSON.parse(code.body) as { url: string }).url.startsWith(`${fc.url}/_code/`), code.body);
  }
});

it('with publicUrl set (a mapped port), links name it, and its host is one of localfc\'s own names', async () => {
  const mapped = await start({ clock: 'manual', publicUrl: 'http://localfc.example:19000/' });
  try {
    const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
    const post = (path: string, body: unknown) => fetch(`${mapped.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal((await post('/2023-03-30/functions', { functionName: 'f', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } })).status, 200);
    assert.equal((await post('/2023-03-30/functions/f/triggers', { triggerName: 'h', triggerType: 'http', triggerConfig: JSON.stringify({ authType: 'anonymous', methods: ['GET'] }) })).status, 200);
    const trigger = await rawRequest(mapped.port, 'GET /2023-03-30/functions/f/triggers/h HTTP/1.1\r\nHost: localfc.example:19000');
    assert.equal(trigger.status, 200, trigger.raw.slice(0, 300));
    assert.equal((JSON.parse(trigger.body) as { httpTrigger: { urlInternet: string } }).httpTrigger.urlInternet, 'http://localfc.example:19000/fcapp/f/h');
    const code = await (await fetch(`${mapped.url}/2023-03-30/functions/f/code`)).json() as { url: string };
    assert.ok(code.url.startsWith('http://localfc.example:19000/_code/'), code.url);
  } finally {
    await mapped.stop();
  }
});

it('publicUrl must be an http(s) origin', async () => {
  await assert.rejects(start({ publicUrl: 'ftp://x.example/' }), /publicUrl/);
  await assert.rejects(start({ publicUrl: 'http://x.example/path' }), /publicUrl/);
});
