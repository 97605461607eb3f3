/**
 * A value can break several of a field's checks that share one sentence (memorySize 100 is under the minimum and not
 * a multiple of 64; 99999 is over the maximum and not a multiple of 64): the 400's message says each distinct sentence
 * once, other fields' sentences keep their order. Also how a code package that is no zip, or an empty one, is named.
 * Real server, raw HTTP, CreateFunction and UpdateFunction.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]).toString('base64');
const RULE = 'must be an integer from 128 to 32768 in steps of 64 (MB)';
let fc: RunningLocalfc;
before(async () => {
  fc = await start({ clock: 'manual', log: 'silent', timing: { codePreparationMs: 0 } });
});
after(() => fc.stop());

const send = async (method: string, path: string, body: unknown) => {
  const res = await fetch(`${fc.url}/2023-03-30${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, json: (await res.json()) as { Code?: string; Message?: string; state?: string; stateReasonCode?: string; stateReason?: string } };
};

it('CreateFunction: a memorySize that breaks the range and the step is named once', async () => {
  for (const memorySize of [100, 99999]) {
    const res = await send('POST', '/functions', { functionName: 'mem', runtime: 'nodejs20', handler: 'index.handler', memorySize, code: { zipFile: zip } });
    assert.equal(res.status, 400, JSON.stringify(res.json));
    assert.equal(res.json.Code, 'InvalidArgument');
    assert.equal(res.json.Message, `invalid request body: memorySize: ${RULE} (got ${memorySize})`);
  }
});

it('UpdateFunction: the same, and the other bad fields are still listed, in order', async () => {
  const created = await send('POST', '/functions', { functionName: 'upd', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip } });
  assert.equal(created.status, 200, JSON.stringify(created.json));
  for (const memorySize of [100, 99999]) {
    const res = await send('PUT', '/functions/upd', { memorySize });
    assert.equal(res.status, 400, JSON.stringify(res.json));
    assert.equal(res.json.Code, 'InvalidArgument');
    assert.equal(res.json.Message, `invalid request body: memorySize: ${RULE} (got ${memorySize})`);
  }
  const both = await send('PUT', '/functions/upd', { timeout: 0, memorySize: 100, diskSize: 1 });
  assert.equal(both.status, 400, JSON.stringify(both.json));
  assert.equal(both.json.Message, `invalid request body: timeout: must be an integer from 1 to 86400 (s) (got 0); memorySize: ${RULE} (got 100); diskSize: must be one of 512, 10240 (MB) (got 1)`);
});

it('CreateFunction takes a package that is no zip, as FC does, and its preparation fails it; an empty archive deploys', async () => {
  // An archive with no entries is only its 22-byte end record (what `zip` writes for nothing to add).
  const empty = Buffer.alloc(22);
  empty.writeUInt32LE(0x06054b50, 0);
  const text = await send('POST', '/functions', { functionName: 'nozip', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: Buffer.from('hello').toString('base64') } });
  assert.equal(text.status, 200, JSON.stringify(text.json));
  assert.deepEqual([text.json.state, text.json.stateReasonCode, text.json.stateReason], ['Failed', 'InvalidZipFileException', 'could not unpack the code package: not a zip archive']);
  const nothing = await send('POST', '/functions', { functionName: 'emptyzip', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: empty.toString('base64') } });
  assert.deepEqual([nothing.status, nothing.json.state], [200, 'Active']);
});
