/**
 * A deleted function's timeline stays readable until reset (T4 of trial 3): a CI run's afterEach deletes its functions,
 * and the history of the one whose test failed must still be there to fetch or save. GET /_localfc/timelines hands every
 * timeline over at once, deleted ones' too, for a job to keep as an artifact. Official SDK, manual clock.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, event, sdkError, localfcWithClient } from '../helpers/sdk.ts';
import { adminApi } from '../helpers/fc-api.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
type Entry = { kind: string; event: string; state?: string; detail?: Record<string, unknown> };

describe('timelines of deleted functions', () => {
  const admin = adminApi(() => local.fc.url);
  const create = (name: string) =>
    local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
  const invoke = (name: string) => local.client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('x') }));
  const timelineOf = async (name: string) => {
    const res = await fetch(`${local.fc.url}/_localfc/functions/${name}/timeline`);
    return { status: res.status, body: (await res.json()) as { deleted?: boolean; deletedTime?: string; timeline: Entry[]; Code?: string } };
  };

  const local = localfcWithClient({ clock: 'manual', timing: { codePreparationMs: 1000 } });

  it('DeleteFunction keeps the timeline, marked deleted and ending with the deletion; the export lists it', async () => {
    await create('orders');
    const refused = await sdkError(invoke('orders'));
    await local.fc.localfc.advanceClock(1000);
    await invoke('orders');
    await local.client.deleteFunction('orders');
    assert.equal((await sdkError(local.client.getFunction('orders', new $FC.GetFunctionRequest({})))).code, 'FunctionNotFound', 'the function itself is gone');

    const { status, body } = await timelineOf('orders');
    assert.equal(status, 200);
    assert.equal(body.deleted, true);
    assert.equal(body.deletedTime, '2024-01-01T00:00:01.000Z');
    const events = body.timeline.map((t) => t.event);
    assert.deepEqual(events.filter((e) => e !== 'instance.started'), ['create', 'rejected', 'prepared', 'invoked', 'delete']);
    assert.equal(body.timeline.find((t) => t.event === 'rejected')?.detail?.requestId, refused.data.RequestId);

    await create('live');
    const all = (await admin('GET', '/timelines')) as { now: string; functions: Array<{ functionName: string; deleted?: boolean; timeline: Entry[] }> };
    assert.deepEqual(all.functions.map((f) => [f.functionName, f.deleted ?? false]), [['live', false], ['orders', true]]);
    assert.deepEqual(all.functions[1]!.timeline.map((t) => t.event), events);
    const overview = (await admin('GET', '/overview')) as { functions: Array<{ functionName: string; deleted?: boolean; state: string }> };
    assert.deepEqual(overview.functions.map((f) => [f.functionName, f.deleted ?? false, f.state]), [['live', false, 'Pending'], ['orders', true, 'Active']]);
  });

  it('a function created again under the name starts a timeline of its own; the deleted one stays in the export', async () => {
    await create('orders');
    const { body } = await timelineOf('orders');
    assert.equal(body.deleted, undefined);
    assert.deepEqual(body.timeline.map((t) => t.event), ['create']);
    const all = (await admin('GET', '/timelines')) as { functions: Array<{ functionName: string; deleted?: boolean; timeline: Entry[] }> };
    assert.deepEqual(all.functions.map((f) => [f.functionName, f.deleted ?? false, f.timeline.at(-1)?.event]), [['live', false, 'create'], ['orders', false, 'create'], ['orders', true, 'delete']]);
  });

  it('reset forgets deleted functions\' timelines too', async () => {
    await local.client.deleteFunction('orders');
    assert.equal((await timelineOf('orders')).status, 200);
    await admin('POST', '/reset');
    const gone = await timelineOf('orders');
    assert.equal(gone.status, 404);
    assert.equal(gone.body.Code, 'FunctionNotFound');
    assert.deepEqual(((await admin('GET', '/timelines')) as { functions: unknown[] }).functions, []);
  });
});
