/**
 * Security against a real server: opt-in ACS3 signature verification driven by the official SDK, the admin token,
 * and the start-up warning for a non-loopback listener. Time moves only through the manual clock; nothing sleeps.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { gatherConfig, parseConfig } from '../../src/config.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { isLoopback } from '../../src/server.ts';
import * as $OpenApi from '@alicloud/openapi-client';
import { $FC, event, localfcWithClient, readBody, sdkClient, sdkError } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const KEY = { accessKeyId: 'LTAI-test', accessKeySecret: 'the-secret' };
const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');
const createInput = (name: string) =>
  new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }) });

interface RawRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}
interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  json: { Code?: string; Message?: string; RequestId?: string } & Record<string, unknown>;
}

/** Sends bytes exactly as given, `host` header included (it is signed, so a replay must keep it). */
function send(port: number, req: RawRequest): Promise<RawResponse> {
  const headers = { ...req.headers, 'content-length': String(req.body.length) };
  delete headers['transfer-encoding'];
  delete headers.connection;
  return new Promise((resolve, reject) => {
    const r = http.request({ host: '127.0.0.1', port, method: req.method, path: req.path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, json: text ? JSON.parse(text) : {} });
      });
    });
    r.on('error', reject);
    r.end(req.body);
  });
}

/** A stand-in endpoint that records what the SDK sends and answers `{}`, so one signed request can be replayed. */
async function captureOne(call: (endpoint: string) => Promise<unknown>): Promise<RawRequest> {
  let captured: RawRequest | undefined;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      captured = { method: req.method!, path: req.url!, headers: req.headers, body: Buffer.concat(chunks) };
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    await call(`127.0.0.1:${(server.address() as AddressInfo).port}`);
  } finally {
    server.closeAllConnections();
    server.close();
  }
  assert.ok(captured, 'the SDK sent nothing');
  return captured;
}

describe('ACS3 signature verification (accessKeys configured)', () => {
  const local = localfcWithClient({ clock: 'manual', accessKeys: [KEY] }, undefined, { credentials: KEY });
  const advance = (ms: number) => advanceClock(local.fc, ms);

  it('the SDK with the right key can Create, Get, Invoke (streamed body) and List', async () => {
    const created = await local.client.createFunction(createInput('signed'));
    assert.equal(created.body!.state, 'Active');
    assert.equal((await local.client.getFunction('signed', new $FC.GetFunctionRequest({}))).body!.state, 'Active');
    const res = await local.client.invokeFunction('signed', new $FC.InvokeFunctionRequest({ body: event('{"signed":true}') }));
    assert.equal(res.statusCode, 200);
    assert.equal(await readBody(res.body!), '{"signed":true}', 'the handler still sees the body the middleware hashed');
    const list = await local.client.listFunctions(new $FC.ListFunctionsRequest({ prefix: 'sig', limit: 10 }));
    assert.deepEqual(list.body!.functions!.map((f) => f.functionName), ['signed']);
  });

  it('a wrong secret is 403 SignatureNotMatch', async () => {
    const err = await sdkError(sdkClient(local.fc.endpoint, { ...KEY, accessKeySecret: 'wrong' }).getFunction('signed', new $FC.GetFunctionRequest({})));
    assert.equal(err.statusCode, 403);
    assert.equal(err.code, 'SignatureNotMatch');
    assert.match(err.data.RequestId, /^1-/);
  });

  it('an unknown AccessKeyId is 403 InvalidAccessKeyID', async () => {
    const err = await sdkError(sdkClient(local.fc.endpoint, { accessKeyId: 'nobody', accessKeySecret: 'x' }).createFunction(createInput('intruder')));
    assert.equal(err.statusCode, 403);
    assert.equal(err.code, 'InvalidAccessKeyID');
    assert.match(err.data.Message, /nobody/);
    assert.equal((await sdkError(local.client.getFunction('intruder', new $FC.GetFunctionRequest({})))).code, 'FunctionNotFound', 'nothing was created');
  });

  it('an unsigned request is 400 MissingRequiredHeader', async () => {
    const res = await fetch(`${local.fc.url}/2023-03-30/functions`);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { Code: string; RequestId: string };
    assert.equal(body.Code, 'MissingRequiredHeader');
    assert.equal(res.headers.get('x-fc-request-id'), body.RequestId);
  });

  it('a replayed signed request is 403 SignatureNonceUsed; a tampered body is 403 SignatureNotMatch', async () => {
    const req = await captureOne((endpoint) => sdkClient(endpoint, KEY).createFunction(createInput('replayed')));
    assert.match(String(req.headers.authorization), /^ACS3-HMAC-SHA256 Credential=LTAI-test,/);

    const tampered = await send(local.fc.port, { ...req, body: Buffer.from(req.body.toString('utf8').replace('replayed', 'tampered')) });
    assert.equal(tampered.status, 403);
    assert.equal(tampered.json.Code, 'SignatureNotMatch');

    const first = await send(local.fc.port, req);
    assert.equal(first.status, 200, JSON.stringify(first.json));
    assert.equal(first.json.functionName, 'replayed', 'the handler parsed the JSON body after verification read it');
    const replay = await send(local.fc.port, req);
    assert.equal(replay.status, 403);
    assert.equal(replay.json.Code, 'SignatureNonceUsed');
  });

  it('verification does not touch the admin API', async () => {
    assert.equal((await fetch(`${local.fc.url}/_localfc/clock`)).status, 200);
  });

  it('advancing the manual clock (14 days) never makes signed calls fail: the date is checked against wall time, as the SDK stamps it', async () => {
    await advance(14 * 24 * 3600 * 1000);
    assert.equal((await local.client.getFunction('signed', new $FC.GetFunctionRequest({}))).body!.functionName, 'signed');
    assert.deepEqual((await local.client.listFunctions(new $FC.ListFunctionsRequest({ prefix: 'signed' }))).body!.functions!.map((f) => f.functionName), ['signed']);
  });

  it('a request stamped more than 15 minutes from wall time is 403 RequestTimeTooSkewed', async (t) => {
    // The SDK stamps x-acs-date from Date: sign one request 16 minutes in the past (only Date is mocked, for the capture).
    t.mock.timers.enable({ apis: ['Date'], now: Date.now() - 16 * 60 * 1000 });
    const stale = await captureOne((endpoint) => sdkClient(endpoint, KEY).getFunction('signed', new $FC.GetFunctionRequest({}))).finally(() => t.mock.timers.reset());
    const res = await send(local.fc.port, stale);
    assert.equal(res.status, 403);
    assert.equal(res.json.Code, 'RequestTimeTooSkewed');
    const fresh = await captureOne((endpoint) => sdkClient(endpoint, KEY).getFunction('signed', new $FC.GetFunctionRequest({})));
    assert.equal((await send(local.fc.port, fresh)).status, 200);
  });
});

describe('signature verification is off by default', () => {
  it('any AccessKey works when no accessKeys are configured', async () => {
    const fc = await start({ clock: 'manual' });
    try {
      const list = await sdkClient(fc.endpoint, { accessKeyId: 'whatever', accessKeySecret: 'x' }).listFunctions(new $FC.ListFunctionsRequest({}));
      assert.deepEqual(list.body!.functions, []);
    } finally {
      await fc.stop();
    }
  });
});

describe('admin token', () => {
  let fc: RunningLocalfc;
  const TOKEN = 's3cret-token';
  const bearer = { authorization: `Bearer ${TOKEN}` };

  before(async () => {
    fc = await start({ clock: 'manual', adminToken: TOKEN });
  });
  after(() => fc.stop());

  it('without a token, or with a wrong one, /_localfc is 401 in the cloud error shape', async () => {
    for (const init of [{}, { headers: { authorization: 'Bearer nope' } }, { headers: { authorization: `Basic ${TOKEN}` } }]) {
      const res = await fetch(`${fc.url}/_localfc/clock`, init);
      assert.equal(res.status, 401);
      assert.match(res.headers.get('www-authenticate') ?? '', /^Bearer/);
      const body = (await res.json()) as { Code: string; Message: string; RequestId: string };
      assert.equal(body.Code, 'Unauthorized');
      assert.equal(res.headers.get('x-fc-request-id'), body.RequestId);
    }
    const post = await fetch(`${fc.url}/_localfc/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"ms":1000}' });
    assert.equal(post.status, 401);
    assert.equal(fc.localfc.clock.now(), Date.UTC(2024, 0, 1), 'the refused call did not move the clock');
    assert.equal((await fetch(`${fc.url}/_localfc/ui`)).status, 401);
    assert.equal((await fetch(`${fc.url}/_localfc/events`)).status, 401);
  });

  it('with the bearer token (or ?token= for the page and its event stream) it is 200', async () => {
    assert.equal((await fetch(`${fc.url}/_localfc/clock`, { headers: bearer })).status, 200);
    const adv = await fetch(`${fc.url}/_localfc/clock/advance`, { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: '{"ms":1000}' });
    assert.equal(adv.status, 200);
    const page = await fetch(`${fc.url}/_localfc/ui?token=${TOKEN}`);
    assert.equal(page.status, 200);
    // The bare address with the token leads to the page with the token.
    const home = await fetch(`${fc.url}/?token=${TOKEN}`, { redirect: 'manual' });
    assert.equal(home.status, 302);
    assert.equal(home.headers.get('location'), `/_localfc/ui?token=${TOKEN}`);
    const html = await page.text();
    assert.match(html, /authorization: "Bearer " \+ TOKEN/, 'the page sends the token on its API calls');
    assert.match(html, /"\/events" \+ \(TOKEN \? "\?token="/, 'and on its EventSource');
    const ac = new AbortController();
    const events = await fetch(`${fc.url}/_localfc/events?token=${TOKEN}`, { signal: ac.signal });
    assert.equal(events.status, 200);
    assert.match(events.headers.get('content-type') ?? '', /text\/event-stream/);
    ac.abort();
  });

  it('/_localfc/health stays open, and the FC API does not need the admin token', async () => {
    assert.equal((await fetch(`${fc.url}/_localfc/health`)).status, 200);
    const list = await sdkClient(fc.endpoint).listFunctions(new $FC.ListFunctionsRequest({}));
    assert.deepEqual(list.body!.functions, []);
  });
});

const CHROMIUM = process.env.LOCALFC_CHROMIUM ?? '/usr/bin/chromium';
// The DOM callback below runs in the browser; tsconfig has no DOM lib.
declare const document: { querySelector(selector: string): { readonly textContent: string | null } | null };

describe('dashboard with an admin token, in a real browser', { skip: existsSync(CHROMIUM) ? false : `no chromium at ${CHROMIUM}` }, () => {
  it('opened as /_localfc/ui?token=…, the page streams live and its buttons work', async () => {
    const fc = await start({ clock: 'manual', adminToken: 'page-token' });
    const { chromium } = await import('playwright-core');
    const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox', '--disable-gpu', '--no-first-run'] });
    try {
      const page = await browser.newPage();
      const text = (id: string, t: string) => page.waitForFunction(([i, v]) => document.querySelector(`[data-testid="${i}"]`)?.textContent === v, [id, t] as const, { timeout: 60_000 });
      await page.goto(`${fc.url}/_localfc/ui?token=page-token`);
      await text('conn-status', 'live'); // the EventSource got through with ?token=
      await text('clock-now', '2024-01-01T00:00:00.000Z');
      await page.getByTestId('advance-amount').fill('1');
      await page.getByTestId('advance-unit').selectOption({ label: 'minutes' });
      await page.getByTestId('advance-btn').click(); // fetch with the bearer header
      await text('clock-now', '2024-01-01T00:01:00.000Z');
      assert.equal(fc.localfc.clock.now(), Date.UTC(2024, 0, 1, 0, 1));
      assert.equal(await page.getByTestId('error').textContent(), '');
    } finally {
      await browser.close();
      await fc.stop();
    }
  });
});

describe('non-loopback warning', () => {
  const startLogged = async (options: Parameters<typeof start>[0]) => {
    const lines: string[] = [];
    const fc = await start(options, { logLine: (l) => lines.push(l) });
    await fc.stop();
    return lines;
  };

  it('listening on 0.0.0.0 without an admin token prints a warning through logLine', async () => {
    const lines = await startLogged({ host: '0.0.0.0' });
    assert.ok(lines.some((l) => /^WARNING: localfc listens on 0\.0\.0\.0 without an admin token/.test(l)), lines.join('\n'));
    assert.ok(lines.some((l) => /signature verification is off/.test(l)));
  });

  it('no warning with an admin token, or on loopback', async () => {
    assert.deepEqual(await startLogged({ host: '0.0.0.0', adminToken: 't', accessKeys: [KEY] }), []);
    assert.deepEqual(await startLogged({ host: '127.0.0.1' }), []);
  });

  it('isLoopback', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) assert.equal(isLoopback(h), true, h);
    for (const h of ['0.0.0.0', '::', '192.168.1.5', 'example.com']) assert.equal(isLoopback(h), false, h);
  });
});

describe('security settings', () => {
  it('accessKeys from the env as id:secret pairs; the secret may contain ":"', () => {
    const c = parseConfig(gatherConfig([], { LOCALFC_ACCESS_KEYS: 'ak1:s1, ak2:s:2', LOCALFC_ADMIN_TOKEN: 'tok' }));
    assert.deepEqual(c.accessKeys, [{ accessKeyId: 'ak1', accessKeySecret: 's1' }, { accessKeyId: 'ak2', accessKeySecret: 's:2' }]);
    assert.equal(c.adminToken, 'tok');
  });

  it('flags --access-keys and --admin-token override the env', () => {
    const c = parseConfig(gatherConfig(['--access-keys', 'a:b', '--admin-token=t2'], { LOCALFC_ACCESS_KEYS: 'x:y', LOCALFC_ADMIN_TOKEN: 'tok' }));
    assert.deepEqual(c.accessKeys, [{ accessKeyId: 'a', accessKeySecret: 'b' }]);
    assert.equal(c.adminToken, 't2');
  });

  it('defaults: no keys (verification off), no token; a key without a secret is refused', () => {
    const c = parseConfig({});
    assert.deepEqual(c.accessKeys, []);
    assert.equal(c.adminToken, undefined);
    assert.throws(() => parseConfig(gatherConfig([], { LOCALFC_ACCESS_KEYS: 'lonely' })), /accessKeys\.0\.accessKeySecret/);
  });
});

describe('HTTP trigger with authType function (accessKeys configured)', () => {
  let fc: RunningLocalfc;
  // The SDK's own ACS3 signer on an arbitrary path: openapi-client's generic callApi, as FC-compatible callers sign.
  // CommonJS under ESM, as in helpers/sdk.ts: the namespace's `default` is module.exports, whose `default` is the class.
  const OpenApiClient = (($OpenApi.default as unknown as { default?: typeof $OpenApi.default.default }).default ?? $OpenApi.default) as typeof $OpenApi.default.default;
  const callTrigger = (key: typeof KEY, method: string, pathname: string, body?: unknown) =>
    new OpenApiClient(new $OpenApi.Config({ ...key, endpoint: fc.endpoint, protocol: 'http' })).callApi(
      new $OpenApi.Params({ action: 'InvokeHttpTrigger', version: '2023-03-30', protocol: 'HTTP', pathname, method, authType: 'AK', style: 'ROA', reqBodyType: 'json', bodyType: 'string' }),
      new $OpenApi.OpenApiRequest(body === undefined ? {} : { body }),
      {} as never,
    ) as Promise<{ statusCode: number; body: string }>;
  // One HTTP trigger per function and qualifier (FC's limit): the anonymous one is on a function of its own.
  const trigger = (functionName: string, triggerName: string, authType: string) =>
    sdkClient(fc.endpoint, KEY).createTrigger(functionName, new $FC.CreateTriggerRequest({
      body: new $FC.CreateTriggerInput({ triggerName, triggerType: 'http', triggerConfig: JSON.stringify({ authType, methods: ['GET', 'POST'] }) }),
    }));

  before(async () => {
    fc = await start({ clock: 'manual', accessKeys: [KEY] });
    await sdkClient(fc.endpoint, KEY).createFunction(createInput('web'));
    await sdkClient(fc.endpoint, KEY).createFunction(createInput('web-open'));
    await advanceClock(fc, 1000);
    await trigger('web', 'private', 'function');
    await trigger('web-open', 'public', 'anonymous');
  });
  after(() => fc.stop());

  it('a correctly signed request is 200, with or without a (hashed) body', async () => {
    const get = await callTrigger(KEY, 'GET', '/fcapp/web/private/hello');
    assert.equal(get.statusCode, 200);
    // The simulated backend echoes the HTTP event it was given.
    assert.equal(JSON.parse(get.body).rawPath, '/hello');
    const post = await callTrigger(KEY, 'POST', '/fcapp/web/private', { some: 'json' });
    assert.equal(post.statusCode, 200);
    assert.equal(JSON.parse(post.body).body, '{"some":"json"}', 'the function still gets the body the verifier hashed');
  });

  it('a wrong secret is 403 SignatureNotMatch, an unknown key 403 InvalidAccessKeyID, no signature 403 AccessDenied', async () => {
    const wrong = await sdkError(callTrigger({ ...KEY, accessKeySecret: 'wrong' }, 'GET', '/fcapp/web/private'));
    assert.equal(wrong.statusCode, 403);
    assert.equal(wrong.code, 'SignatureNotMatch');
    const unknown = await sdkError(callTrigger({ accessKeyId: 'nobody', accessKeySecret: 'x' }, 'GET', '/fcapp/web/private'));
    assert.equal(unknown.statusCode, 403);
    assert.equal(unknown.code, 'InvalidAccessKeyID');
    const unsigned = await fetch(`${fc.url}/fcapp/web/private`);
    assert.equal(unsigned.status, 403);
    assert.equal(((await unsigned.json()) as { Code: string }).Code, 'AccessDenied');
    const forged = await fetch(`${fc.url}/fcapp/web/private`, { headers: { authorization: 'ACS3-HMAC-SHA256 Credential=LTAI-test,SignedHeaders=host,Signature=x' } });
    assert.equal(forged.status, 400, 'a malformed signature is refused like on the FC API, not merely present');
  });

  it('an anonymous trigger is 200 without a signature', async () => {
    const res = await fetch(`${fc.url}/fcapp/web-open/public`);
    assert.equal(res.status, 200);
    assert.equal(((await res.json()) as { rawPath: string }).rawPath, '/');
  });
});
