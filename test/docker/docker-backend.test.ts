// The container backend end to end through the official SDK, against a real engine (scripts/docker-engine.sh up,
// then npx tsx scripts/make-test-images.ts). Skips with one line outside CI when no engine answers.
// First: undici's global dispatcher is Node.js's own, as in the bundled server (the container backend must not use it).
import '../helpers/node-undici-first.ts';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { hostname } from 'node:os';
import { after, before, describe, it } from 'node:test';
import { DockerBackend } from '../../src/backends/docker/docker-backend.ts';
import { ImageEngine } from '../helpers/image-engine.ts';
import { LABELS } from '../../src/backends/docker/owner.ts';
import { createZip } from '../helpers/zip.ts';
import { BUSYBOX_IMAGE, NODE_IMAGE } from '../../scripts/make-test-images.ts';
import { engineUsable } from '../helpers/docker.ts';
import { waitFor } from '../helpers/wait.ts';
import { $FC, event, readBody, sdkError, localfcWithClient, withLocalfcClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';
import { pendingInvocation, timerArmed } from '../helpers/startup-timeout.ts';

const engine = new ImageEngine();

const run = `${process.pid}-${Date.now().toString(36)}`;
const repo = `localfc-dockertest/fn-${run}`;

// FC's custom-container contract: POST /invoke, POST /initialize, GET /pre-stop on FC_SERVER_PORT.
const SERVER = `let inits = 0;
require('http').createServer((q, s) => {
  let b = ''; q.on('data', (c) => (b += c)); q.on('end', () => {
    if (q.url === '/initialize') { inits++; return s.end('ok'); }
    if (q.url === '/pre-stop') return s.end('bye');
    console.log('handling ' + b);
    s.setHeader('content-type', 'application/json');
    s.end(JSON.stringify({ path: q.url, body: b, inits, fn: process.env.FC_FUNCTION_NAME, port: process.env.FC_SERVER_PORT, mem: process.env.FC_FUNCTION_MEMORY_SIZE, greeting: process.env.GREETING }));
  });
}).listen(Number(process.env.FC_SERVER_PORT));`;

const containerInput = (name: string, image: string) =>
  new $FC.CreateFunctionInput({
    functionName: name, runtime: 'custom-container', handler: 'index.handler', memorySize: 256,
    environmentVariables: { GREETING: 'hi' },
    customContainerConfig: new $FC.CustomContainerConfig({ image, port: 9000, command: ['node', '-e', SERVER] }),
    instanceLifecycleConfig: new $FC.InstanceLifecycleConfig({
      initializer: new $FC.LifecycleHook({ handler: 'init', timeout: 5 }),
      preStop: new $FC.LifecycleHook({ handler: 'stop', timeout: 3 }),
    }),
  });

const testImages = async (): Promise<string | undefined> => {
  for (const img of [NODE_IMAGE, BUSYBOX_IMAGE]) if (!(await engine.inspectImage(img))) return `test image ${img} missing (npx tsx scripts/make-test-images.ts)`;
  return undefined;
};

if (await engineUsable(engine, 'docker backend', testImages)) {
  describe('docker backend through the SDK', () => {
    let backend: DockerBackend;
    let nodeId = '';
    let busyboxId = '';
    const advance = (ms: number) => advanceClock(local.fc, ms);
    const get = async (name: string) => (await local.client.getFunction(name, new $FC.GetFunctionRequest({}))).body!;
    const invoke = async (name: string, body: string) => {
      const res = await local.client.invokeFunctionWithOptions(name, new $FC.InvokeFunctionRequest({ body: event(body) }), new $FC.InvokeFunctionHeaders({ xFcLogType: 'Tail' }), {} as never);
      return { json: JSON.parse(await readBody(res.body!)) as Record<string, unknown>, headers: res.headers! };
    };
    const owned = async () => engine.listContainers({ labels: { [LABELS.owner]: backend.owner.id }, all: true });

    before(async () => {
      nodeId = (await engine.inspectImage(NODE_IMAGE))!.id;
      busyboxId = (await engine.inspectImage(BUSYBOX_IMAGE))!.id;
      await engine.tagImage(nodeId, repo, 'v1');
      await engine.tagImage(nodeId, repo, 'v2');
      backend = new DockerBackend();
    });
    const local = localfcWithClient({ clock: 'manual', backend: 'docker' }, () => ({ backend }));

    after(async () => {
      for (const tag of ['v1', 'v2', 'a', 'b']) await engine.removeImage(`${repo}:${tag}`, { force: true }).catch(() => undefined);
    });

    it('runs the image: Pending → Active, initializer once, invocation answered by the container', async () => {
      await local.client.createFunction(new $FC.CreateFunctionRequest({ body: containerInput('ctr', `${repo}:v1`) }));
      const pending = await get('ctr');
      assert.equal(pending.state, 'Pending');
      assert.equal(pending.customContainerConfig?.resolvedImageUri, `${repo}@${nodeId}`);
      assert.equal((await sdkError(local.client.invokeFunction('ctr', new $FC.InvokeFunctionRequest({ body: event('x') })))).statusCode, 412);
      await advance(5000);
      assert.equal((await get('ctr')).state, 'Active');

      const first = await invoke('ctr', 'ping');
      assert.deepEqual(first.json, { path: '/invoke', body: 'ping', inits: 1, fn: 'ctr', port: '9000', mem: '256', greeting: 'hi' });
      const logs = Buffer.from(first.headers['x-fc-log-result'] ?? '', 'base64').toString();
      assert.match(logs, /handling ping/);
      const second = await invoke('ctr', 'again');
      assert.equal(second.json.inits, 1, 'warm container reused, initializer not called again');
      const containers = await owned();
      assert.equal(containers.length, 1);
      assert.equal(containers[0]!.labels[LABELS.fn], 'ctr');
      // FC's limits on the container: memorySize MiB, and as a CPU quota the cpu given to 256 MB without one: 0.25 vCPU,
      // the most the 1:1–1:4 ratio allows it (the default 0.35 would need 358 MB)
      assert.deepEqual((await engine.inspectContainer(containers[0]!.id)).resources, { memory: 256 * 1024 * 1024, nanoCpus: 250_000_000 });
    });

    it('a function pinned to exactly the resolvedImageUri GetFunction gave (repo@<image id> of an image built here) deploys and runs', async () => {
      // An image built or tagged locally has no repo digest: localfc pins its id, and must take that pin back (T6 of trial 3).
      const pinned = (await get('ctr')).customContainerConfig!.resolvedImageUri!;
      assert.equal(pinned, `${repo}@${nodeId}`);
      await local.client.createFunction(new $FC.CreateFunctionRequest({ body: containerInput('pinned', pinned) }));
      assert.equal((await get('pinned')).customContainerConfig?.resolvedImageUri, pinned);
      await advance(5000);
      assert.equal((await get('pinned')).state, 'Active');
      assert.equal((await invoke('pinned', 'by id')).json.body, 'by id');
      // An id that is not in that repository is still refused.
      const other = await sdkError(local.client.createFunction(new $FC.CreateFunctionRequest({ body: containerInput('elsewhere', `${repo}@${busyboxId}`) })));
      assert.equal(other.statusCode, 400);
      await local.client.deleteFunction('pinned');
    });

    it('a code-package function runs beside it (delegated to the process backend)', async () => {
      const zip = createZip([{ path: 'index.js', data: 'exports.handler = (ev, ctx, cb) => cb(null, "code:" + ev);\n' }]).toString('base64');
      await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'code', runtime: 'nodejs20', handler: 'index.handler', code: new $FC.InputCodeLocation({ zipFile: zip }) }) }));
      await advance(1000);
      const res = await local.client.invokeFunction('code', new $FC.InvokeFunctionRequest({ body: event('x') }));
      assert.equal(await readBody(res.body!), 'code:x');
    });

    it('retagging the image fails the function (ImageTagOverwritten); UpdateFunction recovers it', async () => {
      await engine.tagImage(busyboxId, repo, 'v1');
      const failed = await waitFor('Failed', async () => ((await get('ctr')).state === 'Failed' ? get('ctr') : undefined), 120_000);
      assert.equal(failed.stateReasonCode, 'ImageTagOverwritten');

      await local.client.updateFunction('ctr', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ customContainerConfig: new $FC.CustomContainerConfig({ image: `${repo}:v2`, port: 9000, command: ['node', '-e', SERVER] }) }) }));
      await advance(5000);
      const fn = await get('ctr');
      assert.equal(fn.state, 'Active');
      assert.equal(fn.lastUpdateStatus, 'Successful');
      assert.equal((await invoke('ctr', 'back')).json.body, 'back');
      assert.equal((await owned()).length, 1, 'the replaced revision released its container');
    });

    it('deleting the image fails the function (ImageDeleted)', async () => {
      await engine.removeImage(`${repo}:v2`);
      const failed = await waitFor('Failed', async () => ((await get('ctr')).state === 'Failed' ? get('ctr') : undefined), 120_000);
      assert.equal(failed.stateReasonCode, 'ImageDeleted');
    });

    it('two tags on one image: removing the tag a function was deployed with fails it (ImageDeleted), the other tag keeps its function', async () => {
      for (const tag of ['a', 'b']) await engine.tagImage(nodeId, repo, tag);
      for (const [name, tag] of [['tag-a', 'a'], ['tag-b', 'b']] as const) await local.client.createFunction(new $FC.CreateFunctionRequest({ body: containerInput(name, `${repo}:${tag}`) }));
      await advance(5000);
      assert.equal((await get('tag-a')).state, 'Active');
      const removed = await engine.removeImage(`${repo}:a`);
      assert.deepEqual(removed.deleted, [], 'an untag: repo:b still names the image');
      const failed = await waitFor('tag-a Failed', async () => ((await get('tag-a')).state === 'Failed' ? get('tag-a') : undefined), 120_000);
      assert.equal(failed.stateReasonCode, 'ImageDeleted');
      await advance(0);
      assert.equal((await get('tag-b')).state, 'Active', 'the digest it recorded is still what repo:b names');
      assert.equal((await invoke('tag-b', 'still')).json.body, 'still');
    });

    it('an image the engine does not have and cannot pull is refused at create', async () => {
      const err = await sdkError(local.client.createFunction(new $FC.CreateFunctionRequest({ body: containerInput('nope', `${repo}:missing`) })));
      assert.equal(err.statusCode, 400);
      assert.match(err.data.Message, /could not be pulled/);
    });

    it('a container whose command exits fails the cold start with CAExited and its output', async () => {
      const input = containerInput('crash', NODE_IMAGE);
      input.customContainerConfig!.command = ['node', '-e', 'console.error("boom"); process.exit(3)'];
      await local.client.createFunction(new $FC.CreateFunctionRequest({ body: input }));
      await advance(5000);
      const err = await sdkError(local.client.invokeFunction('crash', new $FC.InvokeFunctionRequest({ body: event('x') })));
      assert.equal(err.data.Code, 'CAExited');
      assert.equal(err.statusCode, 412, "FC's status for CAExited (errors.json)");
      assert.match(err.data.Message, /exited with code 3.*boom/s);
      assert.equal((await owned()).filter((c) => c.labels[LABELS.fn] === 'crash').length, 0, 'the failed container is removed');
    });

    it('a container that prints and exits at once: 412 CAExited with its last output (read to the end of its log)', async () => {
      const input = containerInput('quick-exit', BUSYBOX_IMAGE);
      input.customContainerConfig!.command = ['sh', '-c', 'echo bye; exit 3'];
      await local.client.createFunction(new $FC.CreateFunctionRequest({ body: input }));
      await advance(5000);
      for (let round = 0; round < 3; round++) {
        const err = await sdkError(local.client.invokeFunction('quick-exit', new $FC.InvokeFunctionRequest({ body: event('x') })));
        assert.deepEqual([err.statusCode, err.data.Code], [412, 'CAExited']);
        assert.match(err.data.Message, /exited with code 3: bye/, `round ${round}: ${err.data.Message}`);
      }
    });

    it('probes healthCheckConfig.httpGetUrl once initialDelaySeconds of clock time have passed, before the first invocation', async () => {
      const input = containerInput('health', NODE_IMAGE);
      // Counts the probes; an invocation answers how many it saw before it.
      input.customContainerConfig!.command = ['node', '-e', `let probes = 0; require('http').createServer((q, s) => { if (q.url === '/ready') { probes++; return s.end(); } s.end('probed ' + probes); }).listen(9000)`];
      input.customContainerConfig!.healthCheckConfig = new $FC.CustomHealthCheckConfig({ httpGetUrl: '/ready', initialDelaySeconds: 2, periodSeconds: 60 });
      input.instanceLifecycleConfig = undefined as never;
      await local.client.createFunction(new $FC.CreateFunctionRequest({ body: input }));
      await advance(5000);
      const call = pendingInvocation(local.fc, 'health');
      await timerArmed(local.fc, 'health check initial delay');
      await advance(1999);
      assert.equal(call.answered(), false, 'answered before the start-up probe');
      await advance(1);
      const answer = await call.answer;
      assert.deepEqual([answer.status, answer.text], [200, 'probed 1']);
    });

    it('a call still running when the function\'s timeout passes on the clock is answered with FC\'s timeout; its container is replaced', async () => {
      const input = containerInput('hang', NODE_IMAGE);
      // Never answers the event "hang"; answers anything else with the container's hostname (its id).
      input.customContainerConfig!.command = ['node', '-e', `require('http').createServer((q, s) => { let b = ''; q.on('data', (c) => (b += c)).on('end', () => { if (b !== 'hang') s.end(require('os').hostname()); }); }).listen(9000)`];
      input.instanceLifecycleConfig = undefined as never;
      input.timeout = 2;
      await local.client.createFunction(new $FC.CreateFunctionRequest({ body: input }));
      await advance(5000);
      const before = await pendingInvocation(local.fc, 'hang', 'first').answer;
      assert.equal(before.status, 200, before.text);
      const call = pendingInvocation(local.fc, 'hang', 'hang');
      await timerArmed(local.fc, 'invocation timeout');
      await advance(1999);
      assert.equal(call.answered(), false, 'answered before the timeout');
      await advance(1);
      const answer = await call.answer;
      assert.equal(answer.status, 200);
      assert.deepEqual(JSON.parse(answer.text), { errorMessage: 'Function timed out after 2 seconds' });
      const after = await pendingInvocation(local.fc, 'hang', 'again').answer;
      assert.equal(after.status, 200, after.text);
      assert.notEqual(after.text, before.text, 'a new container answers');
      assert.equal((await owned()).filter((c) => c.labels[LABELS.fn] === 'hang').length, 1, 'the timed-out container is removed');
    });

    it("cpu becomes the container's CPU quota, capped at the engine's CPUs", async () => {
      const hostCpus = await engine.cpuCount();
      assert.ok(hostCpus >= 1);
      // 16 vCPU (FC's maximum) exceeds this host unless it is big: Docker would refuse the quota, so it is capped.
      // memorySize keeps FC's cpu:memory ratio (1–4 GB per vCPU): 2 GB per vCPU.
      for (const [name, cpu, want] of [['cpu_half', 0.5, 500_000_000], ['cpu_max', 16, Math.min(16, hostCpus) * 1e9]] as const) {
        await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ ...containerInput(name, NODE_IMAGE), cpu, memorySize: cpu * 2048 }) }));
        await advance(5000);
        assert.equal((await get(name)).state, 'Active');
        assert.equal((await invoke(name, 'x')).json.body, 'x');
        const [c] = (await owned()).filter((x) => x.labels[LABELS.fn] === name);
        assert.ok(c, `a container for ${name}`);
        assert.equal((await engine.inspectContainer(c.id)).resources.nanoCpus, want, name);
      }
    });

    it('leaves no container behind after stop', async () => {
      await local.client.createFunction(new $FC.CreateFunctionRequest({ body: containerInput('ctr2', NODE_IMAGE) }));
      await advance(5000);
      await invoke('ctr2', 'x');
      assert.equal((await owned()).filter((c) => c.labels[LABELS.fn] === 'ctr2').length, 1);
      await local.fc.stop();
      assert.deepEqual(await owned(), []);
    });
  });

  describe('orphaned containers', () => {
    it('at start-up removes containers whose localfc process is gone, and only those', async () => {
      const dead = spawnSync(process.execPath, ['-e', '']).pid!;
      const base = { [LABELS.managed]: '1', [LABELS.host]: hostname() };
      const mk = (labels: Record<string, string>) => engine.createContainer({ Image: BUSYBOX_IMAGE, Cmd: ['sleep', '60'], Labels: { ...base, ...labels } }).then((c) => c.id);
      const orphan = await mk({ [LABELS.owner]: `dead-${run}`, [LABELS.pid]: String(dead) });
      const live = await mk({ [LABELS.owner]: `live-${run}`, [LABELS.pid]: String(process.pid) });
      const elsewhere = await mk({ [LABELS.owner]: `far-${run}`, [LABELS.pid]: String(dead), [LABELS.host]: 'another-host' });
      const backend = new DockerBackend();
      try {
        const reaped = await backend.reaped;
        // Every localfc on this engine reaps at start-up: another test file's may take the orphan before this one does
        // (the same rule, seen by a neighbour), so what counts is that it is gone and the others are not.
        assert.ok(!reaped.includes(live) && !reaped.includes(elsewhere));
        const left = (await engine.listContainers({ all: true })).map((c) => c.id);
        assert.ok(!left.includes(orphan) && left.includes(live) && left.includes(elsewhere));
      } finally {
        await backend.close();
        for (const id of [live, elsewhere]) await engine.removeContainer(id, { force: true }).catch(() => undefined);
      }
    });
    after(() => engine.close());
  });
}

describe('docker backend without an engine', () => {
  it('the server starts; creating a container function fails with DockerUnavailable', async () => {
    await withLocalfcClient({ clock: 'manual', backend: 'docker', dockerHost: 'unix:///nonexistent/docker.sock' }, async ({ client }) => {
      const err = await sdkError(client.createFunction(new $FC.CreateFunctionRequest({ body: containerInput('x', 'localfc-test/node:20') })));
      assert.equal(err.statusCode, 503);
      assert.equal(err.data.Code, 'DockerUnavailable');
    });
  });
});
