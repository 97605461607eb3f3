/**
 * What a handler can touch on the process backend (a new user's trial, R1 and R13): FC gives each instance a /tmp of
 * its own, sized by diskSize, and every other directory is read-only ("[Errno 30] Read-only file system: '/code/…'",
 * FC's FAQ "What can I do if the current directory is non-writable?"). With a private mount namespace: a fresh tmpfs
 * at /tmp per instance, the code, layers and host directories read-only. Without one (here: no `unshare` on localfc's
 * PATH): TMPDIR and HOME name a directory of the instance's own. Real servers on free ports, the official SDK.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { $FC, type FcClient, event, readBody, sdkClient, localfcWithClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait.ts';

/** Lists its temporary directory, writes a file named by the event there, tries to write elsewhere, measures /tmp. */
// Its own package.json: in the fallback mode the code sits under the host's /tmp, where a stray package.json with
// "type": "module" would otherwise make index.js an ES module.
const probe = createZip([{ path: 'package.json', data: '{"type":"commonjs"}' }, {
  path: 'index.js',
  data: `
const fs = require('node:fs');
const os = require('node:os');
exports.handler = (event, context, callback) => {
  const name = event.toString();
  const dir = os.tmpdir();
  const out = { code: process.env.FC_FUNC_CODE_PATH, tmpdir: dir, home: process.env.HOME, before: fs.readdirSync(dir), writes: {} };
  fs.writeFileSync(dir + '/' + name, 'written by ' + context.function.name);
  try { fs.writeFileSync('/dev/shm/' + name, 'shm'); out.shm = 'written'; } catch (e) { out.shm = e.code; }
  for (const p of ['/code/w-' + name, '/opt/w-' + name, '/etc/w-' + name, '/var/w-' + name, '/usr/w-' + name, '/w-' + name]) {
    try { fs.writeFileSync(p, '1'); fs.unlinkSync(p); out.writes[p] = 'written'; } catch (e) { out.writes[p] = e.code; }
  }
  const st = fs.statfsSync(dir);
  out.tmpBytes = st.blocks * st.bsize;
  callback(null, JSON.stringify(out));
};
`,
}]).toString('base64');

interface Seen { shm: string; code: string; tmpdir: string; home: string; before: string[]; writes: Record<string, string>; tmpBytes: number }

const create = (client: FcClient, functionName: string, diskSize?: number) =>
  client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName, runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: probe }), ...(diskSize ? { diskSize } : {}) }) }));
const invoke = async (client: FcClient, name: string, body: string): Promise<Seen> => {
  const res = await client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event(body) }));
  const text = await readBody(res.body!);
  assert.equal(res.headers?.['x-fc-error-type'], undefined, text);
  return JSON.parse(text) as Seen;
};
const unique = (what: string) => `localfc-isolation-${what}-${process.pid}-${Date.now()}`;

describe('a /tmp of its own, everything else read-only (process backend with a private mount namespace)', () => {
  const local = localfcWithClient({ clock: 'manual', backend: 'process' });

  it('each instance starts with an empty /tmp of diskSize, the host /tmp unseen and untouched; /code, /opt and the host directories refuse writes', async (t) => {
    await create(local.client, 'iso-a');
    await create(local.client, 'iso-b', 10240);
    await advanceClock(local.fc, 1000);
    const marker = unique('a');
    const a = await invoke(local.client, 'iso-a', marker);
    if (a.code !== '/code') return t.skip(`no private mount namespace on this machine (code at ${a.code})`);
    assert.equal(a.tmpdir, '/tmp');
    assert.equal(a.home, '/tmp');
    assert.deepEqual(a.before, [], 'the host /tmp is not visible');
    assert.equal(existsSync(join('/tmp', marker)), false, 'the handler wrote its own /tmp, not the host one');
    assert.equal(a.shm, 'written');
    assert.equal(existsSync(join('/dev/shm', marker)), false, 'and its own /dev/shm');
    for (const [path, how] of Object.entries(a.writes)) assert.equal(how, 'EROFS', `${path} is read-only`);
    assert.equal(a.tmpBytes, 512 * 1024 * 1024, 'the default diskSize, 512 MB');

    const again = await invoke(local.client, 'iso-a', unique('a2'));
    assert.deepEqual(again.before, [marker], 'the same instance keeps its /tmp between invocations');

    const b = await invoke(local.client, 'iso-b', unique('b'));
    assert.deepEqual(b.before, [], 'another function does not see the first one /tmp');
    assert.equal(b.tmpBytes, 10240 * 1024 * 1024, 'diskSize 10240 MB');
  });
});

describe('a temporary directory of its own without a mount namespace (no unshare on PATH)', () => {
  let server: ServerProcess;
  let client: FcClient;
  let emptyPath: string;
  before(async () => {
    // localfc finds neither unshare nor python3: the fallback mode, as on a machine without util-linux.
    emptyPath = mkdtempSync(join(tmpdir(), 'localfc-empty-path-'));
    server = await startServerProcess(['--backend', 'process'], { PATH: emptyPath });
    client = sdkClient(server.url.replace(/^http:\/\//, ''));
  });
  after(async () => {
    await server.stop();
    rmSync(emptyPath, { recursive: true, force: true });
  });

  it('TMPDIR and HOME name a fresh directory per instance, not the host /tmp', async () => {
    await create(client, 'fb-a');
    await create(client, 'fb-b');
    const active = async (name: string) => ((await client.getFunction(name, new $FC.GetFunctionRequest({}))).body?.state === 'Active' ? true : undefined);
    await waitFor('fb-a Active', () => active('fb-a'));
    await waitFor('fb-b Active', () => active('fb-b'));
    const marker = unique('fb');
    const a = await invoke(client, 'fb-a', marker);
    rmSync(join('/dev/shm', marker), { force: true });
    assert.notEqual(a.code, '/code', 'runs from the real directory');
    assert.notEqual(a.tmpdir, '/tmp');
    assert.notEqual(a.tmpdir, tmpdir());
    assert.equal(a.home, a.tmpdir);
    assert.deepEqual(a.before, []);
    assert.equal(existsSync(join(tmpdir(), marker)), false);
    assert.equal(existsSync(join(a.tmpdir, marker)), true, 'written where TMPDIR points');
    const b = await invoke(client, 'fb-b', unique('fb-b'));
    assert.notEqual(b.tmpdir, a.tmpdir);
    assert.deepEqual(b.before, []);
  });
});
