/**
 * Persistence as a user meets it: the real CLI with --data-dir, state across a clean restart, and a kill -9 in the
 * middle of heavy writes that leaves the store whole, with every acknowledged change in it.
 */
import assert from 'node:assert/strict';
import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start } from '../../src/index.ts';
import { waitFor } from '../helpers/wait.ts';

const zip = (n: number) => createZip([{ path: 'index.js', data: `exports.handler = () => ${n}` }]).toString('base64');

interface Running {
  readonly child: ChildProcess;
  readonly url: string;
}

async function launch(dataDir: string): Promise<Running> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts', '--port', '0', '--log', 'silent', '--clock', 'manual', '--code-preparation-ms', '1000', '--data-dir', dataDir], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${out}${err}`)));
  });
  return { child, url };
}

async function call(base: string, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${base}${path}`, { method, ...(body ? { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } } : {}) });
  const text = await res.text();
  return { status: res.status, json: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

const createBody = (name: string, n: number) => ({ functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip(n) }, environmentVariables: { N: String(n) } });

describe('persistence (--data-dir)', () => {
  const dirs: string[] = [];
  const children: ChildProcess[] = [];
  after(async () => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGKILL');
    await Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true })));
  });
  const newDir = async () => {
    const d = await mkdtemp(join(tmpdir(), 'localfc-data-'));
    dirs.push(d);
    return d;
  };

  it('a restarted localfc knows every function; they come back through Pending, not claiming Active', async () => {
    const dir = await newDir();
    const first = await launch(dir);
    children.push(first.child);
    assert.equal((await call(first.url, 'POST', '/2023-03-30/functions', createBody('kept', 1))).status, 200);
    await call(first.url, 'POST', '/_localfc/clock/advance', { ms: 1000 });
    const update = await call(first.url, 'PUT', '/2023-03-30/functions/kept', { code: { zipFile: zip(2) }, memorySize: 1024 });
    assert.equal(update.status, 200);
    await call(first.url, 'POST', '/_localfc/clock/advance', { ms: 1000 });
    const before = (await call(first.url, 'GET', '/2023-03-30/functions/kept')).json;
    assert.equal(before.state, 'Active');
    first.child.kill('SIGTERM');
    await once(first.child, 'exit');

    const second = await launch(dir);
    children.push(second.child);
    const restored = (await call(second.url, 'GET', '/2023-03-30/functions/kept')).json;
    assert.equal(restored.state, 'Pending');
    for (const k of ['functionId', 'functionArn', 'createdTime', 'codeChecksum', 'codeSize', 'memorySize', 'environmentVariables']) {
      assert.deepEqual(restored[k], before[k], k);
    }
    await call(second.url, 'POST', '/_localfc/clock/advance', { ms: 1000 });
    assert.equal((await call(second.url, 'GET', '/2023-03-30/functions/kept')).json.state, 'Active');
    const invoked = await fetch(`${second.url}/2023-03-30/functions/kept/invocations`, { method: 'POST', body: 'x' });
    assert.equal(invoked.status, 200);
    assert.equal(invoked.headers.get('x-fc-code-checksum'), before.codeChecksum);
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
  });

  it('transitions made off any request (preparation done, idle to Inactive) are saved too, so a restart shows them', async (t) => {
    const dir = await newDir();
    const options = { clock: 'manual', dataDir: dir, timing: { codePreparationMs: 1000 } } as const;
    const get = async (url: string) => (await call(url, 'GET', '/2023-03-30/functions/quiet')).json;
    const servers: Array<Awaited<ReturnType<typeof start>>> = [];
    t.after(() => Promise.all(servers.map((s) => s.stop().catch(() => undefined))));
    const open = async () => {
      const s = await start(options);
      servers.push(s);
      return s;
    };
    let fc = await open();
    // A custom container: FC makes only functions with reserved resources Inactive.
    const container = { functionName: 'quiet', runtime: 'custom-container', handler: 'not-used', customContainerConfig: { image: 'registry.example.com/ns/quiet:v1', port: 9000 } };
    assert.equal((await call(fc.url, 'POST', '/2023-03-30/functions', container)).status, 200);
    await fc.localfc.advanceClock(5000); // in-process: no admin request whose own save would catch the change
    await fc.stop();

    fc = await open();
    const restored = await get(fc.url);
    assert.deepEqual([restored.state, restored.stateReasonCode, restored.lastUpdateStatus, restored.lastUpdateStatusReasonCode], ['Pending', 'Restoring', 'Successful', undefined]);
    await fc.localfc.advanceClock(15 * 24 * 3600_000);
    await fc.stop();

    fc = await open();
    const idle = await get(fc.url);
    assert.deepEqual([idle.state, idle.stateReasonCode, idle.lastUpdateStatus], ['Inactive', 'Idle', 'Successful']);
    assert.equal((await fetch(`${fc.url}/2023-03-30/functions/quiet/invocations`, { method: 'POST', body: 'x' })).status, 412);
    await fc.localfc.advanceClock(5000);
    const woken = await get(fc.url);
    assert.deepEqual([woken.state, woken.lastUpdateStatus, woken.lastUpdateStatusReasonCode], ['Active', 'Successful', undefined]);
    await fc.stop();
  });

  it('versions, aliases, triggers, layers, configs and the registry survive a restart; aliases route to restored code', async () => {
    const dir = await newDir();
    const P = '/2023-03-30';
    const first = await start({ clock: 'manual', dataDir: dir, strictRegistry: true });
    const ok = async (r: Promise<{ status: number; json: Record<string, unknown> }>) => {
      const res = await r;
      assert.ok(res.status < 300, `${res.status} ${JSON.stringify(res.json)}`);
      return res.json;
    };
    const u = first.url;
    const layer = await ok(call(u, 'POST', `${P}/layers/greet/versions`, { code: { zipFile: createZip([{ path: 'nodejs/node_modules/greet/index.js', data: 'module.exports = 1' }]).toString('base64') }, compatibleRuntime: ['nodejs20'] }));
    await ok(call(u, 'POST', `${P}/functions`, { ...createBody('rel', 1), layers: [layer.layerVersionArn] }));
    await ok(call(u, 'POST', '/_localfc/clock/advance', { ms: 1000 }));
    const v1 = await ok(call(u, 'POST', `${P}/functions/rel/versions`, { description: 'first' }));
    await ok(call(u, 'PUT', `${P}/functions/rel`, { code: { zipFile: zip(2) } }));
    await ok(call(u, 'POST', '/_localfc/clock/advance', { ms: 1000 }));
    await ok(call(u, 'POST', `${P}/functions/rel/aliases`, { aliasName: 'prod', versionId: v1.versionId }));
    await ok(call(u, 'POST', `${P}/functions/rel/triggers`, { triggerName: 'web', triggerType: 'http', triggerConfig: JSON.stringify({ authType: 'anonymous', methods: ['GET'] }) }));
    await ok(call(u, 'PUT', `${P}/functions/rel/concurrency`, { reservedConcurrency: 7 }));
    await ok(call(u, 'PUT', `${P}/functions/rel/async-invoke-config`, { maxAsyncRetryAttempts: 1 }));
    await ok(call(u, 'POST', '/_localfc/registry/images', { image: 'registry.example.com/ns/app:v1' }));
    const checksumV1 = (await ok(call(u, 'GET', `${P}/functions/rel?qualifier=1`))).codeChecksum;
    await first.stop();

    const second = await start({ clock: 'manual', dataDir: dir, strictRegistry: true });
    try {
      const s = second.url;
      assert.equal((await ok(call(s, 'GET', `${P}/functions/rel/aliases/prod`))).versionId, v1.versionId);
      assert.equal(((await ok(call(s, 'GET', `${P}/functions/rel/versions`))).versions as unknown[]).length, 1);
      assert.equal((await ok(call(s, 'GET', `${P}/functions/rel/triggers/web`))).triggerType, 'http');
      assert.equal((await ok(call(s, 'GET', `${P}/functions/rel/concurrency`))).reservedConcurrency, 7);
      assert.equal((await ok(call(s, 'GET', `${P}/functions/rel/async-invoke-config`))).maxAsyncRetryAttempts, 1);
      assert.equal((await ok(call(s, 'GET', `${P}/layers/greet/versions/1`))).codeChecksum, layer.codeChecksum);
      assert.ok(((await ok(call(s, 'GET', '/_localfc/registry/images'))).images as Array<{ repository: string }>).some((i) => i.repository === 'registry.example.com/ns/app'));
      await ok(call(s, 'POST', '/_localfc/clock/advance', { ms: 1000 }));
      // Version ids continue after the restored ones.
      assert.equal((await ok(call(s, 'POST', `${P}/functions/rel/versions`, {}))).versionId, '2');
      const invoked = await fetch(`${s}${P}/functions/rel/invocations?qualifier=prod`, { method: 'POST', body: 'x' });
      assert.equal(invoked.status, 200);
      assert.equal(invoked.headers.get('x-fc-code-checksum'), checksumV1);
    } finally {
      await second.stop();
    }
  });

  it('kill -9 during heavy writes: the store opens whole and holds every acknowledged create and delete', async () => {
    const dir = await newDir();
    const first = await launch(dir);
    children.push(first.child);
    const acknowledged = new Set<string>();
    const deleted = new Set<string>();
    const deleting = new Set<string>();
    let stop = false;
    const writer = async (w: number) => {
      for (let i = 0; !stop; i++) {
        const name = `w${w}-f${i}`;
        const created = await call(first.url, 'POST', '/2023-03-30/functions', createBody(name, i)).catch(() => undefined);
        if (created?.status !== 200) return;
        acknowledged.add(name);
        if (i % 3 === 2) {
          const victim = `w${w}-f${i - 1}`;
          // Sent but not yet acknowledged: after the kill it may or may not have happened.
          deleting.add(victim);
          const del = await call(first.url, 'DELETE', `/2023-03-30/functions/${victim}`).catch(() => undefined);
          if (del?.status !== 204) return;
          deleted.add(victim);
        }
      }
    };
    const writers = Array.from({ length: 8 }, (_, w) => writer(w));
    // Let the writers get well going, then kill without warning while requests are in flight.
    let writersDone = false;
    void Promise.all(writers).then(() => (writersDone = true));
    await waitFor('120 acknowledged writes', async () => {
      if (acknowledged.size >= 120) return true;
      if (writersDone) throw new Error(`the writers gave up after ${acknowledged.size} acknowledged writes`);
      return undefined;
    }, 60_000);
    const killed = once(first.child, 'exit');
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(writers);
    await killed;

    const second = await launch(dir);
    children.push(second.child);
    const names = new Set<string>();
    let token: string | undefined;
    do {
      const page = (await call(second.url, 'GET', `/2023-03-30/functions?limit=100${token ? `&nextToken=${token}` : ''}`)).json as { functions: Array<{ functionName: string }>; nextToken?: string };
      for (const f of page.functions) names.add(f.functionName);
      token = page.nextToken;
    } while (token);
    for (const name of acknowledged) if (!deleting.has(name)) assert.ok(names.has(name), `acknowledged function ${name} was lost`);
    for (const name of deleted) assert.ok(!names.has(name), `deleted function ${name} came back`);
    second.child.kill('SIGTERM');
    await once(second.child, 'exit');
  });
});
