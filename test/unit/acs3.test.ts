// Unit tests for ACS3-HMAC-SHA256 verification, driven by requests that the real @alicloud/fc20230330 SDK signs.
import assert from 'node:assert/strict';
import { once } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { Readable } from 'node:stream';
import { after, before, describe, it } from 'node:test';
import FC, * as $FC from '@alicloud/fc20230330';
import * as $OpenApi from '@alicloud/openapi-client';
import { NonceCache, canonicalQuery, rfc3986, verifyAcs3, type Acs3Options, type Acs3Request, type Acs3Result } from '../../src/auth/acs3.ts';

// The package is CommonJS: under ESM the default import is module.exports, whose `default` is the client class.
type FcClient = InstanceType<typeof FC.default>;
const FcClientClass = ((FC as unknown as { default?: typeof FC.default }).default ?? FC) as typeof FC.default;
type RuntimeOptions = Parameters<FcClient['invokeFunctionWithOptions']>[3];

const SECRETS = new Map([
  ['ak', 'secret'],
  ['ak2', 'another-secret'],
]);

interface Captured extends Acs3Request {
  verdict: Acs3Result;
}

const captured: Captured[] = [];
const serverNonces = new NonceCache();
let server: http.Server;
let port = 0;

function toHeaders(h: http.IncomingHttpHeaders): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(h)) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

function verifyOpts(over: Partial<Acs3Options> = {}): Acs3Options {
  return { secretFor: (ak) => SECRETS.get(ak), now: Date.now(), seenNonce: () => false, ...over };
}

before(async () => {
  server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = req.url ?? '/';
      const q = url.indexOf('?');
      const request: Acs3Request = {
        method: req.method ?? 'GET',
        rawPath: q < 0 ? url : url.slice(0, q),
        rawQuery: q < 0 ? '' : url.slice(q + 1),
        headers: toHeaders(req.headers),
        body: Buffer.concat(chunks),
      };
      const verdict = verifyAcs3(request, verifyOpts({ seenNonce: serverNonces.check }));
      captured.push({ ...request, verdict });
      res.setHeader('content-type', 'application/json');
      if (verdict.ok) {
        res.end('{}');
      } else {
        res.statusCode = verdict.code === 'InvalidArgument' || verdict.code === 'MissingRequiredHeader' ? 400 : 403;
        res.end(JSON.stringify({ Code: verdict.code, Message: verdict.message, RequestId: 'r' }));
      }
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  port = (server.address() as AddressInfo).port;
});

after(() => {
  server.closeAllConnections();
  server.close();
});

function client(accessKeyId = 'ak', accessKeySecret = 'secret'): FcClient {
  const config = new $OpenApi.Config({ accessKeyId, accessKeySecret, endpoint: `127.0.0.1:${port}`, protocol: 'http' });
  return new FcClientClass(config as unknown as ConstructorParameters<typeof FC.default>[0]);
}

/** Runs one SDK call and returns the request the server saw. */
async function capture(call: () => Promise<unknown>): Promise<Captured> {
  const before = captured.length;
  await call();
  assert.equal(captured.length, before + 1, 'expected exactly one request');
  return captured[before]!;
}

async function sdkError(call: () => Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await call();
  } catch (err) {
    return err as { code: string; message: string };
  }
  assert.fail('the SDK call should have failed');
}

function expectFail(result: Acs3Result, code: string, pattern?: RegExp): void {
  assert.equal(result.ok, false, 'verification should fail');
  if (result.ok) return;
  assert.equal(result.code, code, result.message);
  if (pattern) assert.match(result.message, pattern);
}

describe('verifyAcs3 against the official SDK', () => {
  const sdk = (): FcClient => client();
  const calls: Record<string, () => Promise<unknown>> = {
    getFunction: () => sdk().getFunction('my-func', new $FC.GetFunctionRequest({ qualifier: 'LATEST' })),
    listFunctions: () =>
      sdk().listFunctions(
        new $FC.ListFunctionsRequest({
          prefix: "a b+c!*'()~/ü&=%",
          limit: 5,
          tags: [new $FC.Tag({ key: 'env', value: 'dev test' }), new $FC.Tag({ key: 'k', value: '"quoted"' })],
        }),
      ),
    createFunction: () =>
      sdk().createFunction(
        new $FC.CreateFunctionRequest({
          body: new $FC.CreateFunctionInput({ functionName: 'my-func', runtime: 'nodejs20', handler: 'index.handler', description: 'héllo ✓', memorySize: 512, environmentVariables: { A: '1' } }),
        }),
      ),
    invokeFunction: () =>
      sdk().invokeFunctionWithOptions(
        'my-func',
        new $FC.InvokeFunctionRequest({ body: Readable.from([Buffer.from([0, 1, 2, 0xfe, 0xff]), Buffer.from('tail')]), qualifier: 'prod' }),
        new $FC.InvokeFunctionHeaders({ xFcInvocationType: 'Async', xFcLogType: 'Tail', commonHeaders: { 'x-acs-extra': ' padded ' } }),
        {} as RuntimeOptions,
      ),
    deleteFunction: () => sdk().deleteFunction('my-func'),
    oddFunctionName: () => sdk().getFunction('a*b*c~d', new $FC.GetFunctionRequest({})),
  };

  for (const [name, call] of Object.entries(calls)) {
    it(`accepts ${name} signed with the right secret`, async () => {
      const c = await capture(call);
      assert.deepEqual(c.verdict, { ok: true, accessKeyId: 'ak' });
    });
  }

  it('sees what the SDK really sends (query, binary body, headers)', async () => {
    const list = await capture(calls.listFunctions!);
    assert.match(list.rawQuery, /limit=5/);
    assert.match(decodeURIComponent(list.rawQuery), /tags=\[\{"Key":"env","Value":"dev test"\}/);
    const invoke = await capture(calls.invokeFunction!);
    assert.deepEqual(invoke.body, Buffer.concat([Buffer.from([0, 1, 2, 0xfe, 0xff]), Buffer.from('tail')]));
    assert.equal(invoke.headers['x-fc-invocation-type'], 'Async');
    assert.equal(invoke.headers['content-type'], 'application/octet-stream');
    assert.match(invoke.headers['authorization']!, /SignedHeaders=content-type;host;x-acs-action;.*x-acs-extra;/);
    const odd = await capture(calls.oddFunctionName!);
    assert.equal(odd.rawPath, '/2023-03-30/functions/a%2Ab*c~d'); // SDK quirk: String.replace swaps only the first '*'
  });

  it('rejects a wrong secret, end to end through the SDK', async () => {
    const err = await sdkError(() => client('ak', 'not-the-secret').getFunction('my-func', new $FC.GetFunctionRequest({})));
    assert.equal(err.code, 'SignatureNotMatch');
    assert.match(err.message, /code: 403/);
  });

  it('rejects an unknown AccessKeyId', async () => {
    const err = await sdkError(() => client('nobody', 'secret').deleteFunction('my-func'));
    assert.equal(err.code, 'InvalidAccessKeyID');
    assert.match(err.message, /nobody/);
  });

  it('accepts a second key pair', async () => {
    const c = await capture(() => client('ak2', 'another-secret').listFunctions(new $FC.ListFunctionsRequest({})));
    assert.deepEqual(c.verdict, { ok: true, accessKeyId: 'ak2' });
  });

  it('rejects a replayed request (same nonce) sent again over HTTP', async () => {
    const c = await capture(calls.createFunction!);
    const status = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        { host: '127.0.0.1', port, method: c.method, path: `${c.rawPath}${c.rawQuery ? `?${c.rawQuery}` : ''}`, headers: c.headers as http.OutgoingHttpHeaders },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(c.body);
    });
    assert.equal(status.status, 403);
    assert.equal(JSON.parse(status.body).Code, 'SignatureNonceUsed');
  });

  it('rejects a tampered body, with or without a matching x-acs-content-sha256', async () => {
    const c = await capture(calls.createFunction!);
    const body = Buffer.from(c.body.toString().replace('512', '1024'));
    expectFail(verifyAcs3({ ...c, body }, verifyOpts()), 'SignatureNotMatch', /x-acs-content-sha256/);
    const sha = (await import('node:crypto')).createHash('sha256').update(body).digest('hex');
    const headers = { ...c.headers, 'x-acs-content-sha256': sha };
    expectFail(verifyAcs3({ ...c, body, headers }, verifyOpts()), 'SignatureNotMatch', /canonical request/);
    const invoke = await capture(calls.invokeFunction!);
    expectFail(verifyAcs3({ ...invoke, body: Buffer.concat([invoke.body, Buffer.from([0])]) }, verifyOpts()), 'SignatureNotMatch');
  });

  it('rejects a tampered query, path, method or signed header; tolerates equivalent encodings', async () => {
    const list = await capture(calls.listFunctions!);
    expectFail(verifyAcs3({ ...list, rawQuery: list.rawQuery.replace('limit=5', 'limit=500') }, verifyOpts()), 'SignatureNotMatch');
    expectFail(verifyAcs3({ ...list, rawQuery: `${list.rawQuery}&nextToken=x` }, verifyOpts()), 'SignatureNotMatch');
    const reordered = list.rawQuery.split('&').reverse().join('&').replace(/%20/g, '+').replace(/!/g, '%21');
    assert.deepEqual(verifyAcs3({ ...list, rawQuery: `?${reordered}` }, verifyOpts()), { ok: true, accessKeyId: 'ak' });

    const get = await capture(calls.getFunction!);
    expectFail(verifyAcs3({ ...get, rawPath: get.rawPath.replace('my-func', 'other') }, verifyOpts()), 'SignatureNotMatch');
    expectFail(verifyAcs3({ ...get, method: 'DELETE' }, verifyOpts()), 'SignatureNotMatch');
    expectFail(verifyAcs3({ ...get, headers: { ...get.headers, 'x-acs-action': 'DeleteFunction' } }, verifyOpts()), 'SignatureNotMatch');
    expectFail(verifyAcs3({ ...get, headers: { ...get.headers, host: 'evil.example' } }, verifyOpts()), 'SignatureNotMatch');
    // Headers outside the signed set may change in transit.
    assert.equal(verifyAcs3({ ...get, headers: { ...get.headers, 'user-agent': 'proxy', accept: '*/*' } }, verifyOpts()).ok, true);
    expectFail(verifyAcs3({ ...get, headers: { ...get.headers, 'x-acs-injected': '1' } }, verifyOpts()), 'InvalidArgument', /x-acs-injected/);
    expectFail(verifyAcs3({ ...get, rawQuery: 'qualifier=%E0%A4%A' }, verifyOpts()), 'InvalidArgument', /percent-encoding/);
  });

  it('rejects a stale or future x-acs-date, and honours maxSkewMs', async () => {
    const c = await capture(calls.getFunction!);
    const min = 60_000;
    expectFail(verifyAcs3(c, verifyOpts({ now: Date.now() + 16 * min })), 'RequestTimeTooSkewed', /x-acs-date/);
    expectFail(verifyAcs3(c, verifyOpts({ now: Date.now() - 16 * min })), 'RequestTimeTooSkewed');
    assert.equal(verifyAcs3(c, verifyOpts({ now: Date.now() + 14 * min })).ok, true);
    expectFail(verifyAcs3(c, verifyOpts({ now: Date.now() + 2 * min, maxSkewMs: min })), 'RequestTimeTooSkewed');
  });

  it('rejects a wrong secret and an unknown key on a captured request', async () => {
    const c = await capture(calls.deleteFunction!);
    expectFail(verifyAcs3(c, verifyOpts({ secretFor: () => 'nope' })), 'SignatureNotMatch');
    expectFail(verifyAcs3(c, verifyOpts({ secretFor: () => undefined })), 'InvalidAccessKeyID', /"ak"/);
  });

  it('checks the nonce only after the signature, so forgeries cannot burn nonces', async () => {
    const c = await capture(calls.getFunction!);
    const nonces = new NonceCache();
    const forged = verifyAcs3({ ...c, method: 'POST' }, verifyOpts({ seenNonce: nonces.check }));
    expectFail(forged, 'SignatureNotMatch');
    assert.equal(nonces.size, 0);
    assert.equal(verifyAcs3(c, verifyOpts({ seenNonce: nonces.check })).ok, true);
    expectFail(verifyAcs3(c, verifyOpts({ seenNonce: nonces.check })), 'SignatureNonceUsed', /already been used/);
  });

  it('names the missing header and rejects malformed Authorization values', async () => {
    const c = await capture(calls.getFunction!);
    for (const h of ['authorization', 'x-acs-date', 'x-acs-signature-nonce', 'x-acs-content-sha256']) {
      const headers = { ...c.headers, [h]: undefined };
      expectFail(verifyAcs3({ ...c, headers }, verifyOpts()), 'MissingRequiredHeader', new RegExp(h, 'i'));
    }
    const auth = (authorization: string): Acs3Request => ({ ...c, headers: { ...c.headers, authorization } });
    expectFail(verifyAcs3(auth('acs ak:c2lnbmF0dXJl'), verifyOpts()), 'InvalidArgument', /unsupported signature algorithm/);
    expectFail(verifyAcs3(auth('ACS3-HMAC-SM3 Credential=ak,SignedHeaders=host,Signature=00'), verifyOpts()), 'InvalidArgument', /ACS3-HMAC-SM3/);
    expectFail(verifyAcs3(auth('ACS3-HMAC-SHA256 Credential=ak'), verifyOpts()), 'InvalidArgument', /must have the form/);
    expectFail(verifyAcs3(auth(c.headers['authorization']!.replace(/Signature=\w+/, 'Signature=xyz')), verifyOpts()), 'InvalidArgument', /64 hex/);
    const unsigned = c.headers['authorization']!.replace('x-acs-date;', '');
    expectFail(verifyAcs3(auth(unsigned), verifyOpts()), 'InvalidArgument', /x-acs-date must be listed/);
    expectFail(verifyAcs3({ ...c, headers: { ...c.headers, 'x-acs-date': 'yesterday' } }, verifyOpts()), 'InvalidArgument', /ISO 8601/);
  });
});

describe('canonical query helpers', () => {
  it('encodes like RFC 3986 and sorts decoded keys', () => {
    assert.equal(rfc3986("a b!'()*~-_.é"), 'a%20b%21%27%28%29%2A~-_.%C3%A9');
    assert.equal(canonicalQuery('?b=2&a=x%20y&c&a=z'), 'a=x%20y%2Cz&b=2&c=');
    assert.equal(canonicalQuery(''), '');
  });
});

describe('NonceCache', () => {
  it('remembers nonces for its ttl, then forgets them', () => {
    const cache = new NonceCache({ ttlMs: 1000 });
    assert.equal(cache.seen('n1', 0), false);
    assert.equal(cache.seen('n1', 500), true);
    assert.equal(cache.seen('n2', 900), false);
    assert.equal(cache.seen('n1', 1001), false, 'n1 expired and is recorded afresh');
    assert.equal(cache.seen('n2', 1500), true);
    assert.equal(cache.seen('n3', 5000), false);
    assert.equal(cache.size, 1);
  });

  it('stays within maxEntries by dropping the oldest', () => {
    const cache = new NonceCache({ ttlMs: 1e9, maxEntries: 3 });
    for (const n of ['a', 'b', 'c', 'd']) assert.equal(cache.seen(n, 1), false);
    assert.equal(cache.size, 3);
    assert.equal(cache.seen('d', 2), true);
    assert.equal(cache.seen('a', 2), false, 'a was evicted');
  });

  it('defaults to twice the skew window', () => {
    assert.equal(new NonceCache().ttlMs, 30 * 60 * 1000);
  });
});
