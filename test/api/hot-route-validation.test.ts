/**
 * GetFunction and InvokeFunction check their params, query and headers on a cheaper path than the other routes
 * (api/lean-route.ts): the same schemas must give the same answers, field by field and in the same order (query,
 * then params, then headers), with the value quoted as before. Real server, raw HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
let fc: RunningLocalfc;
before(async () => {
  fc = await start({ clock: 'manual', timing: { codePreparationMs: 0 } });
  const res = await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'hot', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip } }) });
  assert.equal(res.status, 200, await res.text());
  await fc.localfc.advanceClock(1000);
});
after(() => fc.stop());

const call = async (method: string, path: string, headers: [string, string][] = []) => {
  const res = await fetch(`${fc.url}${path}`, { method, headers, ...(method === 'POST' ? { body: 'x' } : {}) });
  const json = (await res.json()) as { Code?: string; Message?: string; RequestId?: string };
  return { status: res.status, json, requestId: res.headers.get('x-fc-request-id') };
};
const INVOKE = '/2023-03-30/functions/hot/invocations';

it('refuses a bad invocation header with the field, its rule and the value sent, whatever the header name case', async () => {
  for (const [name, value, message] of [
    ['x-fc-invocation-type', 'Later', 'invalid header: x-fc-invocation-type: Invalid option: expected one of "Sync"|"Async"|"Task" (got "Later")'],
    ['X-Fc-Log-Type', 'All', 'invalid header: x-fc-log-type: Invalid option: expected one of "None"|"Tail" (got "All")'],
    ['x-fc-async-task-id', '1st', `invalid header: x-fc-async-task-id: must start with a letter or '_', hold only letters, digits, '_' and '-', and be at most 128 characters (got "1st")`],
  ] as const) {
    const res = await call('POST', INVOKE, [[name, value]]);
    assert.equal(res.status, 400, JSON.stringify(res.json));
    assert.equal(res.json.Code, 'InvalidArgument');
    assert.equal(res.json.Message, message);
    assert.equal(res.json.RequestId, res.requestId);
  }
});

it('a header sent twice is checked as the joined value, as before', async () => {
  const res = await call('POST', INVOKE, [['x-fc-invocation-type', 'Sync'], ['x-fc-invocation-type', 'Sync']]);
  assert.equal(res.status, 400);
  assert.equal(res.json.Message, 'invalid header: x-fc-invocation-type: Invalid option: expected one of "Sync"|"Async"|"Task" (got "Sync, Sync")');
});

it('a repeated qualifier is refused on both routes, and the query is checked before the headers', async () => {
  for (const [method, path] of [['GET', '/2023-03-30/functions/hot'], ['POST', INVOKE]] as const) {
    const res = await call(method, `${path}?qualifier=1&qualifier=2`, [['x-fc-log-type', 'All']]);
    assert.equal(res.status, 400, JSON.stringify(res.json));
    assert.equal(res.json.Message, 'invalid query: qualifier: Invalid input: expected string, received array');
  }
});

it('valid headers and query still reach the handler', async () => {
  const res = await fetch(`${fc.url}${INVOKE}?qualifier=LATEST`, { method: 'POST', headers: { 'X-Fc-Log-Type': 'Tail', 'x-fc-invocation-type': 'Sync' }, body: 'x' });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'x');
  assert.ok(res.headers.get('x-fc-log-result') !== null);
  const get = await fetch(`${fc.url}/2023-03-30/functions/hot?qualifier=LATEST&unknown=1`);
  assert.equal(get.status, 200);
  assert.equal(((await get.json()) as { functionName: string }).functionName, 'hot');
});
