/**
 * InvokeFunction's response headers as they go on the wire (api/routes/invoke.ts builds them as a plain object): the
 * handler's own headers relayed with their names lower-cased, FC's x-fc-* headers winning over a handler's
 * same-named ones, repeated Set-Cookie values kept apart, and a body without a type sent as text/plain. A custom
 * runtime on the process backend answers with exactly those headers; raw HTTP reads the lines.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';

const server = createZip([{
  path: 'index.js',
  data: `
require('node:http').createServer((q, s) => {
  q.resume();
  q.on('end', () => {
    const typed = q.url === '/invoke' && q.headers['x-fc-qualifier'] === 'LATEST' && q.headers['content-type'] === 'application/json';
    s.writeHead(200, [
      'X-Custom-Thing', 'A',
      'X-Fc-Request-Id', 'from-the-handler',
      'Set-Cookie', 'a=1',
      'Set-Cookie', 'b=2',
      ...(typed ? ['Content-Type', 'application/json'] : []),
    ]);
    s.end(typed ? '{"typed":true}' : 'untyped');
  });
}).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');
`,
}]).toString('base64');

let fc: RunningLocalfc;
before(async () => {
  fc = await start({ backend: 'process', clock: 'manual', timing: { codePreparationMs: 0 } });
  const res = await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'hdrs', runtime: 'custom.debian10', customRuntimeConfig: { command: ['node', 'index.js'] }, code: { zipFile: server } }) });
  assert.equal(res.status, 200, await res.text());
  await fc.localfc.advanceClock(1000);
});
after(() => fc.stop());

const invoke = (contentType?: string) => rawRequest(fc.port, [
  'POST /2023-03-30/functions/hdrs/invocations HTTP/1.1',
  `Host: 127.0.0.1:${fc.port}`,
  ...(contentType ? [`Content-Type: ${contentType}`] : []),
  'Content-Length: 2',
].join('\r\n'), ['{}']);

it("relays the handler's headers lower-cased, FC's own winning, Set-Cookie lines apart", async () => {
  const res = await invoke('application/json');
  assert.equal(res.status, 200, res.raw.slice(0, 600));
  assert.equal(res.body, '{"typed":true}');
  const all = (name: string) => res.headers.filter(([k]) => k === name).map(([, v]) => v);
  assert.deepEqual(all('x-custom-thing'), ['A']);
  assert.ok(res.raw.includes('\r\nx-custom-thing: A\r\n'), res.raw.slice(0, 600));
  assert.deepEqual(all('set-cookie'), ['a=1', 'b=2']);
  assert.deepEqual(all('content-type'), ['application/json']);
  const requestId = all('x-fc-request-id');
  assert.equal(requestId.length, 1);
  assert.notEqual(requestId[0], 'from-the-handler');
  assert.match(requestId[0]!, /^1-[0-9a-f]{8}-/);
  assert.equal(all('x-fc-code-checksum').length, 1);
  assert.equal(all('x-fc-instance-id').length, 1);
  assert.match(all('x-fc-invocation-duration')[0] ?? '', /^\d+$/);
  assert.deepEqual(all('content-length'), [String(Buffer.byteLength(res.body))]);
});

it('a handler body without a type goes out as text/plain', async () => {
  const res = await invoke();
  assert.equal(res.status, 200, res.raw.slice(0, 600));
  assert.equal(res.body, 'untyped');
  assert.deepEqual(res.headers.filter(([k]) => k === 'content-type').map(([, v]) => v), ['text/plain; charset=UTF-8']);
});
