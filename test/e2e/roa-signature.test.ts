/**
 * ROA signatures (`Authorization: acs <AccessKeyId>:<base64 HMAC-SHA1>`), the scheme of Terraform's FC client (Go
 * tea-roa), against a server with access keys configured, signed by a real client library: @alicloud/pop-core's
 * ROAClient, which signs the same string. A wrong secret, an unknown key and a body changed after signing are refused.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
// @ts-expect-error: @alicloud/pop-core ships no types for its ROA client
import ROAClient from '@alicloud/pop-core/lib/roa.js';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { roaStringsToSign } from '../../src/auth/roa-signature.ts';
import { createZip } from '../helpers/zip.ts';

const KEY = { accessKeyId: 'LTAI-roa', accessKeySecret: 'roa-secret' };
const zipFile = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');

interface Roa {
  request(method: string, path: string, query?: Record<string, string>, body?: string, headers?: Record<string, string>, opts?: Record<string, unknown>): Promise<unknown>;
}
const roa = (fc: RunningLocalfc, secret = KEY.accessKeySecret, id = KEY.accessKeyId): Roa =>
  new ROAClient({ endpoint: fc.url, apiVersion: '2023-03-30', accessKeyId: id, accessKeySecret: secret, opts: { timeout: 60_000 } }) as Roa;
const refusal = async (p: Promise<unknown>): Promise<string> => {
  try {
    await p;
  } catch (e) {
    return String((e as { code?: string }).code ?? (e as Error).message);
  }
  throw new Error('expected the call to be refused');
};

describe('ROA-signed requests, as Terraform sends them, with access keys on', () => {
  let fc: RunningLocalfc;
  before(async () => {
    fc = await start({ accessKeys: [KEY] });
  });
  after(() => fc.stop());

  it('creates and reads a function; a query is signed too', async () => {
    const body = JSON.stringify({ functionName: 'roa-fn', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } });
    const created = (await roa(fc).request('POST', '/2023-03-30/functions', {}, body, { 'content-type': 'application/json' })) as { functionName: string };
    assert.equal(created.functionName, 'roa-fn');
    const read = (await roa(fc).request('GET', '/2023-03-30/functions/roa-fn', { qualifier: 'LATEST' })) as { functionName: string; state: string };
    assert.deepEqual([read.functionName, read.state], ['roa-fn', 'Active']);
  });

  it('refuses a wrong secret (SignatureNotMatch) and an unknown key (InvalidAccessKeyID)', async () => {
    assert.equal(await refusal(roa(fc, 'not-the-secret').request('GET', '/2023-03-30/functions/roa-fn')), 'SignatureNotMatch');
    assert.equal(await refusal(roa(fc, KEY.accessKeySecret, 'LTAI-nobody').request('GET', '/2023-03-30/functions/roa-fn')), 'InvalidAccessKeyID');
  });

  it('refuses a body that is not the one its signed Content-MD5 names', async () => {
    const signed = JSON.stringify({ functionName: 'roa-other', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } });
    // Sign one body, send another with the same headers: the server checks Content-MD5 against what arrived.
    const headers = await signedHeaders(signed);
    const tampered = await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', body: signed.replace('roa-other', 'roa-evil'), headers });
    assert.equal(tampered.status, 403);
    const refused = (await tampered.json()) as { Code: string; Message: string };
    assert.deepEqual([refused.Code, refused.Message], ['SignatureNotMatch', 'Content-MD5 does not match the MD5 of the request body']);
    // The same headers with the body they were signed for pass: only the body made the difference.
    assert.equal((await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', body: signed, headers })).status, 200);
  });

  it('a query key with an empty value is signed bare (tea-roa-util) or as key= (pop-core): both verify', () => {
    const strings = roaStringsToSign({ method: 'GET', rawPath: '/2023-03-30/functions', rawQuery: '?prefix=&limit=5', headers: { accept: 'application/json', date: 'x' }, body: Buffer.alloc(0) });
    assert.deepEqual(strings.map((s) => s.split('\n').at(-1)), ['/2023-03-30/functions?limit=5&prefix', '/2023-03-30/functions?limit=5&prefix=']);
  });
});

/** The headers ROAClient sends for `body`, taken from its own request to a server that only records them. */
async function signedHeaders(body: string): Promise<Record<string, string>> {
  const http = await import('node:http');
  let seen: Record<string, string> = {};
  const server = http.createServer((req, res) => {
    seen = Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, String(v)]));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  const recorder = new ROAClient({ endpoint: `http://127.0.0.1:${port}`, apiVersion: '2023-03-30', accessKeyId: KEY.accessKeyId, accessKeySecret: KEY.accessKeySecret }) as Roa;
  await recorder.request('POST', '/2023-03-30/functions', {}, body, { 'content-type': 'application/json' });
  await new Promise<void>((resolve) => server.close(() => resolve()));
  const { host: _host, connection: _c, 'content-length': _l, ...rest } = seen;
  return rest;
}
