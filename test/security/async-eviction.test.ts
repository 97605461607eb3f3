/**
 * Nothing accepted is dropped: when a function holds more task records than localfc keeps, only records of final
 * tasks are evicted. 1,100 accepted tasks whose first attempt failed all still exist, all retry and all succeed.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
let fc: RunningLocalfc;
const call = async (method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
  const res = await fetch(`${fc.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json', ...headers },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json().catch(() => ({}))) as Record<string, unknown> & { Code?: string } };
};

before(async () => {
  fc = await start({ clock: 'manual' });
});
after(() => fc.stop());

it('1,100 tasks whose first attempt failed are all kept, retried and finished; only final records are evicted', async () => {
  assert.equal((await call('POST', '/2023-03-30/functions', { functionName: 'many', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip } })).status, 200);
  await call('POST', '/_localfc/clock/advance', { ms: 1000 });
  const total = 1100;
  await call('POST', '/_localfc/faults', { match: { phase: 'invocation', functionName: 'many' }, effect: { type: 'error', code: 'BadResponse', status: 502 }, times: total });
  for (let i = 0; i < total; i++) {
    const res = await call('POST', '/2023-03-30/functions/many/invocations', `job ${i}`, { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': `t${i}` });
    assert.equal(res.status, 202, JSON.stringify(res.json));
  }
  await call('POST', '/_localfc/clock/advance', { ms: 0 });
  for (const i of [0, 1, 99, 100, total - 1]) {
    const t = await call('GET', `/2023-03-30/functions/many/async-tasks/t${i}`);
    assert.equal(t.status, 200, `t${i} was accepted and has not finished: ${JSON.stringify(t.json)}`);
    assert.equal(t.json.status, 'Retrying');
  }
  const reuse = await call('POST', '/2023-03-30/functions/many/invocations', 'again', { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': 't0' });
  assert.equal(reuse.status, 409, 'the id of a task still retrying cannot be reused');

  await call('POST', '/_localfc/clock/advance', { ms: 1000 });
  let succeeded = 0;
  let nextToken: string | undefined;
  do {
    const page = await call('GET', `/2023-03-30/functions/many/async-tasks?limit=100${nextToken ? `&nextToken=${nextToken}` : ''}`);
    const tasks = page.json.tasks as Array<{ status: string }>;
    succeeded += tasks.filter((t) => t.status === 'Succeeded').length;
    assert.deepEqual(tasks.filter((t) => t.status !== 'Succeeded'), []);
    nextToken = page.json.nextToken as string | undefined;
  } while (nextToken);
  assert.equal(succeeded, 1000, 'the oldest final records beyond the limit of 1,000 are evicted, and only those');
  const last = await call('GET', `/2023-03-30/functions/many/async-tasks/t${total - 1}`);
  assert.equal(last.json.status, 'Succeeded');
  assert.equal(last.json.alreadyRetriedTimes, 1);
});
