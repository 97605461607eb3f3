/**
 * Custom domains through the official SDK and raw HTTP: CRUD, paging, FC's error shape for bad input, the bodies
 * Terraform's alicloud_fcv3_custom_domain sends (clients.json; `{}` for every block it is not given), persistence with
 * a data directory.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { $FC, type FcClient, sdkError, localfcWithClient, withLocalfcClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';
import { TEST_CERTIFICATE, TEST_PRIVATE_KEY } from '../helpers/tls-cert.ts';

const createDomain = async (client: FcClient, input: Record<string, unknown>) =>
  (await client.createCustomDomain(new $FC.CreateCustomDomainRequest({ body: new $FC.CreateCustomDomainInput(input) }))).body!;

const route = (path: string, functionName: string, extra: Record<string, unknown> = {}) => new $FC.PathConfig({ path, functionName, ...extra });

describe('custom domains through the official SDK', () => {
  const local = localfcWithClient({ clock: 'manual' });

  it('creates, gets, updates, lists and deletes a custom domain', async () => {
    const created = await createDomain(local.client, {
      domainName: 'api.example.com', protocol: 'HTTP',
      routeConfig: new $FC.RouteConfig({ routes: [route('/*', 'web', { methods: ['GET', 'POST'] }), route('/admin', 'admin', { qualifier: 'prod' })] }),
    });
    assert.equal(created.domainName, 'api.example.com');
    assert.equal(created.protocol, 'HTTP');
    assert.equal(created.apiVersion, '2023-03-30');
    assert.equal(created.accountId, '1234567890123456');
    assert.equal(created.createdTime, '2024-01-01T00:00:00Z');
    assert.deepEqual(created.routeConfig!.routes!.map((r) => [r.path, r.functionName, r.qualifier, r.methods]), [['/*', 'web', undefined, ['GET', 'POST']], ['/admin', 'admin', 'prod', undefined]]);

    const dup = await sdkError(createDomain(local.client, { domainName: 'api.example.com' }));
    assert.equal(dup.statusCode, 409);
    assert.equal(dup.code, 'DomainNameAlreadyExists');
    assert.match(dup.data.RequestId, /^1-/);

    await advanceClock(local.fc, 5000);
    const updated = (await local.client.updateCustomDomain('api.example.com', new $FC.UpdateCustomDomainRequest({
      body: new $FC.UpdateCustomDomainInput({ routeConfig: new $FC.RouteConfig({ routes: [route('/v2/*', 'web2')] }), wafConfig: new $FC.WAFConfig({ enableWAF: true }) }),
    }))).body!;
    assert.deepEqual(updated.routeConfig!.routes!.map((r) => r.path), ['/v2/*']);
    assert.equal(updated.protocol, 'HTTP', 'absent fields keep what was set');
    assert.equal(updated.wafConfig!.enableWAF, true);
    assert.equal(updated.createdTime, '2024-01-01T00:00:00Z');
    assert.equal(updated.lastModifiedTime, '2024-01-01T00:00:05Z');

    const got = (await local.client.getCustomDomain('api.example.com')).body!;
    assert.deepEqual(got.routeConfig!.routes!.map((r) => r.functionName), ['web2']);

    const listed = (await local.client.listCustomDomains(new $FC.ListCustomDomainsRequest({}))).body!;
    assert.deepEqual(listed.customDomains!.map((d) => d.domainName), ['api.example.com']);

    await local.client.deleteCustomDomain('api.example.com');
    const gone = await sdkError(local.client.getCustomDomain('api.example.com'));
    assert.equal(gone.statusCode, 404);
    assert.equal(gone.code, 'DomainNameNotFound');
    const goneAgain = await sdkError(local.client.deleteCustomDomain('api.example.com'));
    assert.equal(goneAgain.code, 'DomainNameNotFound');
    const updateGone = await sdkError(local.client.updateCustomDomain('api.example.com', new $FC.UpdateCustomDomainRequest({ body: new $FC.UpdateCustomDomainInput({ protocol: 'HTTP' }) })));
    assert.equal(updateGone.code, 'DomainNameNotFound');
  });

  it('lists by prefix, limit and nextToken as the other List operations do', async () => {
    for (const name of ['a.page.com', 'b.page.com', 'c.page.com', 'other.net']) await createDomain(local.client, { domainName: name });
    const first = (await local.client.listCustomDomains(new $FC.ListCustomDomainsRequest({ prefix: '', limit: 2 }))).body!;
    assert.deepEqual(first.customDomains!.map((d) => d.domainName), ['a.page.com', 'b.page.com']);
    assert.equal(first.nextToken, 'c.page.com');
    const second = (await local.client.listCustomDomains(new $FC.ListCustomDomainsRequest({ limit: 2, nextToken: first.nextToken }))).body!;
    assert.deepEqual(second.customDomains!.map((d) => d.domainName), ['c.page.com', 'other.net']);
    assert.equal(second.nextToken, undefined);
    const prefixed = (await local.client.listCustomDomains(new $FC.ListCustomDomainsRequest({ prefix: 'b.' }))).body!;
    assert.deepEqual(prefixed.customDomains!.map((d) => d.domainName), ['b.page.com']);
    const badLimit = await sdkError(local.client.listCustomDomains(new $FC.ListCustomDomainsRequest({ limit: 0 })));
    assert.equal(badLimit.code, 'InvalidArgument');
    for (const name of ['a.page.com', 'b.page.com', 'c.page.com', 'other.net']) await local.client.deleteCustomDomain(name);
  });

  it('HTTPS takes a PEM certificate and key; the key is never returned', async () => {
    const noCert = await sdkError(createDomain(local.client, { domainName: 'secure.example.com', protocol: 'HTTP,HTTPS' }));
    assert.equal(noCert.statusCode, 400);
    assert.match(noCert.data.Message, /certConfig/);
    const created = await createDomain(local.client, {
      domainName: 'secure.example.com', protocol: 'HTTP,HTTPS',
      certConfig: new $FC.CertConfig({ certName: 'shop', certificate: TEST_CERTIFICATE, privateKey: TEST_PRIVATE_KEY }),
      tlsConfig: new $FC.TLSConfig({ minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', cipherSuites: ['TLS_RSA_WITH_AES_128_CBC_SHA'] }),
    });
    assert.equal(created.protocol, 'HTTP,HTTPS');
    assert.equal(created.certConfig!.certName, 'shop');
    assert.equal(created.certConfig!.certificate, TEST_CERTIFICATE);
    assert.equal(created.certConfig!.privateKey, undefined);
    assert.equal(created.tlsConfig!.minVersion, 'TLSv1.2');
    const raw = await (await fetch(`${local.fc.url}/2023-03-30/custom-domains/secure.example.com`)).text();
    assert.ok(!raw.includes('PRIVATE KEY'), raw);
    // Serverless Devs' s deploy sends back the certConfig it read (no key): the stored key stays.
    const read = (await local.client.getCustomDomain('secure.example.com')).body!;
    const resent = await local.client.updateCustomDomain('secure.example.com', new $FC.UpdateCustomDomainRequest({ body: new $FC.UpdateCustomDomainInput({ protocol: 'HTTP,HTTPS', certConfig: read.certConfig }) }));
    assert.equal(resent.body!.certConfig!.certName, 'shop');
    const otherCert = await sdkError(local.client.updateCustomDomain('secure.example.com', new $FC.UpdateCustomDomainRequest({
      body: new $FC.UpdateCustomDomainInput({ certConfig: new $FC.CertConfig({ certName: 'other', certificate: TEST_CERTIFICATE.replace('MII', 'MIJ') }) }),
    })));
    assert.match(otherCert.data.Message, /certConfig.privateKey is required/, 'a different certificate needs its key');
    await local.client.deleteCustomDomain('secure.example.com');
  });

  it('refuses bad input with 400 InvalidArgument naming what is wrong', async () => {
    const cert = (extra: Record<string, string>) => new $FC.CertConfig({ certName: 'c', certificate: TEST_CERTIFICATE, privateKey: TEST_PRIVATE_KEY, ...extra });
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ domainName: 'no_underscores.example.com' }, /domainName/],
      [{ domainName: '-lead.example.com' }, /domainName/],
      [{ domainName: 'example.c0m' }, /domainName/],
      [{ domainName: 'localhost' }, /domainName/],
      [{ domainName: `${'a'.repeat(64)}.example.com` }, /domainName/],
      [{ domainName: '例子.example.com' }, /domainName/],
      [{ domainName: 'p.example.com', protocol: 'FTP' }, /protocol 'FTP'/],
      [{ domainName: 'p.example.com', routeConfig: new $FC.RouteConfig({ routes: [route('api/*', 'web')] }) }, /path 'api\/\*'/],
      [{ domainName: 'p.example.com', routeConfig: new $FC.RouteConfig({ routes: [route('/a/*/b', 'web')] }) }, /path '\/a\/\*\/b'/],
      [{ domainName: 'p.example.com', routeConfig: new $FC.RouteConfig({ routes: [route('/a', 'web', { methods: ['FETCH'] })] }) }, /methods 'FETCH'/],
      [{ domainName: 'p.example.com', routeConfig: new $FC.RouteConfig({ routes: [new $FC.PathConfig({ path: '/a' })] }) }, /routes.0.functionName/],
      [{ domainName: 'p.example.com', routeConfig: new $FC.RouteConfig({ routes: [new $FC.PathConfig({ functionName: 'web' })] }) }, /routes.0.path/],
      [{ domainName: 'p.example.com', routeConfig: new $FC.RouteConfig({ routes: [route('', 'web')] }) }, /path is required/],
      [{ domainName: 'p.example.com', routeConfig: new $FC.RouteConfig({ routes: [route('/a', '1bad')] }) }, /functionName '1bad'/],
      [{ domainName: 'p.example.com', routeConfig: new $FC.RouteConfig({ routes: [route('/a', 'web', { rewriteConfig: new $FC.RewriteConfig({ regexRules: [new $FC.RegexRule({ match: '(', replacement: '/' })] }) })] }) }, /regexRules\[0\]\.match/],
      [{ domainName: 'p.example.com', certConfig: new $FC.CertConfig({ certName: 'c' }) }, /certConfig.certificate is required/],
      [{ domainName: 'p.example.com', certConfig: cert({ certificate: 'not a pem' }) }, /PEM/],
      [{ domainName: 'p.example.com', certConfig: cert({ privateKey: 'not a pem' }) }, /private key/],
      [{ domainName: 'p.example.com', tlsConfig: new $FC.TLSConfig({ minVersion: 'TLSv1.2' }) }, /cipherSuites is required/],
      [{ domainName: 'p.example.com', tlsConfig: new $FC.TLSConfig({ minVersion: 'SSLv3', cipherSuites: [] }) }, /minVersion/],
      [{ domainName: 'p.example.com', authConfig: new $FC.AuthConfig({ authType: 'open' }) }, /authType/],
    ];
    for (const [input, message] of cases) {
      const err = await sdkError(createDomain(local.client, input));
      assert.equal(err.statusCode, 400, JSON.stringify(input).slice(0, 200));
      assert.equal(err.code, 'InvalidArgument');
      assert.match(err.data.Message, message);
    }
    const missing = await fetch(`${local.fc.url}/2023-03-30/custom-domains`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    assert.equal(missing.status, 400);
    assert.match(((await missing.json()) as { Message: string }).Message, /domainName/);
    // Nothing above was stored.
    assert.deepEqual((await local.client.listCustomDomains(new $FC.ListCustomDomainsRequest({}))).body!.customDomains, []);
    // What FC's guide allows: a wildcard domain, 63-character labels, a route with every method and no qualifier.
    await createDomain(local.client, { domainName: `*.${'a'.repeat(63)}.example.com`, routeConfig: new $FC.RouteConfig({ routes: [route('/', 'web', { methods: ['HEAD', 'GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] })] }) });
    await local.client.deleteCustomDomain(`*.${'a'.repeat(63)}.example.com`);
  });

  it('the admin reset removes custom domains', async () => {
    await createDomain(local.client, { domainName: 'reset.example.com' });
    const res = await fetch(`${local.fc.url}/_localfc/reset`, { method: 'POST' });
    assert.equal(res.status, 200);
    assert.deepEqual((await local.client.listCustomDomains(new $FC.ListCustomDomainsRequest({}))).body!.customDomains, []);
  });

  it("takes Terraform's bodies: {} for each block not given, '' and [] for unset route fields, protocol '' on update", async () => {
    const send = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${local.fc.url}/2023-03-30${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body ? { body: JSON.stringify(body) } : {}) });
      return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> };
    };
    // resource_alicloud_fcv3_custom_domain.go Create: every block is sent, empty when not configured.
    const created = await send('POST', '/custom-domains', {
      domainName: 'tf.example.com', protocol: 'HTTP',
      routeConfig: { routes: [{ path: '/*', functionName: 'web', qualifier: '', methods: [], rewriteConfig: { wildcardRules: [], regexRules: [], equalRules: [] } }] },
      certConfig: {}, authConfig: {}, corsConfig: {}, tlsConfig: {}, wafConfig: {},
    });
    assert.equal(created.status, 200, JSON.stringify(created.json));
    // Read: what it sets back must equal what it sent, or every plan shows a change.
    const read = (await send('GET', '/custom-domains/tf.example.com')).json;
    const routes = (read.routeConfig as { routes: Array<Record<string, unknown>> }).routes;
    assert.deepEqual(routes, [{ path: '/*', functionName: 'web', qualifier: '', methods: [], rewriteConfig: { wildcardRules: [], regexRules: [], equalRules: [] } }]);
    for (const block of ['certConfig', 'authConfig', 'corsConfig', 'tlsConfig', 'wafConfig']) assert.equal(read[block], undefined, block);
    assert.equal(read.protocol, 'HTTP');
    // Update: a changed block only, protocol '' when it was unset.
    const updated = await send('PUT', '/custom-domains/tf.example.com', { protocol: '', corsConfig: { allowOrigins: ['https://a.example.com'], maxAge: 60 } });
    assert.equal(updated.status, 200, JSON.stringify(updated.json));
    assert.equal(updated.json.protocol, 'HTTP');
    assert.deepEqual(updated.json.corsConfig, { allowOrigins: ['https://a.example.com'], maxAge: 60 });
    // Delete, then the not-found Terraform treats as gone.
    assert.equal((await send('DELETE', '/custom-domains/tf.example.com')).status, 204);
    const gone = await send('GET', '/custom-domains/tf.example.com');
    assert.equal(gone.status, 404);
    assert.equal(gone.json.Code, 'DomainNameNotFound');
  });
});

describe('custom domains with a data directory', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'localfc-domains-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('a domain survives a restart', async () => {
    await withLocalfcClient({ clock: 'manual', dataDir: dir }, async ({ client }) => {
      await createDomain(client, { domainName: 'kept.example.com', routeConfig: new $FC.RouteConfig({ routes: [route('/*', 'web')] }) });
    });
    await withLocalfcClient({ clock: 'manual', dataDir: dir }, async ({ client }) => {
      const got = (await client.getCustomDomain('kept.example.com')).body!;
      assert.deepEqual(got.routeConfig!.routes!.map((r) => [r.path, r.functionName]), [['/*', 'web']]);
    });
  });
});
