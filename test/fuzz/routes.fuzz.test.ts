/**
 * Property-based fuzzing of every route in the generated OpenAPI document (so routes added later are fuzzed too):
 * malformed JSON, wrongly typed fields, oversized bodies, hostile path parameters, random query strings and headers,
 * wrong methods. Properties: never a 5xx, never a hang, every error in FC's shape, and functions created before the
 * fuzzing are unchanged unless an accepted (2xx) call legitimately changed them.
 *
 * The routes the OpenAPI document does not list (HTTP trigger URLs by path and by fcapp.run host, the signed code
 * download URLs, the UI pages) are fuzzed from a small explicit list with the same properties, against real triggers
 * on functions that exist, so requests reach the invocation path.
 *
 * Seeded and bounded; reproduce a failure with FUZZ_SEED=<seed> (printed by fast-check), widen with FUZZ_RUNS=<n>.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import { Pool } from 'undici';
import { createZip } from '../helpers/zip.ts';
import { openapiDocument } from '../../src/openapi.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 20240101);
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const MAX_BODY = 4096;
/** Only turns a hang into a failure: a loaded 2-core machine (a compacting GC, a cold start) may take seconds. */
const REQUEST_TIMEOUT_MS = 60_000;
/** Operations whose whole purpose is to wipe every function: fuzzed on a server of their own. */
const WIPES_STATE = new Set(['LocalfcReset']);
/** Methods Node's HTTP parser accepts (anything else is refused by Node itself, before localfc sees it). */
const METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'HEAD', 'OPTIONS', 'PROPFIND', 'PURGE'] as const;

// ---------------------------------------------------------------- the routes, from the OpenAPI document
interface JsonSchema { type?: string | string[]; properties?: Record<string, JsonSchema>; $ref?: string; items?: JsonSchema; enum?: unknown[] }
interface Param { in: 'path' | 'query' | 'header'; name: string; schema?: JsonSchema }
interface Op { method: string; template: string; operationId: string; params: Param[]; bodyTypes: string[]; bodySchema?: JsonSchema }

const DOCUMENT = await openapiDocument();

function operations(): Op[] {
  const doc = DOCUMENT as {
    paths: Record<string, Record<string, { operationId: string; parameters?: Param[]; requestBody?: { content: Record<string, { schema?: JsonSchema }> } }>>;
    components?: { schemas?: Record<string, JsonSchema> };
  };
  const resolve = (s: JsonSchema | undefined): JsonSchema | undefined => (s?.$ref ? doc.components?.schemas?.[s.$ref.split('/').pop()!] : s);
  const ops: Op[] = [];
  for (const [template, byMethod] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(byMethod)) {
      const content = op.requestBody?.content ?? {};
      const bodySchema = resolve(content['application/json']?.schema);
      ops.push({ method: method.toUpperCase(), template, operationId: op.operationId, params: op.parameters ?? [], bodyTypes: Object.keys(content), ...(bodySchema ? { bodySchema } : {}) });
    }
  }
  return ops;
}

// ---------------------------------------------------------------- generators
const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
/** Functions made before the fuzzing; the generators aim at them too. */
const VICTIMS = ['keep_active', 'keep_pending', 'keep-updating', 'keep_container'];

const asciiPrintable = fc.string({ unit: fc.integer({ min: 0x20, max: 0x7e }).map((c) => String.fromCharCode(c)), maxLength: 40 });
const percentJunk = fc
  .array(fc.constantFrom('%', '%z', '%zz', '%E0%A4%A', '%C0%AF', '%00', '%ff', '%25', '%2F', '%2e%2e', '%u0041', 'a', '_', '-'), { minLength: 1, maxLength: 8 })
  .map((a) => a.join(''));
/** A path segment, already in wire form (the client sends it byte for byte). */
const pathSegment = (allowVictims: boolean) =>
  fc.oneof(
    ...(allowVictims ? [{ weight: 3, arbitrary: fc.constantFrom(...VICTIMS) }] : []),
    { weight: 2, arbitrary: fc.string({ unit: 'grapheme', minLength: 1, maxLength: 30 }).map(encodeURIComponent) },
    { weight: 1, arbitrary: fc.constantFrom('..', '.', '%2e%2e', '..%2F..%2Fetc%2Fpasswd', '%2F', 'a%20b', '%E2%80%AE', 'CON', 'null', 'undefined', '__proto__', 'constructor') },
    { weight: 1, arbitrary: fc.integer({ min: 65, max: 4000 }).map((n) => 'f'.repeat(n)) },
    { weight: 2, arbitrary: percentJunk },
    { weight: 1, arbitrary: fc.stringMatching(/^[A-Za-z_][A-Za-z0-9_-]{0,63}$/) },
  );

const queryValue = fc.oneof(
  fc.string({ maxLength: 20 }).map(encodeURIComponent),
  percentJunk,
  fc.constantFrom('-1', '0', '1e400', 'NaN', 'abc', '101', '[{"Key":1}]', '%5B%7B%22Key%22%3A%22a%22%7D%5D', 'true', ''),
);
const queryString = (op: Op) => {
  const known = op.params.filter((p) => p.in === 'query').map((p) => p.name);
  const key = fc.oneof(...(known.length ? [fc.constantFrom(...known)] : []), fc.constantFrom('qualifier', 'limit', 'tags', 'all', 'image', 'functionName'), asciiPrintable.map(encodeURIComponent), percentJunk);
  return fc.array(fc.tuple(key, queryValue), { maxLength: 5 }).map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
};

const headerName = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/).filter((h) => !['content-length', 'transfer-encoding', 'host', 'connection', 'expect', 'upgrade', 'keep-alive'].includes(h));
const headers = (op: Op) => {
  const known = op.params.filter((p) => p.in === 'header').map((p) => p.name);
  const name = fc.oneof(headerName, fc.constantFrom('x-fc-invocation-type', 'x-fc-log-type', 'x-acs-action', 'x-fc-async-task-id', 'authorization', 'x-acs-date', 'accept', 'content-encoding', 'accept-encoding', 'x-forwarded-for', ...known));
  const value = fc.oneof(asciiPrintable, fc.constantFrom('Sync', 'Async', 'Task', 'Tail', 'None', 'GetFunction', 'ACS3-HMAC-SHA256 Credential=x', ''));
  return fc.dictionary(name, value, { maxKeys: 4 });
};

const CONTENT_TYPES = ['application/json', 'application/json; charset=utf-8', 'text/plain', 'application/octet-stream', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/json; charset=utf-16', 'garbage/;;;'];
interface Body { bytes: string | Uint8Array; contentType?: string }
const wrongValue = fc.oneof(fc.jsonValue({ maxDepth: 2 }), fc.constant(null), fc.constant(1e308), fc.constant(-1), fc.constant(''), fc.constant('x'.repeat(300)));
const body = (op: Op): fc.Arbitrary<Body | undefined> => {
  const props = Object.keys(op.bodySchema?.properties ?? {});
  const ct = fc.option(fc.constantFrom(...CONTENT_TYPES, ...op.bodyTypes), { nil: undefined });
  const withCt = (a: fc.Arbitrary<string | Uint8Array>) => fc.record({ bytes: a, contentType: ct }, { requiredKeys: ['bytes'] }) as fc.Arbitrary<Body>;
  return fc.oneof(
    fc.constant(undefined),
    withCt(fc.constantFrom('{', '{"a":', '[1,2', 'null', '"str"', '1e999999', '\uFEFF{}', '{"functionName":}', '{}}', '{"__proto__":{"x":1}}', '{"constructor":{"prototype":{}}}', '['.repeat(3000), '{"a":'.repeat(500))),
    withCt(fc.string({ maxLength: 200 })),
    withCt(fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v) ?? 'null')),
    // the schema's own field names, each with a value of a random (mostly wrong) type
    ...(props.length ? [withCt(fc.dictionary(fc.constantFrom(...props), wrongValue, { maxKeys: 6 }).map((o) => JSON.stringify(o)))] : []),
    withCt(fc.uint8Array({ maxLength: 300 })),
    withCt(fc.integer({ min: MAX_BODY + 1, max: MAX_BODY * 4 }).map((n) => `{"description":"${'x'.repeat(n)}"}`)),
  );
};

interface Req { method: string; path: string; headers: Record<string, string>; body?: Body }
function request(op: Op, opts: { wrongMethod: boolean }): fc.Arbitrary<Req> {
  const names = op.params.filter((p) => p.in === 'path').map((p) => p.name);
  return fc
    .record({
      method: opts.wrongMethod ? fc.constantFrom(...METHODS.filter((m) => m !== op.method)) : fc.constant(op.method),
      segments: fc.tuple(...names.map(() => pathSegment(op.method !== 'DELETE'))),
      query: queryString(op),
      headers: headers(op),
      body: body(op),
    })
    .map(({ method, segments, query, headers: h, body: b }) => {
      let path = op.template;
      names.forEach((n, i) => (path = path.replace(`{${n}}`, segments[i] as string)));
      // a wrong method never deletes a victim: that call's purpose is to change it
      if (method === 'DELETE') for (const v of VICTIMS) path = path.replaceAll(`/${v}`, '/not_a_victim');
      return { method, path: path + query, headers: h, ...(b ? { body: b } : {}) };
    });
}

// ---------------------------------------------------------------- the harness
interface Outcome { status: number; headers: Record<string, string | string[] | undefined>; text: string }

async function send(pool: Pool, r: Req): Promise<Outcome> {
  const headers: Record<string, string> = { ...r.headers };
  if (r.body?.contentType !== undefined) headers['content-type'] = r.body.contentType;
  const res = await pool.request({
    method: r.method as 'GET',
    path: r.path,
    headers,
    ...(r.body && r.method !== 'GET' && r.method !== 'HEAD' ? { body: r.body.bytes } : {}),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    headersTimeout: REQUEST_TIMEOUT_MS,
    bodyTimeout: REQUEST_TIMEOUT_MS,
  });
  const text = await res.body.text();
  return { status: res.statusCode, headers: res.headers, text };
}

function checkOutcome(r: Req, o: Outcome): void {
  const what = `${r.method} ${r.path.slice(0, 200)} → ${o.status} ${o.text.slice(0, 300)}`;
  assert.ok(o.status < 500, `5xx: ${what}`);
  if (o.status < 400 || r.method === 'HEAD') return;
  let parsed: unknown;
  assert.doesNotThrow(() => (parsed = JSON.parse(o.text)), `error body is not JSON: ${what}`);
  const e = parsed as Record<string, unknown>;
  for (const k of ['Code', 'Message', 'RequestId']) assert.equal(typeof e[k], 'string', `error body lacks ${k}: ${what}`);
  assert.equal(o.headers['x-fc-request-id'], e.RequestId, `x-fc-request-id differs from RequestId: ${what}`);
}

/** Which victims a request may legitimately have changed. */
function touched(r: Req, o: Outcome): string[] {
  if (o.status >= 300 || ['GET', 'HEAD', 'OPTIONS'].includes(r.method)) return [];
  // moving the clock may legitimately touch every function, the registry the container ones (fault rules are removed at once)
  if (r.path.startsWith('/_localfc/clock')) return VICTIMS;
  if (r.path.startsWith('/_localfc/registry')) return ['keep_container'];
  if (!/^\/(2023-03-30|_localfc)\/functions\//.test(r.path)) return [];
  // an invocation changes nothing GetFunction shows
  if (/^\/2023-03-30\/functions\/[^/?]*\/invocations/.test(r.path)) return [];
  const seg = r.path.split('/')[3]?.split('?')[0] ?? '';
  let name = seg;
  try {
    name = decodeURIComponent(seg);
  } catch {
    /* not a name */
  }
  return VICTIMS.filter((v) => v === name);
}

describe('fuzzing every OpenAPI route', () => {
  const ops = operations();
  let fcs: RunningLocalfc;
  let pool: Pool;
  /** victim → the accepted call that may have changed it */
  const changed = new Map<string, string>();
  const snapshot = new Map<string, unknown>();
  let requests = 0;
  const statuses = new Map<number, number>();

  const http = async (method: string, path: string, json?: unknown) => {
    const res = await pool.request({ method: method as 'GET', path, ...(json !== undefined ? { body: JSON.stringify(json), headers: { 'content-type': 'application/json' } } : {}) });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, unknown> };
  };
  const getFn = async (name: string) => (await http('GET', `/2023-03-30/functions/${name}`)).body;

  before(async () => {
    // The Pending and InProgress windows of code packages (off by default) keep 'keep_pending' and 'keep-updating' in them.
    fcs = await start({ clock: 'manual', maxBodyBytes: MAX_BODY, timing: { codePreparationMs: 1000 } });
    pool = new Pool(fcs.url, { connections: 4 });
    const mk = async (functionName: string, extra: Record<string, unknown> = { runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip } }) => {
      const r = await http('POST', '/2023-03-30/functions', { functionName, ...extra, environmentVariables: { A: '1' }, tags: [{ Key: 'team', Value: 'fuzz' }] });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    };
    await mk('keep_active');
    await mk('keep-updating');
    await mk('keep_container', { runtime: 'custom-container', handler: 'index.handler', customContainerConfig: { image: 'registry.example.com/keep/app:v1', port: 9000 } });
    await http('POST', '/_localfc/clock/advance', { ms: 10_000 });
    assert.equal((await http('PUT', '/2023-03-30/functions/keep-updating', { description: 'v2' })).status, 200);
    await mk('keep_pending');
    for (const v of VICTIMS) snapshot.set(v, await getFn(v));
    assert.equal((snapshot.get('keep_active') as { state: string }).state, 'Active');
    assert.equal((snapshot.get('keep_pending') as { state: string }).state, 'Pending');
    assert.equal((snapshot.get('keep-updating') as { lastUpdateStatus: string }).lastUpdateStatus, 'InProgress');
  });
  after(async () => {
    await pool.close();
    await fcs.stop();
  });

  it('the OpenAPI document lists the FC and admin routes', () => {
    const ids = new Set(ops.map((o) => o.operationId));
    for (const id of ['CreateFunction', 'GetFunction', 'UpdateFunction', 'DeleteFunction', 'ListFunctions', 'InvokeFunction', 'LocalfcClockAdvance']) assert.ok(ids.has(id), id);
  });

  let compared = 0;
  /** Every victim no accepted call changed is as it was; then the baseline moves on to the current bodies. */
  const checkVictims = async (after: string) => {
    for (const v of VICTIMS) {
      const now = await getFn(v);
      if (!changed.has(v)) {
        assert.deepEqual(now, snapshot.get(v), `${v} changed while fuzzing ${after}`);
        compared++;
      }
      snapshot.set(v, now);
    }
    changed.clear();
  };

  const runOne = async (r: Req) => {
    const o = await send(pool, r);
    requests++;
    statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
    checkOutcome(r, o);
    for (const v of touched(r, o)) if (!changed.has(v)) changed.set(v, `${r.method} ${r.path.slice(0, 80)} → ${o.status}`);
    // a fault rule or scenario that happened to be valid would inject errors (5xx included) into later calls
    if (o.status < 300 && r.method === 'POST' && /^\/_localfc\/(faults|scenarios)/.test(r.path)) await http('DELETE', '/_localfc/faults?all=true');
  };

  for (const op of ops.filter((o) => !WIPES_STATE.has(o.operationId))) {
    it(`${op.operationId}: ${op.method} ${op.template}`, async () => {
      await fc.assert(fc.asyncProperty(request(op, { wrongMethod: false }), runOne), { seed: SEED, numRuns: RUNS, includeErrorInReport: true });
      await fc.assert(fc.asyncProperty(request(op, { wrongMethod: true }), runOne), { seed: SEED + 1, numRuns: Math.ceil(RUNS / 4), includeErrorInReport: true });
      await checkVictims(op.operationId);
    });
  }

  it('arbitrary paths under both prefixes', async () => {
    const junkPath = fc
      .tuple(fc.constantFrom('/2023-03-30', '/_localfc', '/2023-03-30/functions', '/_localfc/functions', '', '/2016-08-15'), fc.array(pathSegment(false), { maxLength: 4 }))
      .map(([p, segs]) => `${p}/${segs.join('/')}`);
    const pseudo: Op = { method: 'GET', template: '', operationId: 'junk', params: [], bodyTypes: ['application/json'] };
    await fc.assert(
      fc.asyncProperty(fc.tuple(junkPath, request(pseudo, { wrongMethod: true })), ([path, r]) => runOne({ ...r, path: path + r.path })),
      { seed: SEED + 2, numRuns: RUNS * 2, includeErrorInReport: true },
    );
    await checkVictims('arbitrary paths');
  });

  it('the server still answers, and the functions were compared after every route', async () => {
    assert.equal((await http('GET', '/_localfc/health')).status, 200);
    // most comparisons must have happened: accepted updates touch only the Active victims
    assert.ok(compared >= ops.length * 2, `only ${compared} comparisons`);
    process.stdout.write(`# fuzz: ${requests} requests, ${compared} unchanged-function comparisons, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
  });
});

describe('fuzzing operations that wipe all state', () => {
  it('never a 5xx, always the error shape', async () => {
    const fcs = await start({ clock: 'manual', maxBodyBytes: MAX_BODY });
    const pool = new Pool(fcs.url, { connections: 2 });
    try {
      for (const op of operations().filter((o) => WIPES_STATE.has(o.operationId))) {
        await fc.assert(
          fc.asyncProperty(fc.oneof(request(op, { wrongMethod: false }), request(op, { wrongMethod: true })), async (r) => checkOutcome(r, await send(pool, r))),
          { seed: SEED + 3, numRuns: Math.ceil(RUNS / 2), includeErrorInReport: true },
        );
      }
    } finally {
      await pool.close();
      await fcs.stop();
    }
  });
});

// ---------------------------------------------------------------- routes outside the OpenAPI document
describe('fuzzing the routes outside the OpenAPI document', () => {
  let fcs: RunningLocalfc;
  let pool: Pool;
  let codePath = '';
  let codeSig = '';
  let layerPath = '';
  let layerSig = '';
  let domainPrefix = '';
  const statuses = new Map<number, number>();
  let requests = 0;

  const http = async (method: string, path: string, json?: unknown, extraHeaders: Record<string, string> = {}) => {
    const res = await pool.request({ method: method as 'GET', path, headers: { ...(json !== undefined ? { 'content-type': 'application/json' } : {}), ...extraHeaders }, ...(json !== undefined ? { body: JSON.stringify(json) } : {}) });
    return { status: res.statusCode, body: (await res.body.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
  };
  const trigger = async (fn: string, triggerName: string, triggerType: string, config: unknown) => {
    const r = await http('POST', `/2023-03-30/functions/${fn}/triggers`, { triggerName, triggerType, triggerConfig: JSON.stringify(config) });
    assert.equal(r.status, 200, JSON.stringify(r.body));
  };
  const ALL = ['GET', 'POST', 'PUT', 'DELETE', 'HEAD', 'PATCH', 'OPTIONS'];

  before(async () => {
    fcs = await start({ clock: 'manual', maxBodyBytes: MAX_BODY });
    pool = new Pool(fcs.url, { connections: 4 });
    const mk = async (functionName: string, extra: Record<string, unknown>) => {
      const r = await http('POST', '/2023-03-30/functions', { functionName, handler: 'index.handler', code: { zipFile: zip }, ...extra });
      assert.equal(r.status, 200, JSON.stringify(r.body));
    };
    await mk('web', { runtime: 'nodejs20' });
    // One HTTP trigger per function and qualifier (FC's limit): the signed one is on a function of its own.
    await mk('secure', { runtime: 'nodejs20' });
    await mk('webapp', { runtime: 'custom.debian10', customRuntimeConfig: { command: ['node', 'index.js'] } });
    await http('POST', '/_localfc/clock/advance', { ms: 10_000 });
    await mk('pending', { runtime: 'nodejs20' });
    await trigger('web', 'site', 'http', { authType: 'anonymous', methods: ALL });
    await trigger('secure', 'locked', 'http', { authType: 'function', methods: ['GET', 'POST'] });
    await trigger('web', 'tick', 'timer', { cronExpression: '0 0 2 * * *', enable: false });
    await trigger('webapp', 'app', 'http', { authType: 'anonymous', methods: ['GET', 'PUT', 'POST'] });
    await trigger('pending', 'site', 'http', { authType: 'anonymous', methods: ALL });
    // the trigger really serves: its event names the domain prefix used by the fcapp.run host form
    const served = await http('GET', '/fcapp/web/site/hello?x=1');
    assert.equal(served.status, 200, JSON.stringify(served.body));
    domainPrefix = served.body.requestContext.domainPrefix as string;
    assert.ok(domainPrefix);
    const code = await http('GET', '/2023-03-30/functions/web/code');
    const codeUrl = new URL(code.body.url as string);
    [codePath, codeSig] = [codeUrl.pathname, codeUrl.searchParams.get('Signature')!];
    const layer = await http('POST', '/2023-03-30/layers/lib/versions', { code: { zipFile: zip }, compatibleRuntime: ['nodejs20'] });
    assert.equal(layer.status, 200, JSON.stringify(layer.body));
    const layerUrl = new URL(layer.body.code.location as string);
    [layerPath, layerSig] = [layerUrl.pathname, layerUrl.searchParams.get('Signature')!];
    for (const [p, query] of [[codePath, codeUrl.search], [layerPath, layerUrl.search]] as const) {
      const res = await pool.request({ method: 'GET', path: `${p}${query}` });
      assert.equal(res.statusCode, 200, p);
      await res.body.arrayBuffer();
    }
  });
  after(async () => {
    await pool.close();
    await fcs.stop();
  });

  const pseudo = (method: string, bodyTypes: string[] = ['application/json', 'application/octet-stream']): Op => ({ method, template: '', operationId: 'extra', params: [], bodyTypes });
  const anyMethod = fc.constantFrom(...METHODS);
  const restPath = fc.array(pathSegment(false), { maxLength: 3 }).map((segs) => (segs.length ? `/${segs.join('/')}` : ''));
  /** A random request (method, query, headers, body) whose path comes from `path`. */
  const around = (path: fc.Arbitrary<string>, extraHeaders: fc.Arbitrary<Record<string, string>> = fc.constant({})) =>
    fc.tuple(anyMethod, path, request(pseudo('POST'), { wrongMethod: false }), extraHeaders).map(([method, p, r, h]): Req => ({ ...r, method, path: p + r.path, headers: { ...r.headers, ...h } }));

  /** The explicit list: name, requests, and whether every error is localfc's own JSON error. */
  const ROUTES: Array<{ name: string; req: () => fc.Arbitrary<Req>; jsonErrors: boolean }> = [
    {
      name: 'HTTP trigger by path: /fcapp/{functionName}/{triggerName}/...',
      jsonErrors: true,
      req: () =>
        around(
          fc
            .tuple(
              fc.oneof({ weight: 4, arbitrary: fc.constantFrom('web', 'secure', 'webapp', 'pending') }, { weight: 1, arbitrary: pathSegment(false) }),
              fc.oneof({ weight: 4, arbitrary: fc.constantFrom('site', 'locked', 'tick', 'app') }, { weight: 1, arbitrary: pathSegment(false) }),
              restPath,
            )
            .map(([f, t, rest]) => `/fcapp/${f}/${t}${rest}`),
          fc.option(fc.record({ authorization: fc.constantFrom('ACS3-HMAC-SHA256 Credential=x', 'junk', '') }), { nil: undefined }).map((h) => h ?? {}),
        ),
    },
    {
      name: 'HTTP trigger by fcapp.run host: any path',
      jsonErrors: true,
      req: () =>
        around(
          fc.oneof(restPath.map((p) => p || '/'), fc.constantFrom('/', '/fcapp', '/fcapp/web/site', '/_code/x', '/favicon.ico')),
          fc.constantFrom(domainPrefix, domainPrefix.toUpperCase(), 'nope-123').chain((prefix) =>
            fc.constantFrom(`${prefix}.cn-hangzhou.fcapp.run`, `${prefix}.cn-hangzhou.fcapp.run:9000`).map((host) => ({ host })),
          ),
        ),
    },
    {
      name: 'code download: /_code/{functions,layers}/{name}/{n}.zip',
      jsonErrors: true,
      req: () => {
        const sig = fc.oneof(fc.constantFrom(codeSig, layerSig, '', codeSig.toUpperCase(), codeSig.slice(1)), queryValue);
        const p = fc.oneof(
          { weight: 3, arbitrary: fc.constantFrom(codePath, layerPath) },
          {
            weight: 2,
            arbitrary: fc
              .tuple(fc.constantFrom('functions', 'layers', 'x'), fc.oneof(fc.constantFrom('web', 'lib', 'pending'), pathSegment(false)), fc.oneof(fc.constantFrom('1.zip', '0.zip', '99999999999999999999.zip', '1', '.zip', '-1.zip'), pathSegment(false)))
              .map(([k, n, f]) => `/_code/${k}/${n}/${f}`),
          },
        );
        return fc
          .tuple(anyMethod, p, fc.option(sig, { nil: undefined }), request(pseudo('GET'), { wrongMethod: false }))
          .map(([method, path, s, r]): Req => ({ ...r, method, path: `${path}${s === undefined ? '' : `?Signature=${s}`}${r.path ? `${s === undefined ? '?' : '&'}${r.path.slice(1)}` : ''}` }));
      },
    },
    {
      name: 'pages: /_localfc/ui, /_localfc/overview',
      jsonErrors: true,
      req: () => around(fc.tuple(fc.constantFrom('/_localfc/ui', '/_localfc/overview', '/_localfc/ui/', '/_localfc/overview/'), fc.oneof(fc.constant(''), restPath)).map(([a, b]) => a + b)),
    },
  ];

  const runOne = (jsonErrors: boolean) => async (r: Req) => {
    const o = await send(pool, r);
    requests++;
    statuses.set(o.status, (statuses.get(o.status) ?? 0) + 1);
    if (jsonErrors) checkOutcome(r, o);
    else assert.ok(o.status < 500, `5xx: ${r.method} ${r.path} → ${o.status} ${o.text.slice(0, 300)}`);
  };

  ROUTES.forEach((route, i) => {
    it(route.name, async () => {
      await fc.assert(fc.asyncProperty(route.req(), runOne(route.jsonErrors)), { seed: SEED + 10 + i, numRuns: RUNS, includeErrorInReport: true });
    });
  });

  it('the triggers still serve afterwards', async () => {
    assert.equal((await http('GET', '/fcapp/web/site/again')).status, 200);
    assert.equal((await http('GET', '/', undefined, { host: `${domainPrefix}.cn-hangzhou.fcapp.run` })).status, 200);
    // A fresh link: the fuzzed admin routes may have moved the clock past the first one's expiry.
    const fresh = new URL((await http('GET', '/2023-03-30/functions/web/code')).body.url as string);
    const res = await pool.request({ method: 'GET', path: `${fresh.pathname}${fresh.search}` });
    assert.equal(res.statusCode, 200);
    await res.body.arrayBuffer();
    process.stdout.write(`# fuzz (outside OpenAPI): ${requests} requests, statuses ${JSON.stringify(Object.fromEntries([...statuses].sort()))}\n`);
  });
});
