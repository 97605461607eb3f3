/**
 * An ACS3 signature is bound to the host it was made for (issue 18): `host` must be among the signed headers, so a
 * request signed for one name and replayed to localfc under another (a second name of the same machine, or another
 * localfc a captured request is sent to) is refused. Real HTTP on a real port, signed as the official SDKs sign.
 */
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { ALGORITHM, canonicalRequest, sign } from '../../src/auth/acs3.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { rawRequest } from '../helpers/raw-http.ts';

const KEY = { accessKeyId: 'host-test-id', accessKeySecret: 'host-test-secret' };
const PATH = '/2023-03-30/functions';
let fc: RunningLocalfc;
before(async () => {
  fc = await start({ clock: 'manual', accessKeys: [KEY] });
});
after(() => fc.stop());

/** The headers of a GET ListFunctions signed for `host`, optionally leaving `host` out of SignedHeaders. */
function signedHeaders(host: string, signHost = true): Record<string, string> {
  const headers: Record<string, string> = {
    host,
    'x-acs-date': new Date(Date.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
    'x-acs-signature-nonce': randomUUID(),
    'x-acs-content-sha256': createHash('sha256').update('').digest('hex'),
  };
  const names = ['host', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce'].filter((n) => signHost || n !== 'host');
  const signature = sign(KEY.accessKeySecret, canonicalRequest({ method: 'GET', rawPath: PATH, rawQuery: '', headers, body: Buffer.alloc(0) }, names));
  return { ...headers, authorization: `${ALGORITHM} Credential=${KEY.accessKeyId},SignedHeaders=${names.join(';')},Signature=${signature}` };
}

const send = (hostSent: string, headers: Record<string, string>) => {
  const lines = Object.entries({ ...headers, host: hostSent }).map(([k, v]) => `${k}: ${v}`).join('\r\n');
  return rawRequest(fc.port, `GET ${PATH} HTTP/1.1\r\n${lines}`);
};

it('accepts a request at the host it was signed for', async () => {
  const host = `127.0.0.1:${fc.port}`;
  const res = await send(host, signedHeaders(host));
  assert.equal(res.status, 200, res.body);
});

it('refuses the same signature sent under another of localfc\'s names', async () => {
  const res = await send(`localhost:${fc.port}`, signedHeaders(`127.0.0.1:${fc.port}`));
  assert.equal(res.status, 403, res.body);
  assert.match((JSON.parse(res.body) as { Code: string }).Code, /Signature/);
});

it('refuses a signature that does not cover the host', async () => {
  const host = `127.0.0.1:${fc.port}`;
  const res = await send(host, signedHeaders(host, false));
  assert.ok(res.status >= 400 && res.status < 500, res.body);
  assert.match((JSON.parse(res.body) as { Message: string }).Message, /host/);
});
