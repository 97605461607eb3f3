/**
 * The port of a new process-backend instance (issue 18): chosen, then used by the code, with no window in which
 * another start or another program can take it unnoticed. Real servers on free ports, real processes.
 */
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, describe, it } from 'node:test';
import { Agent, request } from 'undici';
import { waitFor } from '../helpers/wait.ts';
import { reportServer } from '../helpers/report-server.ts';
import { createZip } from '../helpers/zip.ts';
import { start } from '../../src/index.ts';

// The instances' files are their own: what one start did and what the test saw go through this control server.
const ctl = await reportServer();
after(async () => {
  try {
    process.kill(Number(ctl.values.get('thief.pid')), 'SIGKILL');
  } catch {
    /* never started, or gone */
  }
  await ctl.close();
});
const CTL = `const ctl = 'http://127.0.0.1:${ctl.port}';
const put = (key, value) => fetch(ctl + '/put/' + key, { method: 'POST', body: value }).then((r) => r.text());
const get = (key) => fetch(ctl + '/get/' + key).then((r) => r.text());`;

/**
 * On its first start, before listening, the code has another program take its FC_SERVER_PORT (bound, not listening,
 * as the local end of an outgoing connection is), so its listen fails with EADDRINUSE: what happened when the port was
 * chosen, released, then used.
 */
const portThief = createZip([{
  path: 'index.js',
  data: `
const { spawn } = require('node:child_process');
${CTL}
const port = Number(process.env.FC_SERVER_PORT);
const serve = () => require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => s.end('served on ' + port)); }).listen(port, '0.0.0.0');
put('stolen', String(port)).then(async (first) => {
  if (first !== 'first') return serve();
  // Python binds without SO_REUSEADDR, as an outgoing connection's socket does (Node's sockets set it, and would not clash).
  const thief = spawn('python3', ['-c', 'import socket,sys,time\\ns=socket.socket()\\ns.bind(("127.0.0.1", int(sys.argv[1])))\\nprint("taken", flush=True)\\ntime.sleep(300)', String(port)], { detached: true, stdio: ['ignore', 'pipe', 'inherit'] });
  await put('thief.pid', String(thief.pid));
  thief.stdout.once('data', () => { thief.unref(); thief.stdout.destroy(); serve(); });
});
`,
}]).toString('base64');

/**
 * On its first start the code tells its FC_SERVER_PORT (key `squatted`) and listens only once another program
 * listening there was probed (key `probed`): then its listen fails with EADDRINUSE. What happens when a port found
 * free is taken by another server on port 0 (another test file's, say) before the code listens on it.
 */
const squatted = createZip([{
  path: 'index.js',
  data: `
${CTL}
const port = Number(process.env.FC_SERVER_PORT);
const serve = () => require('node:http').createServer((q, s) => { q.resume(); q.on('end', () => s.end('served on ' + port)); }).listen(port, '0.0.0.0');
put('squatted', String(port)).then(async (first) => {
  if (first !== 'first') return serve();
  while (!(await get('probed'))) await new Promise((r) => setTimeout(r, 10));
  serve();
});
`,
}]).toString('base64');

const pyHandler = createZip([{ path: 'index.py', data: 'import os\ndef handler(event, context):\n    return os.environ["FC_SERVER_PORT"]\n' }]).toString('base64');

describe('ports of new instances (process backend)', { timeout: 600_000 }, () => {
  it('a start whose port another program took before the code listened is started again on another port: the caller sees 200', async () => {
    const fcs = await start({ backend: 'process' });
    try {
      const create = await fetch(`${fcs.url}/2023-03-30/functions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ functionName: 'thief', runtime: 'custom.debian10', customRuntimeConfig: { command: ['node', 'index.js'] }, code: { zipFile: portThief } }),
      });
      assert.equal(create.status, 200, await create.text());
      const res = await fetch(`${fcs.url}/2023-03-30/functions/thief/invocations`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(120_000) });
      const text = await res.text();
      assert.equal(res.status, 200, text);
      const stolen = ctl.values.get('stolen');
      assert.match(text, /^served on \d+$/);
      assert.notEqual(text, `served on ${stolen}`, 'the second start got another port');
    } finally {
      await fcs.stop();
    }
  });

  it('a start whose port another server listens on before the code does is not taken as ready: started again on another port, the caller sees 200 from the code', async () => {
    const fcs = await start({ backend: 'process' });
    // The other server: this test process, started before the instance (so no offspring of it), answering what the code would not.
    const squatter = createServer((q, s) => { q.resume(); s.end('the squatter answered'); });
    try {
      const create = await fetch(`${fcs.url}/2023-03-30/functions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ functionName: 'squatted', runtime: 'custom.debian10', customRuntimeConfig: { command: ['node', 'index.js'] }, code: { zipFile: squatted } }),
      });
      assert.equal(create.status, 200, await create.text());
      const call = fetch(`${fcs.url}/2023-03-30/functions/squatted/invocations`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(300_000) });
      const port = await waitFor('the code to tell its port', async () => (ctl.values.has('squatted') ? Number(ctl.values.get('squatted')) : undefined), 300_000);
      // The readiness check's connection reaches the squatter: only then does the code try to listen.
      squatter.once('connection', () => ctl.values.set('probed', 'yes'));
      await new Promise<void>((res, rej) => squatter.once('error', rej).listen(port, '127.0.0.1', res));
      const res = await call;
      const text = await res.text();
      assert.equal(res.status, 200, text);
      assert.match(text, /^served on \d+$/, 'the code answered, not the server that held its port');
      assert.notEqual(text, `served on ${port}`, 'the second start got another port');
    } finally {
      squatter.close();
      await fcs.stop();
    }
  });

  it('a burst of 100 concurrent cold starts of 100 functions: every call answers 200, no two instances share a port', async () => {
    // A burst of cold starts on a loaded 2-core machine may take longer than the start-up timeout: this test is about
    // ports, so it runs on the manual clock, where the start-up and invocation timeouts pass only when advanced.
    const fcs = await start({ clock: 'manual', backend: 'process' });
    const agent = new Agent({ connections: 256, headersTimeout: 300_000, bodyTimeout: 300_000 });
    const N = 100;
    try {
      const names = Array.from({ length: N }, (_, i) => `burst_${i}`);
      const post = async (path: string, body: unknown) => {
        const r = await request(`${fcs.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), dispatcher: agent });
        return { status: r.statusCode, text: await r.body.text() };
      };
      await Promise.all(names.map(async (functionName) => {
        const r = await post('/2023-03-30/functions', { functionName, runtime: 'python3.10', handler: 'index.handler', code: { zipFile: pyHandler } });
        assert.equal(r.status, 200, r.text);
      }));
      const answers = await Promise.all(names.map(async (n) => ({ n, ...(await post(`/2023-03-30/functions/${n}/invocations`, {})) })));
      const failed = answers.filter((a) => a.status !== 200);
      assert.deepEqual(failed, [], `${failed.length} of ${N} failed`);
      assert.equal(new Set(answers.map((a) => a.text)).size, N, 'each instance was told a port of its own');
    } finally {
      await fcs.stop();
      await agent.close();
    }
  });
});
