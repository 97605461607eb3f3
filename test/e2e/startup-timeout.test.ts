// Bounds of a call on localfc's clock, process backend (issue 15): a server that never listens is given up at FC's
// start-up timeout (120 s), and a handler that never answers at the function's timeout, both on the manual clock.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/server.ts';
import { advanceClock } from '../helpers/clock.ts';
import { checkGivenUpAtStartupTimeout, pendingInvocation, timerArmed } from '../helpers/startup-timeout.ts';
import { processState } from '../helpers/process.ts';
import { waitFor } from '../helpers/wait.ts';
import { reportServer, type ReportServer } from '../helpers/report-server.ts';

describe('time bounds of a call on the clock (process backend)', () => {
  let fc: RunningLocalfc;
  // The instance's files are its own: it tells its pid over HTTP.
  let ctl: ReportServer;
  before(async () => {
    fc = await start({ clock: 'manual', backend: 'process' });
    ctl = await reportServer();
  });
  after(async () => {
    await fc?.stop();
    await ctl?.close();
  });

  async function create(body: Record<string, unknown>): Promise<void> {
    const res = await request(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    assert.equal(res.statusCode, 200, await res.body.text());
    await advanceClock(fc, 1000);
  }

  it('a server that never listens is given up when the clock passes 120 s, not before, with FC\'s answer', async () => {
    // Writes its pid, says so, and runs without ever listening.
    const zipFile = createZip([{ path: 'server.js', data: `fetch('http://127.0.0.1:' + process.env.CTL_PORT + '/put/pid', { method: 'POST', body: String(process.pid) }); console.log('up, not listening'); setInterval(() => {}, 1000);` }]).toString('base64');
    await create({ functionName: 'deaf', runtime: 'custom.debian10', handler: 'index.handler', code: { zipFile }, environmentVariables: { CTL_PORT: String(ctl.port) }, customRuntimeConfig: { command: ['node', 'server.js'] } });
    let pid = 0;
    const running = async (): Promise<void> => {
      pid = await waitFor('the server process to run', async () => (ctl.values.get('pid') ? Number(ctl.values.get('pid')) : undefined));
    };
    const message = await checkGivenUpAtStartupTimeout(fc, 'deaf', /\d+/, running);
    assert.match(message, /\nLogs: [^]*up, not listening/, 'the answer carries what the process printed');
    assert.ok(pid > 0);
    assert.equal(processState(pid), undefined, 'the process that never listened was killed');
  });

  it('a handler that never answers times out when the clock passes the function\'s timeout, not before', async () => {
    const zipFile = createZip([{ path: 'index.js', data: `exports.handler = () => new Promise(() => {});` }]).toString('base64');
    await create({ functionName: 'stuck', runtime: 'nodejs20', handler: 'index.handler', timeout: 2, code: { zipFile } });
    const call = pendingInvocation(fc, 'stuck');
    await timerArmed(fc, 'invocation timeout');
    await advanceClock(fc, 1999);
    assert.equal(call.answered(), false, 'timed out before the function\'s timeout');
    await advanceClock(fc, 1);
    const { status, text } = await call.answer;
    assert.equal(status, 200, text);
    assert.deepEqual(JSON.parse(text), { errorMessage: 'Function timed out after 2 seconds' });
  });
});
