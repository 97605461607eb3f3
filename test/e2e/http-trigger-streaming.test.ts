/**
 * A web function's streamed answer (Server-Sent Events, any `Transfer-Encoding: chunked` answer) through an HTTP trigger
 * reaches the client as the function writes it, as FC relays it (FC's FAQ "函数计算是否支持SSE流式响应": web functions
 * stream, told by Transfer-Encoding: chunked); it was gathered and handed over once the handler had finished (a new user's
 * trial, R15). The instance stays busy until the answer ends, the access log line and the invocation record follow its
 * end; a timeout, the response size limit and a client that goes away each end it. Real server on a free port, the process
 * backend, a custom runtime server held step by step by the test (gate-server.ts), undici's fetch reading the body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { fetch } from 'undici';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { advanceClock } from '../helpers/clock.ts';
import { adminApi } from '../helpers/fc-api.ts';
import { gateServer, type GateServer } from '../helpers/gate-server.ts';
import { deployWebFunction } from '../helpers/web-function.ts';

const LIMIT = 1024 * 1024;

/** `/sse?tag=T` streams three events, the 2nd after gate T-two and the 3rd after T-end; `/big` streams past LIMIT. */
const SERVER = `
const http = require('http');
const call = (path, then) => http.get({ host: '127.0.0.1', port: Number(process.env.GATE_PORT), path, agent: false }, (res) => { res.resume(); res.on('end', () => then && then()); });
const gate = (name) => new Promise((resolve) => call('/wait/' + name, resolve));
http.createServer(async (req, res) => {
  const url = new URL(req.url, 'http://x');
  const tag = url.searchParams.get('tag');
  res.on('close', () => { if (!res.writableFinished) call('/note/' + tag + '-gone'); });
  if (url.pathname === '/sse') {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', 'x-app': 'sse' });
    res.write('data: one\\n\\n');
    await gate(tag + '-two');
    res.write('data: two\\n\\n');
    await gate(tag + '-end');
    return res.end('data: end\\n\\n');
  }
  if (url.pathname === '/big') {
    res.writeHead(200, { 'content-type': 'application/octet-stream' });
    for (let i = 0; i < 20; i++) res.write(Buffer.alloc(64 * 1024, 97));
    return gate('never');
  }
  res.end('whole');
}).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');
`;

describe('a streamed answer through an HTTP trigger (process backend)', { timeout: 120_000 }, () => {
  let fc: RunningLocalfc;
  let gates: GateServer;
  const logLines: string[] = [];
  const admin = adminApi(() => fc.url);

  before(async () => {
    gates = await gateServer();
    fc = await start({ clock: 'manual', backend: 'process', log: 'text', maxBodyBytes: LIMIT }, { logLine: (l) => logLines.push(l) });
    await deployWebFunction(fc.url, 'sse', SERVER, { timeout: 5, environmentVariables: { GATE_PORT: String(gates.port) } });
    await advanceClock(fc, 1000);
  });
  after(async () => {
    await fc.stop();
    await gates.close();
  });

  const url = (path: string) => `${fc.url}/fcapp/sse/h${path}`;
  const busy = async () => ((await admin('GET', '/functions/sse/instances')).instances as Array<{ busy: number }>).reduce((n, i) => n + i.busy, 0);
  const invocations = async () => ((await admin('GET', '/functions/sse/timeline')).timeline as Array<{ kind: string; event: string; detail: Record<string, unknown> }>).filter((e) => e.kind === 'invocation');

  /** Reads from the body until `expected` has come whole (a chunk may come in pieces), and asserts nothing more came. */
  async function next(reader: ReadableStreamDefaultReader<Uint8Array>, expected: string): Promise<void> {
    let got = '';
    while (got.length < expected.length) {
      const { value, done } = await reader.read();
      assert.ok(!done, `the body ended after ${JSON.stringify(got)}`);
      got += Buffer.from(value).toString();
    }
    assert.equal(got, expected);
  }

  it('the status, headers and each event reach the client as the handler writes them; the log and record follow the end', async () => {
    const res = await fetch(url('/sse?tag=a'));
    // The handler is held before its 2nd event: all that has come so far is what it wrote before.
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/event-stream');
    assert.equal(res.headers.get('x-app'), 'sse');
    const requestId = res.headers.get('x-fc-request-id');
    assert.match(requestId ?? '', /^1-/);
    const reader = res.body!.getReader();
    await next(reader, 'data: one\n\n');
    assert.equal(await busy(), 1, 'the instance is busy while the answer streams');
    assert.equal(logLines.filter((l) => l.startsWith('GET /fcapp/sse/h/sse')).length, 0, 'the access log line waits for the end');
    assert.equal((await invocations()).length, 0, 'the invocation is recorded once it ended');
    gates.open('a-two');
    await next(reader, 'data: two\n\n');
    gates.open('a-end');
    await next(reader, 'data: end\n\n');
    assert.equal((await reader.read()).done, true);
    assert.equal(await busy(), 0, 'released once the answer ended');
    assert.match(logLines.find((l) => l.startsWith('GET /fcapp/sse/h/sse')) ?? '', /^GET \/fcapp\/sse\/h\/sse 200 /);
    const [record] = await invocations();
    assert.equal(record?.event, 'invoked');
    assert.equal(record?.detail.requestId, requestId);
    assert.equal(record?.detail.status, 200);
  });

  it('an answer with a Content-Length is still handed over whole', async () => {
    const res = await fetch(url('/whole'));
    assert.equal(res.headers.get('content-length'), '5');
    assert.equal(await res.text(), 'whole');
  });

  it('a client that goes away mid-stream ends the call: the handler sees the close, the instance is released', async () => {
    const ac = new AbortController();
    const res = await fetch(url('/sse?tag=b'), { signal: ac.signal });
    await next(res.body!.getReader(), 'data: one\n\n');
    ac.abort();
    await gates.noted('b-gone');
    const record = (await invocations()).at(-1);
    assert.equal(record?.detail.callerGone, true);
    assert.equal(await busy(), 0);
    // The same instance serves the next call: it was released, not lost.
    const again = await fetch(url('/whole'));
    assert.equal(await again.text(), 'whole');
    assert.equal((await invocations()).at(-1)?.detail.instanceId, record?.detail.instanceId);
  });

  it("a stream running past the function's timeout is cut off when the timeout passes on the clock", async () => {
    const res = await fetch(url('/sse?tag=c'));
    const reader = res.body!.getReader();
    await next(reader, 'data: one\n\n');
    await advanceClock(fc, 5000);
    await assert.rejects(reader.read(), 'the body breaks off: the client does not take it for a complete answer');
    const record = (await invocations()).at(-1);
    assert.equal(record?.detail.instanceLost, true);
    assert.equal(await busy(), 0);
  });

  it('a stream passing the response size limit is cut off there', async () => {
    const res = await fetch(url('/big?tag=d'));
    assert.equal(res.status, 200);
    let received = 0;
    const reader = res.body!.getReader();
    await assert.rejects(async () => {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        received += value.length;
      }
    });
    assert.ok(received <= LIMIT, `${received} bytes relayed, more than the limit`);
    const record = (await invocations()).at(-1);
    assert.equal(record?.event, 'failed');
    assert.equal(record?.detail.code, 'BadResponse');
  });
});
