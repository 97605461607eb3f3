/**
 * A handler that ends its process (process.exit) mid-request, process backend: the caller gets FC's message (no output
 * line quoted in it: an old line read as the reason), the function's lines are in the log tail, never localfc's own
 * `[localfc] …` lines of the instance's log (where the code runs, restarts). Neither the
 * crash's nor a normal call's x-fc-log-result carries localfc's lines; the instance's log (localfc's admin API) keeps
 * them. Real server, raw HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { postOk } from '../helpers/fc-api.ts';

let fc: RunningLocalfc;
before(async () => {
  fc = await start({ clock: 'manual', log: 'silent', backend: 'process', timing: { codePreparationMs: 0 } });
});
after(() => fc.stop());

const create = (name: string, handler: string) =>
  postOk(fc.url, '/functions', { functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: createZip([{ path: 'index.js', data: handler }]).toString('base64') } });

const invoke = async (name: string, body: string) => {
  const res = await fetch(`${fc.url}/2023-03-30/functions/${name}/invocations`, { method: 'POST', headers: { 'x-fc-log-type': 'Tail' }, body });
  const text = await res.text();
  return {
    status: res.status,
    errorType: res.headers.get('x-fc-error-type'),
    instanceId: res.headers.get('x-fc-instance-id')!,
    text,
    log: Buffer.from(res.headers.get('x-fc-log-result') ?? '', 'base64').toString(),
  };
};

const instanceLog = async (name: string, id: string) => (await fetch(`${fc.url}/_localfc/functions/${name}/instances/${id}/logs`)).text();

it('a handler that exits without printing: FC\'s message and nothing of localfc', async () => {
  await create('silent', `exports.handler = (ev, ctx, cb) => { if (ev.toString() === 'die') process.exit(3); cb(null, 'alive'); };\n`);
  const ok = await invoke('silent', 'hi');
  assert.equal(ok.text, 'alive');
  assert.doesNotMatch(ok.log, /\[localfc\]/, ok.log);
  assert.match(await instanceLog('silent', ok.instanceId), /^\[localfc\] code /m, 'the instance log keeps where the code runs');

  const died = await invoke('silent', 'die');
  assert.equal(died.status, 200);
  assert.equal(died.errorType, 'UnhandledInvocationError');
  assert.match((JSON.parse(died.text) as { errorMessage: string }).errorMessage, /^Process exited unexpectedly before completing request \(duration: \d+ms\)$/);
  assert.doesNotMatch(died.log, /\[localfc\]/, died.log);
});

it('a handler that prints and exits: its lines are in the tail, not in the message', async () => {
  await create('chatty', `exports.handler = (ev, ctx, cb) => { console.log('about to exit'); console.error('bye'); process.exit(3); };\n`);
  const died = await invoke('chatty', 'x');
  assert.equal(died.errorType, 'UnhandledInvocationError');
  const body = JSON.parse(died.text) as { errorMessage: string; errorType?: string };
  assert.equal(body.errorType, undefined);
  assert.match(body.errorMessage, /^Process exited unexpectedly before completing request \(duration: \d+ms\)$/);
  assert.match(died.log, /about to exit/);
  assert.match(died.log, /bye/);
  assert.doesNotMatch(died.log, /\[localfc\]/, died.log);

  // The next call gets a new instance, whose log starts with localfc's line again: its crash quotes the function only.
  const again = await invoke('chatty', 'x');
  const message = (JSON.parse(again.text) as { errorMessage: string }).errorMessage;
  assert.doesNotMatch(message, /\[localfc\]/, message);
  assert.doesNotMatch(again.log, /\[localfc\]/, again.log);
});
