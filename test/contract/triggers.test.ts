/**
 * Triggers through the official SDK: CRUD and pagination, HTTP triggers serving real handlers (built-in nodejs and a
 * custom runtime) to plain fetch, firing a timer trigger through the admin API, timer triggers firing by themselves on
 * the manual clock, and triggers going with their function.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { request } from 'undici';
import { createZip } from '../helpers/zip.ts';
import { $FC, type FcClient, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { waitFor } from '../helpers/wait.ts';
import { advanceClock } from '../helpers/clock.ts';

const echoZip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, "ok")' }]).toString('base64');

const httpHandler = `
exports.handler = async (event) => {
  const e = JSON.parse(event.toString());
  if (e.rawPath === '/created') {
    return { statusCode: 201, headers: { 'x-made': 'yes', 'content-type': 'application/json' }, body: JSON.stringify({ made: true }) };
  }
  if (e.rawPath === '/plain') return 'just text';
  if (e.rawPath === '/boom') throw new Error('boom');
  return { statusCode: 200, headers: { 'content-type': 'application/json' }, body: JSON.stringify(e) };
};
exports.timer = async (event) => {
  const e = JSON.parse(event.toString());
  console.log('timer fired ' + e.triggerName + ' ' + e.payload);
  return 'tick:' + e.payload;
};
`;

// FC's python3 contract: the HTTP trigger event arrives as bytes, json.loads takes them as they are.
const pyHttpHandler = `import json


def handler(event, context):
    assert isinstance(event, bytes), type(event)
    e = json.loads(event)
    return {
        'statusCode': 201,
        'headers': {'content-type': 'application/json', 'x-py': 'yes'},
        'body': json.dumps({'query': e['queryParameters'], 'method': e['requestContext']['http']['method'], 'path': e['rawPath']}, separators=(',', ':')),
    }
`;

const customServer = `
const http = require('node:http');
http.createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    res.writeHead(202, { 'content-type': 'application/json', 'x-from': 'custom' });
    res.end(JSON.stringify({ method: req.method, url: req.url, custom: req.headers['x-custom'], body }));
  });
}).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');
`;

const httpConfig = (methods: string[], authType = 'anonymous') => JSON.stringify({ authType, methods });

async function createFn(client: FcClient, input: Record<string, unknown>): Promise<void> {
  await client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput(input) }));
}

async function createTrigger(client: FcClient, fn: string, input: Record<string, unknown>) {
  return (await client.createTrigger(fn, new $FC.CreateTriggerRequest({ body: new $FC.CreateTriggerInput(input) }))).body!;
}

describe('trigger CRUD through the official SDK', () => {
  const local = localfcWithClient({ clock: 'manual' });
  before(async () => {
    await createFn(local.client, { functionName: 'crud', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: echoZip }) });
  });

  it('creates, gets, updates and deletes a trigger', async () => {
    const created = await createTrigger(local.client, 'crud', {
      triggerName: 'tick', triggerType: 'timer', description: 'every minute',
      triggerConfig: JSON.stringify({ cronExpression: '@every 1m', payload: 'p1', enable: true }),
    });
    assert.equal(created.triggerName, 'tick');
    assert.equal(created.triggerType, 'timer');
    assert.equal(created.qualifier, 'LATEST');
    assert.equal(created.createdTime, '2024-01-01T00:00:00Z');
    assert.match(created.triggerId!, /^[0-9a-f-]{36}$/);
    assert.match(created.targetArn!, /:functions\/crud$/);
    assert.equal(JSON.parse(created.triggerConfig!).payload, 'p1');
    assert.equal(created.httpTrigger, undefined);

    const dup = await sdkError(createTrigger(local.client, 'crud', { triggerName: 'tick', triggerType: 'timer', triggerConfig: created.triggerConfig }));
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.code, 'TriggerAlreadyExists');

    await advanceClock(local.fc, 5000);
    const updated = (await local.client.updateTrigger('crud', 'tick', new $FC.UpdateTriggerRequest({
      body: new $FC.UpdateTriggerInput({ triggerConfig: JSON.stringify({ cronExpression: '0 0 8 * * *', payload: 'p2', enable: false }) }),
    }))).body!;
    assert.equal(JSON.parse(updated.triggerConfig!).payload, 'p2');
    assert.equal(updated.description, 'every minute');
    assert.equal(updated.lastModifiedTime, '2024-01-01T00:00:05Z');

    const got = (await local.client.getTrigger('crud', 'tick')).body!;
    assert.equal(got.triggerId, created.triggerId);

    await local.client.deleteTrigger('crud', 'tick');
    const gone = await sdkError(local.client.getTrigger('crud', 'tick'));
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.code, 'TriggerNotFound');
  });

  it('takes an HTTP config without methods and a timer config without enable (optional in FC\'s API definition): no method is allowed, the timer is not armed', async () => {
    const http = await createTrigger(local.client, 'crud', { triggerName: 'no-methods', triggerType: 'http', triggerConfig: JSON.stringify({ authType: 'anonymous' }) });
    assert.equal(http.triggerConfig, JSON.stringify({ authType: 'anonymous' }), 'the config reads back as it was sent');
    const res = await fetch(http.httpTrigger!.urlInternet!);
    assert.equal(res.status, 405);
    assert.equal(res.headers.get('allow'), '');
    assert.equal(((await res.json()) as { Code: string }).Code, 'MethodNotAllowed');

    const timer = await createTrigger(local.client, 'crud', { triggerName: 'no-enable', triggerType: 'timer', triggerConfig: JSON.stringify({ cronExpression: '@every 5m' }) });
    assert.equal(timer.triggerConfig, JSON.stringify({ cronExpression: '@every 5m' }));
    assert.deepEqual(local.fc.localfc.clock.pendingTimers().filter((t) => t.label.includes('no-enable')), []);
    await local.client.updateTrigger('crud', 'no-enable', new $FC.UpdateTriggerRequest({ body: new $FC.UpdateTriggerInput({ triggerConfig: JSON.stringify({ cronExpression: '@every 5m', enable: true }) }) }));
    assert.equal(local.fc.localfc.clock.pendingTimers().filter((t) => t.label.includes('no-enable')).length, 1, 'enable: true arms it');
    await local.client.deleteTrigger('crud', 'no-methods');
    await local.client.deleteTrigger('crud', 'no-enable');
  });

  it('validates per type', async () => {
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ triggerName: 'h', triggerType: 'http', triggerConfig: JSON.stringify({ authType: 'anonymous', methods: ['FETCH'] }) }, /method/],
      [{ triggerName: 'h', triggerType: 'http', triggerConfig: JSON.stringify({ authType: 'open', methods: ['GET'] }) }, /authType/],
      [{ triggerName: 't', triggerType: 'timer', triggerConfig: JSON.stringify({ cronExpression: 'every day', enable: true }) }, /cronExpression/],
      [{ triggerName: 't', triggerType: 'timer', triggerConfig: '{not json' }, /JSON/],
      [{ triggerName: 'o', triggerType: 'oss', triggerConfig: JSON.stringify({ events: ['oss:ObjectCreated:*'] }) }, /sourceArn/],
      [{ triggerName: 'x', triggerType: 'kafka-ish', triggerConfig: '{}' }, /not supported/],
      [{ triggerName: '1bad', triggerType: 'timer', triggerConfig: JSON.stringify({ cronExpression: '@every 1m', enable: true }) }, /triggerName/],
    ];
    for (const [input, message] of cases) {
      const err = await sdkError(createTrigger(local.client, 'crud', input));
      assert.equal(err.statusCode, 400, JSON.stringify(input));
      assert.equal(err.code, 'InvalidArgument');
      assert.match(err.data.Message, message);
    }
    const notAList = await sdkError(createTrigger(local.client, 'crud', { triggerName: 'h', triggerType: 'http', triggerConfig: JSON.stringify({ methods: 'GET' }) }));
    assert.match(notAList.data.Message, /methods must be an array/);
    const missing = await sdkError(createTrigger(local.client, 'nope', { triggerName: 't', triggerType: 'timer', triggerConfig: '{}' }));
    assert.equal(missing.code, 'FunctionNotFound');
    const oss = await createTrigger(local.client, 'crud', {
      triggerName: 'uploads', triggerType: 'oss', sourceArn: 'acs:oss:cn-hangzhou:1234567890123456:my-bucket',
      triggerConfig: JSON.stringify({ events: ['oss:ObjectCreated:*'], filter: { key: { prefix: 'in/', suffix: '.png' } } }),
    });
    assert.equal(oss.sourceArn, 'acs:oss:cn-hangzhou:1234567890123456:my-bucket');
    await local.client.deleteTrigger('crud', 'uploads');
  });

  it('allows one HTTP trigger per version or alias (FC\'s HTTP trigger Limits): a second one for the same qualifier is refused, another qualifier takes one', async () => {
    const http = JSON.stringify({ authType: 'anonymous', methods: ['GET'] });
    await createTrigger(local.client, 'crud', { triggerName: 'web', triggerType: 'http', triggerConfig: http });
    const second = await sdkError(createTrigger(local.client, 'crud', { triggerName: 'web2', triggerType: 'http', triggerConfig: http }));
    assert.equal(second.statusCode, 400);
    assert.equal(second.code, 'InvalidArgument');
    assert.match(second.data.Message, /already has an HTTP trigger \('web'\) for qualifier LATEST/);
    assert.ok(second.data.RequestId);
    const explicit = await sdkError(createTrigger(local.client, 'crud', { triggerName: 'web2', triggerType: 'http', triggerConfig: http, qualifier: 'LATEST' }));
    assert.equal(explicit.code, 'InvalidArgument');
    // Another version gets its own; moving it onto LATEST is refused and leaves it where it was.
    await local.client.updateFunction('crud', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ description: 'v1' }) }));
    await advanceClock(local.fc, 1000);
    const version = (await local.client.publishFunctionVersion('crud', new $FC.PublishFunctionVersionRequest({ body: new $FC.PublishVersionInput({}) }))).body!.versionId!;
    await createTrigger(local.client, 'crud', { triggerName: 'web-v', triggerType: 'http', triggerConfig: http, qualifier: version });
    const moved = await sdkError(local.client.updateTrigger('crud', 'web-v', new $FC.UpdateTriggerRequest({ body: new $FC.UpdateTriggerInput({ qualifier: 'LATEST' }) })));
    assert.equal(moved.code, 'InvalidArgument');
    assert.equal((await local.client.getTrigger('crud', 'web-v')).body!.qualifier, version);
    // Updating the one trigger of a qualifier (naming its own qualifier) and other trigger types are not affected.
    await local.client.updateTrigger('crud', 'web', new $FC.UpdateTriggerRequest({ body: new $FC.UpdateTriggerInput({ qualifier: 'LATEST', description: 'same' }) }));
    await createTrigger(local.client, 'crud', { triggerName: 'tick2', triggerType: 'timer', triggerConfig: JSON.stringify({ cronExpression: '@every 5m', enable: true }) });
    assert.deepEqual((await local.client.listTriggers('crud', new $FC.ListTriggersRequest({}))).body!.triggers!.map((t) => t.triggerName).sort(), ['tick2', 'web', 'web-v']);
    for (const t of ['web', 'web-v', 'tick2']) await local.client.deleteTrigger('crud', t);
  });

  it('lists with prefix, limit and nextToken, with no nextToken on the last page', async () => {
    for (const n of ['b', 'a', 'e', 'c', 'd']) {
      await createTrigger(local.client, 'crud', { triggerName: `page-${n}`, triggerType: 'timer', triggerConfig: JSON.stringify({ cronExpression: '@every 5m', enable: true }) });
    }
    await createTrigger(local.client, 'crud', { triggerName: 'other', triggerType: 'timer', triggerConfig: JSON.stringify({ cronExpression: '@every 5m', enable: true }) });
    const seen: string[] = [];
    let nextToken: string | undefined;
    let pages = 0;
    do {
      const page = (await local.client.listTriggers('crud', new $FC.ListTriggersRequest({ prefix: 'page-', limit: 2, ...(nextToken ? { nextToken } : {}) }))).body!;
      seen.push(...page.triggers!.map((t) => t.triggerName!));
      nextToken = page.nextToken;
      pages++;
    } while (nextToken);
    assert.deepEqual(seen, ['page-a', 'page-b', 'page-c', 'page-d', 'page-e']);
    assert.equal(pages, 3);
    const all = (await local.client.listTriggers('crud', new $FC.ListTriggersRequest({}))).body!;
    assert.equal(all.triggers!.length, 6);
    assert.equal(all.nextToken, undefined);
  });

  it('refuses to delete a function that still has triggers (409 FunctionNotEmpty, naming them); without them it goes', async () => {
    const refused = await sdkError(local.client.deleteFunction('crud'));
    assert.equal(refused.statusCode, 409);
    assert.equal(refused.code, 'FunctionNotEmpty');
    assert.match(refused.data.Message, /function 'crud' has active triggers \('other', 'page-a'/);
    assert.equal((await local.client.getFunction('crud', new $FC.GetFunctionRequest({}))).body!.functionName, 'crud');
    for (const t of (await local.client.listTriggers('crud', new $FC.ListTriggersRequest({}))).body!.triggers!) await local.client.deleteTrigger('crud', t.triggerName!);
    await local.client.deleteFunction('crud');
    await createFn(local.client, { functionName: 'crud', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: echoZip }) });
    const list = (await local.client.listTriggers('crud', new $FC.ListTriggersRequest({}))).body!;
    assert.deepEqual(list.triggers, []);
    const err = await sdkError(local.client.getTrigger('crud', 'page-a'));
    assert.equal(err.code, 'TriggerNotFound');
  });
});

describe('HTTP and timer triggers on real handlers (process backend)', () => {
  let webUrl: string;
  const advance = (ms: number) => advanceClock(local.fc, ms);

  const local = localfcWithClient({ clock: 'manual', backend: 'process' });
  before(async () => {
    await createFn(local.client, {
      functionName: 'web', runtime: 'nodejs20', handler: 'index.handler',
      code: new $FC.InputCodeLocation({ zipFile: createZip([{ path: 'index.js', data: httpHandler }]).toString('base64') }),
    });
    await createFn(local.client, {
      functionName: 'cron', runtime: 'nodejs20', handler: 'index.timer',
      code: new $FC.InputCodeLocation({ zipFile: createZip([{ path: 'index.js', data: httpHandler }]).toString('base64') }),
    });
    await createFn(local.client, {
      functionName: 'webapp', runtime: 'custom.debian10', handler: 'index.handler',
      customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'] }),
      code: new $FC.InputCodeLocation({ zipFile: createZip([{ path: 'server.js', data: customServer }]).toString('base64') }),
    });
    // One HTTP trigger per function and qualifier: the tests that add another trigger use functions of their own.
    for (const functionName of ['web-private', 'web-default']) {
      await createFn(local.client, {
        functionName, runtime: 'nodejs20', handler: 'index.handler',
        code: new $FC.InputCodeLocation({ zipFile: createZip([{ path: 'index.js', data: httpHandler }]).toString('base64') }),
      });
    }
    // created here, not in its test: the timer test below expects the clock one second past the start
    await createFn(local.client, {
      functionName: 'pyweb', runtime: 'python3.10', handler: 'index.handler',
      code: new $FC.InputCodeLocation({ zipFile: createZip([{ path: 'index.py', data: pyHttpHandler }]).toString('base64') }),
    });
    await advance(1000);
    const t = await createTrigger(local.client, 'web', { triggerName: 'site', triggerType: 'http', triggerConfig: httpConfig(['GET', 'POST']) });
    webUrl = t.httpTrigger!.urlInternet!;
    assert.equal(t.httpTrigger!.urlIntranet, webUrl);
  });

  it('serves GET with a query as an FC 3.0 HTTP event', async () => {
    assert.equal(webUrl, `${local.fc.url}/fcapp/web/site`);
    const res = await fetch(`${webUrl}/items/42?color=red&color=blue&size=L`, { headers: { 'x-custom': 'hi' } });
    assert.equal(res.status, 200);
    assert.ok(res.headers.get('x-fc-request-id'));
    const e = (await res.json()) as Record<string, any>;
    assert.equal(e.version, 'v1');
    assert.equal(e.rawPath, '/items/42');
    assert.deepEqual(e.queryParameters, { color: 'red,blue', size: 'L' });
    assert.equal(e.headers['X-Custom'], 'hi');
    assert.equal(e.body, '');
    assert.equal(e.isBase64Encoded, false);
    assert.equal(e.requestContext.http.method, 'GET');
    assert.equal(e.requestContext.http.path, '/items/42');
    assert.equal(e.requestContext.requestId, res.headers.get('x-fc-request-id'));
    assert.match(e.requestContext.domainName, /^web-[a-z0-9]+\.cn-hangzhou\.fcapp\.run$/);
  });

  it('passes a POST body (base64 when binary) and maps a returned struct as-is', async () => {
    const text = (await (await fetch(webUrl, { method: 'POST', body: '{"a":1}', headers: { 'content-type': 'application/json' } })).json()) as Record<string, any>;
    assert.equal(text.body, '{"a":1}');
    assert.equal(text.isBase64Encoded, false);
    assert.equal(text.rawPath, '/');
    const bin = (await (await fetch(`${webUrl}/upload`, { method: 'POST', body: new Uint8Array([0, 255, 1]), headers: { 'content-type': 'application/octet-stream' } })).json()) as Record<string, any>;
    assert.equal(bin.isBase64Encoded, true);
    assert.equal(bin.body, Buffer.from([0, 255, 1]).toString('base64'));

    const created = await fetch(`${webUrl}/created`, { method: 'POST' });
    assert.equal(created.status, 201);
    assert.equal(created.headers.get('x-made'), 'yes');
    assert.deepEqual(await created.json(), { made: true });

    const plain = await fetch(`${webUrl}/plain`);
    assert.equal(plain.status, 200);
    assert.equal(await plain.text(), 'just text');

    const boom = await fetch(`${webUrl}/boom`);
    assert.equal(boom.status, 502);
    assert.equal(boom.headers.get('x-fc-error-type'), 'UnhandledInvocationError');
    assert.equal(((await boom.json()) as { errorMessage: string }).errorMessage, 'boom');
  });

  it('refuses a method the trigger does not list, and an unsigned call to an authType function trigger', async () => {
    const res = await fetch(webUrl, { method: 'DELETE' });
    assert.equal(res.status, 405);
    const body = (await res.json()) as { Code: string; RequestId: string };
    assert.equal(body.Code, 'MethodNotAllowed');
    assert.ok(body.RequestId);

    const t = await createTrigger(local.client, 'web-private', { triggerName: 'private', triggerType: 'http', triggerConfig: httpConfig(['GET'], 'function') });
    const denied = await fetch(t.httpTrigger!.urlInternet!);
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as { Code: string }).Code, 'AccessDenied');
    const signed = await fetch(t.httpTrigger!.urlInternet!, { headers: { authorization: 'ACS3-HMAC-SHA256 Credential=ak,SignedHeaders=host,Signature=x' } });
    assert.equal(signed.status, 200);
  });

  it('a config without authType is accepted and is authType function, its default in FC\'s API definition', async () => {
    const t = await createTrigger(local.client, 'web-default', { triggerName: 'defaulted', triggerType: 'http', triggerConfig: JSON.stringify({ methods: ['GET'] }) });
    assert.equal(t.triggerConfig, JSON.stringify({ methods: ['GET'] }), 'the config reads back as it was sent');
    const denied = await fetch(t.httpTrigger!.urlInternet!);
    assert.equal(denied.status, 403);
    assert.equal(((await denied.json()) as { Code: string }).Code, 'AccessDenied');
  });

  it('serves a FC-style fcapp.run host too', async () => {
    const t = (await local.client.getTrigger('web', 'site')).body!;
    assert.ok(t.httpTrigger);
    const e = (await (await fetch(`${webUrl}/x`)).json()) as Record<string, any>;
    // fetch drops a Host header; undici's request sends it as curl --resolve or a hosts entry would.
    const res = await request(`${local.fc.url}/via-host?q=1`, { headers: { host: e.requestContext.domainName } });
    assert.equal(res.statusCode, 200);
    const viaHost = (await res.body.json()) as Record<string, any>;
    assert.equal(viaHost.rawPath, '/via-host');
    assert.deepEqual(viaHost.queryParameters, { q: '1' });
  });

  it('serves a python3 handler: the event is bytes, the returned dict is the response', async () => {
    const t = await createTrigger(local.client, 'pyweb', { triggerName: 'py', triggerType: 'http', triggerConfig: httpConfig(['GET']) });
    const res = await fetch(`${t.httpTrigger!.urlInternet}/hello?name=py&n=1&n=2`);
    const text = await res.text();
    assert.equal(res.status, 201, text);
    assert.equal(res.headers.get('x-py'), 'yes');
    assert.equal(res.headers.get('content-type'), 'application/json');
    // exactly the handler's body: no wrapping, no re-encoding
    assert.equal(text, JSON.stringify({ query: { name: 'py', n: '1,2' }, method: 'GET', path: '/hello' }));
  });

  it('forwards the raw request to a custom runtime and relays its response', async () => {
    const t = await createTrigger(local.client, 'webapp', { triggerName: 'app', triggerType: 'http', triggerConfig: httpConfig(['GET', 'PUT']) });
    const res = await fetch(`${t.httpTrigger!.urlInternet}/api/things?id=7`, { method: 'PUT', body: 'payload', headers: { 'x-custom': 'yes' } });
    assert.equal(res.status, 202);
    assert.equal(res.headers.get('x-from'), 'custom');
    assert.ok(res.headers.get('x-fc-request-id'));
    assert.deepEqual(await res.json(), { method: 'PUT', url: '/api/things?id=7', custom: 'yes', body: 'payload' });
  });

  it('fires a timer trigger through the admin API', async () => {
    await createTrigger(local.client, 'cron', { triggerName: 'nightly', triggerType: 'timer', triggerConfig: JSON.stringify({ cronExpression: '0 0 2 * * *', payload: 'hello', enable: true }) });
    const sync = await fetch(`${local.fc.url}/_localfc/functions/cron/triggers/nightly/fire?sync=true`, { method: 'POST' });
    assert.equal(sync.status, 200);
    assert.equal(await sync.text(), 'tick:hello');

    const fired = await fetch(`${local.fc.url}/_localfc/functions/cron/triggers/nightly/fire`, { method: 'POST' });
    assert.equal(fired.status, 202);
    const { requestId, event } = (await fired.json()) as { requestId: string; event: string };
    assert.deepEqual(JSON.parse(event), { triggerTime: '2024-01-01T00:00:01Z', triggerName: 'nightly', payload: 'hello' });
    await waitFor('the async fire to show up as an invoked entry in the timeline', async () => {
      const { timeline } = (await (await fetch(`${local.fc.url}/_localfc/functions/cron/timeline`)).json()) as { timeline: Array<{ event: string; detail?: { requestId?: string } }> };
      return timeline.some((t) => t.event === 'invoked' && t.detail?.requestId === requestId) ? true : undefined;
    }, 2000);

    const http = await fetch(`${local.fc.url}/_localfc/functions/web/triggers/site/fire`, { method: 'POST' });
    assert.equal(http.status, 400);
  });

  it("a deleted function's HTTP trigger stops serving", async () => {
    assert.equal((await sdkError(local.client.deleteFunction('web'))).code, 'FunctionNotEmpty');
    // Gone the way /_localfc/reset removes functions (the API refuses while triggers remain).
    await local.fc.localfc.functions.delete('web');
    const res = await fetch(webUrl);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { Code: string }).Code, 'FunctionNotFound');
  });
});

describe('timer triggers fire by themselves on the manual clock', () => {
  type Entry = { at: number; event: string; detail?: { requestId?: string; triggerName?: string; event?: string; code?: string } };

  const timeline = async (fn: string): Promise<Entry[]> => ((await (await fetch(`${local.fc.url}/_localfc/functions/${fn}/timeline`)).json()) as { timeline: Entry[] }).timeline;
  const fired = async (fn: string, trigger: string): Promise<Entry[]> => (await timeline(fn)).filter((e) => e.event === 'trigger.fired' && e.detail?.triggerName === trigger);
  const advance = async (ms: number): Promise<void> => {
    const res = await fetch(`${local.fc.url}/_localfc/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms }) });
    assert.equal(res.status, 200);
  };
  const timerConfig = (cronExpression: string, payload: string, enable = true) => JSON.stringify({ cronExpression, payload, enable });
  const timersOf = (fn: string) => local.fc.localfc.clock.pendingTimers().filter((t) => t.label.startsWith(`timer trigger ${fn}/`));

  const local = localfcWithClient({ clock: 'manual' });
  before(async () => {
    for (const functionName of ['ticker', 'hourly', 'sleepy']) {
      await createFn(local.client, { functionName, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: echoZip }) });
    }
    await advance(1000); // Active
  });

  it('@every 10m fires six times in an hour, each invoking the function with the timer event', async () => {
    await createTrigger(local.client, 'ticker', { triggerName: 'tick', triggerType: 'timer', triggerConfig: timerConfig('@every 10m', 'p1') });
    assert.equal(timersOf('ticker').length, 1);
    await advance(3600_000);
    const firings = await fired('ticker', 'tick');
    assert.equal(firings.length, 6);
    const entries = await timeline('ticker');
    for (const [i, f] of firings.entries()) {
      const time = new Date(Date.UTC(2024, 0, 1, 0, 10 * (i + 1), 1)).toISOString().replace('.000', '');
      assert.deepEqual(JSON.parse(f.detail!.event!), { triggerTime: time, triggerName: 'tick', payload: 'p1' });
      assert.ok(entries.some((e) => e.event === 'invoked' && e.detail?.requestId === f.detail!.requestId), `firing ${i} was invoked`);
    }
  });

  it('UpdateTrigger re-arms: a new payload applies, and enable: false stops the timer', async () => {
    await local.client.updateTrigger('ticker', 'tick', new $FC.UpdateTriggerRequest({ body: new $FC.UpdateTriggerInput({ triggerConfig: timerConfig('@every 30m', 'p2') }) }));
    await advance(1800_000);
    const last = (await fired('ticker', 'tick')).at(-1)!;
    assert.equal(JSON.parse(last.detail!.event!).payload, 'p2');

    await local.client.updateTrigger('ticker', 'tick', new $FC.UpdateTriggerRequest({ body: new $FC.UpdateTriggerInput({ triggerConfig: timerConfig('@every 30m', 'p2', false) }) }));
    assert.equal(timersOf('ticker').length, 0);
    const before = (await fired('ticker', 'tick')).length;
    await advance(3600_000);
    assert.equal((await fired('ticker', 'tick')).length, before);
  });

  it('a cron expression fires on the hour', async () => {
    const now = local.fc.localfc.clock.now();
    await createTrigger(local.client, 'hourly', { triggerName: 'top', triggerType: 'timer', triggerConfig: timerConfig('0 0 * * * *', 'h') });
    const nextHour = Math.ceil(now / 3600_000) * 3600_000;
    await advance(nextHour - now - 1000);
    assert.equal((await fired('hourly', 'top')).length, 0);
    await advance(2 * 3600_000);
    const firings = await fired('hourly', 'top');
    assert.deepEqual(firings.map((f) => f.at), [nextHour, nextHour + 3600_000]);
    assert.equal(JSON.parse(firings[0]!.detail!.event!).triggerTime, new Date(nextHour).toISOString().replace('.000', ''));
  });

  it("CRON_TZ arms on the zone's wall clock across a daylight-saving change (New York, 2024-03-10)", async () => {
    // 02:30 does not exist that night in New York: the firing is at 03:00 EDT (07:00Z), not at 01:30 EST (06:30Z).
    await createTrigger(local.client, 'hourly', { triggerName: 'dst', triggerType: 'timer', triggerConfig: timerConfig('CRON_TZ=America/New_York 0 30 2 10 3 *', 'd') });
    const armed = local.fc.localfc.clock.pendingTimers().filter((t) => t.label.startsWith('timer trigger hourly/dst'));
    assert.deepEqual(armed.map((t) => new Date(t.dueAt).toISOString()), ['2024-03-10T07:00:00.000Z']);
    await local.client.deleteTrigger('hourly', 'dst');
  });

  it('a firing that finds the function Inactive wakes it and is retried as an async invocation (0.5 s, then doubling) until it runs', async () => {
    await createFn(local.client, { functionName: 'boxed', runtime: 'custom-container', handler: 'not-used', customContainerConfig: new $FC.CustomContainerConfig({ image: 'registry.example.com/ns/boxed:v1', port: 9000 }) });
    await advance(5000); // Active
    await createTrigger(local.client, 'boxed', { triggerName: 'tick', triggerType: 'timer', triggerConfig: timerConfig('@every 1m', 'b') });
    local.fc.localfc.functions.force('boxed', { type: 'idle' });
    await advance(60_000);
    const firedAt = local.fc.localfc.clock.now();
    assert.equal((await local.fc.localfc.functions.get('boxed')).state, 'Pending', 'the firing woke it');
    await advance(10_000); // the 5 s preparation ends; retries at +0.5, +1.5, +3.5 find it Pending, +7.5 runs
    const entries = (await timeline('boxed')).filter((e) => e.event.startsWith('trigger.') || e.event === 'invoked' || e.event === 'rejected');
    assert.deepEqual(entries.map((e) => [e.event, e.at - firedAt]), [
      ['rejected', 0], ['trigger.retrying', 0],
      ['rejected', 500], ['trigger.retrying', 500],
      ['rejected', 1500], ['trigger.retrying', 1500],
      ['rejected', 3500], ['trigger.retrying', 3500],
      ['trigger.fired', 7500], ['invoked', 7500],
    ]);
    assert.equal(entries.filter((e) => e.event === 'trigger.skipped').length, 0);
    assert.equal(timersOf('boxed').length, 1, 'the schedule goes on');
    await local.client.deleteTrigger('boxed', 'tick');
  });

  it('a firing that finds the function Failed is recorded and skipped; the timer goes on', async () => {
    await createTrigger(local.client, 'sleepy', { triggerName: 'tick', triggerType: 'timer', triggerConfig: timerConfig('@every 1m', 's') });
    local.fc.localfc.functions.force('sleepy', { type: 'invalidate', code: 'ImageDeleted', reason: 'gone' });
    await advance(60_000);
    const skipped = (await timeline('sleepy')).filter((e) => e.event === 'trigger.skipped');
    assert.equal(skipped.length, 1);
    assert.equal(skipped[0]!.detail!.code, 'FunctionNotActive');
    assert.equal((await timeline('sleepy')).filter((e) => e.event === 'trigger.retrying').length, 0);
    assert.equal(timersOf('sleepy').length, 1);
  });

  it('deleting the trigger or the function leaves no pending timer', async () => {
    await local.client.deleteTrigger('hourly', 'top');
    assert.equal(timersOf('hourly').length, 0);
    await createTrigger(local.client, 'ticker', { triggerName: 'again', triggerType: 'timer', triggerConfig: timerConfig('0 0/5 * * * *', 'x') });
    assert.equal(timersOf('ticker').length, 1);
    assert.equal((await sdkError(local.client.deleteFunction('ticker'))).code, 'FunctionNotEmpty');
    assert.equal(timersOf('ticker').length, 1, 'a refused delete leaves the trigger firing');
    // Gone the way /_localfc/reset removes functions, triggers and all.
    await local.fc.localfc.functions.delete('ticker');
    await local.fc.localfc.functions.delete('sleepy');
    await local.fc.localfc.functions.delete('boxed');
    assert.deepEqual(local.fc.localfc.clock.pendingTimers().filter((t) => t.label.startsWith('timer trigger')), []);
  });
});
