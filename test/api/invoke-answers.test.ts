/**
 * InvokeFunction's answers, byte for byte, on its fast route and through the full middleware chain (api/hot-routes.ts):
 * two servers with the same deterministic ids and clock get the same requests; one has an api fault rule that never
 * fires, which keeps every request on the full chain. Status line, headers (but Date), body, request ids and the access
 * log lines (but the ms) must be the same: successes, the errors the fast route renders itself (admission refused, an
 * invocation fault), and what it leaves to the chain (async, a bad header, a body over the limit, declared or chunked).
 * Raw HTTP over a socket, then the official SDK (which sends its body chunked) against both.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import { rawRequest } from '../helpers/raw-http.ts';
import { waitFor } from '../helpers/wait.ts';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, readBody, sdkClient, sdkError } from '../helpers/sdk.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { sequentialIds } from '../../src/ids.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
const NEVER_FIRES = { match: { phase: 'api' as const, operation: 'NoSuchOperation' }, effect: { type: 'error' as const, code: 'ServiceUnavailable' } };
const FAULTY = { match: { phase: 'invocation' as const, functionName: 'faulty' }, effect: { type: 'error' as const, code: 'ServiceUnavailable' } };
const MAX_BODY = 64 * 1024;

interface Side { fc: RunningLocalfc; lines: string[] }
let fast: Side;
let chain: Side;

async function side(faults: object[]): Promise<Side> {
  const lines: string[] = [];
  const fc = await start({ clock: 'manual', log: 'text', faults: faults as never, maxBodyBytes: MAX_BODY, timing: { codePreparationMs: 0 } }, { ids: sequentialIds('invoke-answers'), logLine: (l) => lines.push(l) });
  return { fc, lines };
}

/** One raw HTTP/1.1 exchange (Connection: close), with the Date header's value blanked. */
async function raw(fc: RunningLocalfc, head: string, body: string | Buffer = ''): Promise<string> {
  return (await rawRequest(fc.port, head.replaceAll('\n', '\r\n'), [body])).raw.replace(/^date: .*$/im, 'date: -');
}

async function create(fc: RunningLocalfc, name: string): Promise<void> {
  const body = JSON.stringify({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip } });
  const res = await raw(fc, `POST /2023-03-30/functions HTTP/1.1\nHost: 127.0.0.1:${fc.port}\nContent-Type: application/json\nContent-Length: ${Buffer.byteLength(body)}`, body);
  assert.match(res, /^HTTP\/1\.1 200 /, res);
}

before(async () => {
  [fast, chain] = await Promise.all([side([FAULTY]), side([FAULTY, NEVER_FIRES])]);
  for (const { fc } of [fast, chain]) {
    for (const name of ['hot', 'faulty']) await create(fc, name);
    await fc.localfc.advanceClock(1000);
    await create(fc, 'pending'); // not Active yet: FunctionNotActive
  }
});
after(() => Promise.all([fast?.fc.stop(), chain?.fc.stop()]));

/** The same request on both servers (its Host names each one's port), in step. */
async function both(head: string, body: string | Buffer = ''): Promise<[string, string]> {
  const a = await raw(fast.fc, head.replaceAll('PORT', String(fast.fc.port)), body);
  const b = await raw(chain.fc, head.replaceAll('PORT', String(chain.fc.port)), body);
  return [a, b];
}

const POST = (path: string, body: string, extra = '') =>
  `POST ${path} HTTP/1.1\nHost: 127.0.0.1:PORT\nx-acs-action: InvokeFunction\nContent-Type: application/json\nContent-Length: ${Buffer.byteLength(body)}${extra}`;
const CHUNKED = (path: string, extra = '') => `POST ${path} HTTP/1.1\nHost: 127.0.0.1:PORT\nx-acs-action: InvokeFunction\nTransfer-Encoding: chunked${extra}`;
const chunked = (...parts: Buffer[]) => Buffer.concat([...parts.flatMap((p) => [Buffer.from(`${p.length.toString(16)}\r\n`), p, Buffer.from('\r\n')]), Buffer.from('0\r\n\r\n')]);
const INVOKE = '/2023-03-30/functions/hot/invocations';
/** The access log's request lines and the invocation lines, the ms blanked (stack traces of internal errors left out). */
const logged = (lines: string[]) => lines.filter((l) => !l.startsWith('internal error')).map((l) => l.replace(/\d+(\.\d+)?ms\b/g, '_ms'));

it('answers invocations the same on the fast route and through the chain, request ids and log lines included', async () => {
  const requests: Array<[string, string | Buffer]> = [
    [POST(INVOKE, '{"a":1}'), '{"a":1}'],
    [POST(`${INVOKE}?qualifier=LATEST`, 'plain'), 'plain'],
    [POST(INVOKE, '{"b":2}', '\nx-fc-invocation-type: Sync\nx-fc-log-type: Tail'), '{"b":2}'],
    [POST(INVOKE, ''), ''],
    [CHUNKED(INVOKE), chunked(Buffer.from('{"c":'), Buffer.from('3}'))],
    [POST('/2023-03-30/functions/nope/invocations', '{}'), '{}'], // FunctionNotFound, rendered by the fast route
    [POST(`${INVOKE}?qualifier=9`, '{}'), '{}'], // no such version
    [POST('/2023-03-30/functions/pending/invocations', '{}'), '{}'], // FunctionNotActive
    [POST('/2023-03-30/functions/faulty/invocations', '{}'), '{}'], // an invocation fault: 503
    [POST(INVOKE, '{}', '\nx-fc-invocation-type: Async'), '{}'], // to the chain
    [POST(INVOKE, '{}', '\nx-fc-log-type: Everything'), '{}'], // refused by the header schema
    [POST(INVOKE, '{}', '\nOrigin: http://evil.example'), '{}'], // site guard
    [POST(`${INVOKE}?qualifier=1&qualifier=2`, '{}'), '{}'],
    [POST(INVOKE, 'x'.repeat(MAX_BODY + 1)), 'x'.repeat(MAX_BODY + 1)], // declared length over the limit
    [CHUNKED(INVOKE), chunked(Buffer.alloc(40_000, 'y'), Buffer.alloc(40_000, 'z'))], // chunked, over it on the way
    [CHUNKED(INVOKE), chunked(Buffer.alloc(MAX_BODY, 'w'))], // chunked, exactly the limit
    [POST(INVOKE, '{"http":1.0}').replace('HTTP/1.1', 'HTTP/1.0'), '{"http":1.0}'], // no chunked encoding: the length is named
    [POST(INVOKE, '{"last":true}'), '{"last":true}'],
  ];
  for (const [head, body] of requests) {
    const [a, b] = await both(head, body);
    assert.equal(a, b, head);
  }
  assert.deepEqual(logged(fast.lines), logged(chain.lines));
  assert.ok(logged(fast.lines).includes('POST /2023-03-30/functions/hot/invocations 200 InvokeFunction _ms'), fast.lines.join('\n'));
  assert.ok(logged(fast.lines).some((l) => /^POST \/2023-03-30\/functions\/nope\/invocations 404 InvokeFunction _ms \S+$/.test(l)), fast.lines.join('\n'));
});

it('answers the official SDK the same on both (its body is chunked), GetFunction and InvokeFunction', async () => {
  const seen = async (fc: RunningLocalfc) => {
    const client = sdkClient(fc.endpoint);
    const invoked = await client.invokeFunctionWithOptions('hot', new $FC.InvokeFunctionRequest({ body: event('{"sdk":1}') }), new $FC.InvokeFunctionHeaders({ xFcLogType: 'Tail' }), {} as never);
    const got = await client.getFunctionWithOptions('hot', new $FC.GetFunctionRequest({}), {}, {} as never);
    const missing = await sdkError(client.invokeFunctionWithOptions('nope', new $FC.InvokeFunctionRequest({ body: event('{}') }), new $FC.InvokeFunctionHeaders({}), {} as never));
    const { date: _d, ...invokedHeaders } = invoked.headers ?? {};
    const { date: _g, ...gotHeaders } = got.headers ?? {};
    return { invoked: [invoked.statusCode, invokedHeaders, await readBody(invoked.body!)], got: [got.statusCode, gotHeaders, got.body], missing: [missing.statusCode, missing.code, missing.data] };
  };
  const [a, b] = [await seen(fast.fc), await seen(chain.fc)];
  assert.deepEqual(a, b);
  assert.equal(a.invoked[0], 200);
  assert.equal(a.invoked[2], '{"sdk":1}');
  assert.equal(a.missing[1], 'FunctionNotFound');
});

it('a client that goes away before its body ended is logged as a 500 on both, and each server answers the next call alike', async () => {
  const goneMidBody = (fc: RunningLocalfc) => new Promise<void>((resolve, reject) => {
    const s = connect(fc.port, '127.0.0.1', () => {
      s.write(`POST ${INVOKE} HTTP/1.1\r\nHost: 127.0.0.1:${fc.port}\r\nx-acs-action: InvokeFunction\r\nContent-Length: 100\r\n\r\n{"part`);
      // Gone once the server has read the head and what came of the body.
      setImmediate(() => s.destroy());
    });
    s.on('close', () => resolve());
    s.on('error', reject);
  });
  const refused = 'POST /2023-03-30/functions/hot/invocations 500 InvokeFunction ';
  for (const { fc, lines } of [fast, chain]) {
    const from = lines.length;
    await goneMidBody(fc);
    // The server learns of it after the client's socket closed: its line, before the next request.
    await waitFor('the aborted request logged', async () => lines.slice(from).some((l) => l.startsWith(refused)) || undefined);
  }
  const [a, b] = await both(POST(INVOKE, '{"after":1}'), '{"after":1}');
  assert.equal(a, b);
  assert.match(a, /^HTTP\/1\.1 200 /);
});
