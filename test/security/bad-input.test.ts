/**
 * Bad input is a 4xx at the door, not a 500 at every invocation: environment variables as FC documents them
 * (names, 4 KB in all) and never with a NUL, and async task ids as FC names them, through real HTTP on a real port.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
let fc: RunningLocalfc;
before(async () => {
  fc = await start({ clock: 'manual' });
});
after(() => fc.stop());

const create = async (functionName: string, environmentVariables: Record<string, string>) => {
  const res = await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip }, environmentVariables }) });
  return { status: res.status, json: (await res.json()) as { Code?: string; Message?: string } };
};

it('refuses environment variables with a NUL, a bad name or more than 4 KB in all; accepts 4 KB', async () => {
  for (const [env, pattern] of [
    [{ A: 'x\u0000y' }, /NUL/],
    [{ '1A': 'x' }, /must start with a letter/],
    [{ 'A-B': 'x' }, /must start with a letter/],
    [{ A: 'x'.repeat(4096) }, /4 KB/],
  ] as const) {
    const res = await create('env-bad', env);
    assert.equal(res.status, 400, JSON.stringify(res.json));
    assert.equal(res.json.Code, 'InvalidArgument');
    assert.match(res.json.Message!, pattern);
  }
  assert.equal((await create('env-ok', { A_1: 'x'.repeat(4093) })).status, 200);
});

it('refuses an async task id FC would refuse (too long, a bad first character or a character outside the set); accepts 128 characters', async () => {
  assert.equal((await create('task-ids', {})).status, 200);
  const invoke = (taskId: string) => fetch(`${fc.url}/2023-03-30/functions/task-ids/invocations`, { method: 'POST', headers: { 'x-fc-invocation-type': 'Async', 'x-fc-async-task-id': taskId }, body: 'x' });
  for (const bad of ['a'.repeat(129), '1abc', '-abc', 'a b', 'a/b', 'a.b']) {
    const res = await invoke(bad);
    const json = (await res.json()) as { Code?: string; Message?: string };
    assert.equal(res.status, 400, `${bad}: ${JSON.stringify(json)}`);
    assert.equal(json.Code, 'InvalidArgument');
    assert.match(json.Message!, /x-fc-async-task-id/);
  }
  for (const good of ['_a', 'A-1_b', 'a'.repeat(128)]) assert.equal((await invoke(good)).status, 202, good);
});
