/**
 * GetFunction's answers, byte for byte, on its fast path and through the full middleware chain (api/hot-routes.ts):
 * two servers with the same deterministic ids and clock get the same requests; one has an api fault rule that never
 * fires, which keeps every request on the full chain. Status line, headers (but Date), body, request ids and the
 * access log lines (but the ms) must be the same, success and failures alike, so a fast path that declines a request
 * must not have used up a request id either. Raw HTTP over a socket.
 */
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { sequentialIds } from '../../src/ids.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
const NEVER_FIRES = { match: { phase: 'api' as const, operation: 'NoSuchOperation' }, effect: { type: 'error' as const, code: 'ServiceUnavailable' } };

interface Side { fc: RunningLocalfc; lines: string[] }
let fast: Side;
let chain: Side;

async function side(faults: Array<typeof NEVER_FIRES>): Promise<Side> {
  const lines: string[] = [];
  const fc = await start({ clock: 'manual', log: 'text', faults, timing: { codePreparationMs: 0 } }, { ids: sequentialIds('answers'), logLine: (l) => lines.push(l) });
  return { fc, lines };
}

/** One raw HTTP/1.1 exchange (Connection: close), with the Date header's value blanked. */
function raw(fc: RunningLocalfc, head: string, body = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(fc.port, '127.0.0.1');
    let out = '';
    socket.setEncoding('latin1');
    socket.on('data', (d: string) => (out += d));
    socket.on('end', () => resolve(out.replace(/^date: .*$/im, 'date: -')));
    socket.on('error', reject);
    socket.end(`${head.replaceAll('\n', '\r\n')}\r\n\r\n${body}`);
  });
}

before(async () => {
  [fast, chain] = await Promise.all([side([]), side([NEVER_FIRES])]);
  for (const { fc } of [fast, chain]) {
    for (const name of ['hot', 'other']) {
      const create = JSON.stringify({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', description: 'ünïcode', environmentVariables: { A: '1' }, code: { zipFile: zip } });
      // Not through raw(): its client half-closes, and the first CreateFunction builds its route group with an import
      // that, under tsx, takes longer than Node keeps such a connection open (the bundle builds it within the same turn).
      const res = await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: create, signal: AbortSignal.timeout(60_000) });
      assert.equal(res.status, 200, await res.text());
    }
    await fc.localfc.advanceClock(1000);
  }
});
after(() => Promise.all([fast?.fc.stop(), chain?.fc.stop()]));

/** The same request on both servers (its Host names each one's port), in step. */
async function both(request: () => string): Promise<[string, string]> {
  const a = await raw(fast.fc, request().replaceAll('PORT', String(fast.fc.port)));
  const b = await raw(chain.fc, request().replaceAll('PORT', String(chain.fc.port)));
  return [a, b];
}

const GET = (path: string, extra = '') => () => `GET ${path} HTTP/1.1\nHost: 127.0.0.1:PORT\nx-acs-action: GetFunction${extra}\nConnection: close`;

it('answers success and failure the same on the fast path and through the chain, request ids and log lines included', async () => {
  const requests = [
    GET('/2023-03-30/functions/hot'),
    GET('/2023-03-30/functions/hot?qualifier=LATEST'),
    GET('/2023-03-30/functions/nope'), // FunctionNotFound
    GET('/2023-03-30/functions/hot?qualifier=9'), // no such version
    GET('/2023-03-30/functions/hot?qualifier=1&qualifier=2'), // invalid query
    GET('/2023-03-30/functions/bad%20name'), // invalid name
    GET('/2023-03-30/functions/other'),
    GET('/2023-03-30/functions/hot', '\nOrigin: http://evil.example'), // refused by the site guard
    GET('/2023-03-30/functions/hot', '\nSec-Fetch-Site: cross-site'),
    () => 'GET /2023-03-30/functions/hot HTTP/1.1\nHost: evil.example\nConnection: close', // foreign Host
    () => 'GET /2023-03-30/functions/hot HTTP/1.1\nHost: fcbucket.oss-cn-hangzhou.aliyuncs.com\nConnection: close', // OSS addressing
    () => 'HEAD /2023-03-30/functions/hot HTTP/1.1\nHost: 127.0.0.1:PORT\nConnection: close',
    () => 'GET /2023-03-30/functions/hot HTTP/1.1\nHost: 127.0.0.1:PORT\nConnection: close', // no x-acs-action
    // Hosts @hono/node-server normalises or refuses: a port above 60000, a default port, upper case, no such port
    () => 'GET /2023-03-30/functions/hot HTTP/1.1\nHost: localhost:65001\nConnection: close',
    () => 'GET /2023-03-30/functions/hot HTTP/1.1\nHost: localhost:80\nConnection: close',
    () => 'GET /2023-03-30/functions/hot HTTP/1.1\nHost: LOCALHOST:PORT\nConnection: close',
    () => 'GET /2023-03-30/functions/hot HTTP/1.1\nHost: localhost:70000\nConnection: close',
    // HTTP/1.0: no chunked encoding, so the length is named in the headers
    () => 'GET /2023-03-30/functions/hot HTTP/1.0\nHost: 127.0.0.1:PORT\nx-acs-action: GetFunction',
    GET('/2023-03-30/functions/hot'),
  ];
  for (const request of requests) {
    const [a, b] = await both(request);
    assert.equal(a, b, request());
  }
  const ms = (lines: string[]) => lines.filter((l) => /^(GET|HEAD) /.test(l)).map((l) => l.replace(/ \d+ms( |$)/, ' _ms$1'));
  assert.deepEqual(ms(fast.lines), ms(chain.lines));
  assert.ok(ms(fast.lines).includes('GET /2023-03-30/functions/hot 200 GetFunction _ms'), fast.lines.join('\n'));
});

it('the clock moving changes nothing in the answer (times are the function\'s own)', async () => {
  await Promise.all([fast.fc.localfc.advanceClock(3_600_000), chain.fc.localfc.advanceClock(3_600_000)]);
  const [a, b] = await both(GET('/2023-03-30/functions/hot'));
  assert.equal(a, b);
  assert.match(a, /"createdTime":"2024-01-01T00:00:00Z"/);
});
