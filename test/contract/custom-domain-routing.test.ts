/**
 * Requests reaching localfc's port with a custom domain's Host, on real handlers (process backend): FC's routing rules
 * (exact before prefix, the longest prefix among prefixes, methods filter, qualifier), the HTTP event and the raw
 * request as HTTP triggers give them, no HTTP trigger needed, DomainRouteNotFound when no route matches, and the API
 * never answering on a domain's Host. Hosts are sent with undici's request, as curl --resolve or a hosts entry would.
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { request } from 'undici';
import { $FC, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { createZip } from '../helpers/zip.ts';
import { advanceClock } from '../helpers/clock.ts';

/** Says which function and code answered, with what the HTTP event carried. */
const reporter = (mark: string) => `
exports.handler = async (event, context) => {
  const e = JSON.parse(event.toString());
  return {
    statusCode: 200,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ fn: context.function.name, mark: ${JSON.stringify(mark)}, path: e.rawPath, query: e.queryParameters, method: e.requestContext.http.method, domain: e.requestContext.domainName, body: e.body }),
  };
};
`;

const customServer = `
require('node:http').createServer((req, res) => {
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    res.writeHead(201, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ method: req.method, url: req.url, host: req.headers.host, body }));
  });
}).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');
`;

const zip = (data: string, path = 'index.js') => new $FC.InputCodeLocation({ zipFile: createZip([{ path, data }]).toString('base64') });
const route = (path: string, functionName: string, extra: Record<string, unknown> = {}) => new $FC.PathConfig({ path, functionName, ...extra });

describe('custom domains route requests by Host to functions (process backend)', () => {
  /** A request to localfc's port with `host` as its Host header. */
  const via = async (host: string, path: string, init: { method?: string; body?: string; headers?: Record<string, string> } = {}) => {
    const res = await request(`${local.fc.url}${path}`, { method: (init.method ?? 'GET') as 'GET', headers: { host, ...init.headers }, ...(init.body !== undefined ? { body: init.body } : {}) });
    const text = await res.body.text();
    return { status: res.statusCode, headers: res.headers, text, json: (text ? JSON.parse(text) : {}) as Record<string, any> };
  };

  const createDomain = (domainName: string, routes: InstanceType<typeof $FC.PathConfig>[], extra: Record<string, unknown> = {}) =>
    local.client.createCustomDomain(new $FC.CreateCustomDomainRequest({ body: new $FC.CreateCustomDomainInput({ domainName, protocol: 'HTTP', routeConfig: new $FC.RouteConfig({ routes }), ...extra }) }));

  const local = localfcWithClient({ clock: 'manual', backend: 'process' });
  before(async () => {
    for (const name of ['web', 'api', 'apiv1', 'exact']) {
      await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: zip(reporter('v1')) }) }));
    }
    await local.client.createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: 'app', runtime: 'custom.debian10', handler: 'index.handler', customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'] }), code: zip(customServer, 'server.js') }),
    }));
    await advanceClock(local.fc, 1000);
    // web: version 1 serves the v1 code, LATEST the v2 code.
    await local.client.publishFunctionVersion('web', new $FC.PublishFunctionVersionRequest({ body: new $FC.PublishVersionInput({ description: 'v1' }) }));
    await local.client.updateFunction('web', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ code: zip(reporter('v2')) }) }));
    await advanceClock(local.fc, 1000);
    await createDomain('shop.example.com', [
      route('/*', 'web'),
      route('/api/*', 'api'),
      route('/api/v1/*', 'apiv1'),
      route('/api', 'exact'),
      route('/post-only', 'api', { methods: ['POST'] }),
      route('/old/*', 'web', { qualifier: '1' }),
      route('/app/*', 'app'),
      route('/gone', 'missing-fn'),
      route('/rw/*', 'web', { rewriteConfig: new $FC.RewriteConfig({ equalRules: [new $FC.EqualRule({ match: '/rw/old', replacement: '/new' })], wildcardRules: [new $FC.WildcardRule({ match: '^/rw/*', replacement: '/$1' })] }) }),
      route('/rwapp/*', 'app', { rewriteConfig: new $FC.RewriteConfig({ regexRules: [new $FC.RegexRule({ match: '^/rwapp/(.*)', replacement: '/v2/$1' })] }) }),
    ]);
  });

  it('an exact path wins over prefixes, and the longest prefix over shorter ones; none of the functions has an HTTP trigger', async () => {
    const cases: Array<[string, string, string]> = [
      ['/', 'web', '/'],
      ['/anything/deep?x=1', 'web', '/anything/deep'],
      ['/api', 'exact', '/api'],
      ['/api/', 'api', '/api/'],
      ['/api/users/7', 'api', '/api/users/7'],
      ['/api/v1/users', 'apiv1', '/api/v1/users'],
      ['/api/v10', 'api', '/api/v10'],
    ];
    for (const [path, fn, seen] of cases) {
      const res = await via('shop.example.com', path);
      assert.equal(res.status, 200, `${path}: ${res.text}`);
      assert.equal(res.json.fn, fn, path);
      assert.equal(res.json.path, seen, path);
    }
    for (const name of ['web', 'api', 'apiv1', 'exact']) assert.deepEqual((await local.client.listTriggers(name, new $FC.ListTriggersRequest({}))).body!.triggers, []);
  });

  it('gives the function the HTTP event an HTTP trigger gives, with the domain as requestContext.domainName, and any port on the Host', async () => {
    const res = await via('Shop.Example.com:8080', '/items?color=red', { method: 'POST', body: 'hello', headers: { 'content-type': 'text/plain' } });
    assert.equal(res.status, 200, res.text);
    assert.equal(res.json.fn, 'web');
    assert.equal(res.json.method, 'POST');
    assert.deepEqual(res.json.query, { color: 'red' });
    assert.equal(res.json.domain, 'shop.example.com');
    assert.equal(res.json.body, 'hello');
    assert.match(String(res.headers['x-fc-request-id']), /^1-/);
  });

  it('a route with methods takes only those; another route may take the rest', async () => {
    assert.equal((await via('shop.example.com', '/post-only', { method: 'POST', body: 'x' })).json.fn, 'api');
    assert.equal((await via('shop.example.com', '/post-only')).json.fn, 'web', 'GET falls to /*');
  });

  it("a route's qualifier picks the version; without one LATEST serves", async () => {
    assert.equal((await via('shop.example.com', '/old/page')).json.mark, 'v1');
    assert.equal((await via('shop.example.com', '/new/page')).json.mark, 'v2');
  });

  it("a route's rewrite rules change the path the function sees; the query stays", async () => {
    const cases: Array<[string, string]> = [['/rw/old', '/new'], ['/rw/a/b', '/a/b']];
    for (const [path, seen] of cases) {
      const res = await via('shop.example.com', `${path}?k=v`);
      assert.deepEqual([res.json.path, res.json.query], [seen, { k: 'v' }], path);
    }
    assert.equal((await via('shop.example.com', '/rwapp/x?y=1')).json.url, '/v2/x?y=1');
  });

  it('a custom runtime gets the request itself: method, path and query as sent', async () => {
    const res = await via('shop.example.com', '/app/things?id=7', { method: 'PUT', body: 'payload' });
    assert.equal(res.status, 201, res.text);
    assert.deepEqual(res.json, { method: 'PUT', url: '/app/things?id=7', host: 'shop.example.com', body: 'payload' });
  });

  it('no matching route is 404 DomainRouteNotFound; a route to a function that does not exist is 404 FunctionNotFound', async () => {
    await createDomain('narrow.example.com', [route('/only', 'web', { methods: ['GET'] })]);
    for (const [path, method] of [['/other', 'GET'], ['/only/', 'GET'], ['/only', 'DELETE']] as const) {
      const res = await via('narrow.example.com', path, { method });
      assert.equal(res.status, 404, `${method} ${path}`);
      assert.equal(res.json.Code, 'DomainRouteNotFound');
      assert.match(res.json.Message, /narrow\.example\.com/);
      assert.match(res.json.RequestId, /^1-/);
    }
    const missing = await via('shop.example.com', '/gone');
    assert.equal(missing.status, 404);
    assert.equal(missing.json.Code, 'FunctionNotFound');
  });

  it("the FC API never answers on a domain's Host, and a Host no domain has is refused as before", async () => {
    const routed = await via('shop.example.com', '/2023-03-30/functions');
    assert.equal(routed.json.fn, 'web', 'the catch-all route serves it');
    // GetFunction and InvokeFunction have fast routes of their own (api/hot-routes.ts): they step aside too.
    const get = await via('shop.example.com', '/2023-03-30/functions/api');
    assert.deepEqual([get.json.fn, get.json.path], ['web', '/2023-03-30/functions/api']);
    const invoke = await via('shop.example.com', '/2023-03-30/functions/api/invocations', { method: 'POST', body: 'x' });
    assert.deepEqual([invoke.json.fn, invoke.json.path], ['web', '/2023-03-30/functions/api/invocations']);
    const noRoute = await via('narrow.example.com', '/2023-03-30/functions');
    assert.equal(noRoute.json.Code, 'DomainRouteNotFound');
    const foreign = await via('other.example.net', '/2023-03-30/functions');
    assert.equal(foreign.status, 403);
    assert.equal(foreign.json.Code, 'InvalidHost');
  });

  it('a wildcard domain serves its subdomains; an exact domain wins over it; a deleted domain stops serving', async () => {
    await createDomain('*.apps.example.com', [route('/*', 'api')]);
    await createDomain('one.apps.example.com', [route('/*', 'apiv1')]);
    assert.equal((await via('two.apps.example.com:9443', '/x')).json.fn, 'api');
    assert.equal((await via('one.apps.example.com', '/x')).json.fn, 'apiv1');
    await local.client.deleteCustomDomain('one.apps.example.com');
    assert.equal((await via('one.apps.example.com', '/x')).json.fn, 'api');
    await local.client.deleteCustomDomain('*.apps.example.com');
    assert.equal((await via('one.apps.example.com', '/x')).json.Code, 'InvalidHost');
  });

  it("authType 'function' asks for a signed request, as an HTTP trigger does", async () => {
    await createDomain('private.example.com', [route('/*', 'web')], { authConfig: new $FC.AuthConfig({ authType: 'function' }) });
    const denied = await via('private.example.com', '/x');
    assert.equal(denied.status, 403);
    assert.equal(denied.json.Code, 'AccessDenied');
    const signed = await via('private.example.com', '/x', { headers: { authorization: 'acs ak:signature' } });
    assert.equal(signed.json.fn, 'web', 'without access keys configured, a signature is only asked for');
  });

  it('DeleteFunction is not refused for a route naming the function; the route then answers FunctionNotFound', async () => {
    await createDomain('temp.example.com', [route('/*', 'exact')]);
    assert.equal((await via('temp.example.com', '/')).json.fn, 'exact');
    await local.client.deleteFunction('exact');
    const err = await sdkError(local.client.getFunction('exact', new $FC.GetFunctionRequest({})));
    assert.equal(err.code, 'FunctionNotFound');
    assert.equal((await via('temp.example.com', '/')).json.Code, 'FunctionNotFound');
  });
});

describe("custom domains with the Host check off (allowedHosts '*')", () => {
  const local = localfcWithClient({ clock: 'manual', allowedHosts: ['*'] });

  it("GetFunction's and InvokeFunction's fast routes do not answer on a domain's Host", async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'fast', runtime: 'nodejs20', handler: 'index.handler', code: zip(reporter('v1')) }) }));
    await advanceClock(local.fc, 1000);
    await local.client.createCustomDomain(new $FC.CreateCustomDomainRequest({ body: new $FC.CreateCustomDomainInput({ domainName: 'open.example.com', routeConfig: new $FC.RouteConfig({ routes: [route('/www/*', 'fast')] }) }) }));
    for (const [method, path] of [['GET', '/2023-03-30/functions/fast'], ['POST', '/2023-03-30/functions/fast/invocations']] as const) {
      const res = await request(`${local.fc.url}${path}`, { method, headers: { host: 'open.example.com' } });
      const body = (await res.body.json()) as { Code?: string };
      assert.equal(res.statusCode, 404, `${method} ${path}`);
      assert.equal(body.Code, 'DomainRouteNotFound');
    }
    const api = await request(`${local.fc.url}/2023-03-30/functions/fast`, { headers: { host: 'elsewhere.example.com' } });
    assert.equal(api.statusCode, 200, 'any other Host still reaches the API');
    await api.body.dump();
  });
});
