// Who may reap whose containers, with real localfc processes and a real engine: a SIGKILLed localfc's containers are
// reaped by the next one, a live localfc's never (seen from this host and as a localfc on another machine would see
// it, through the lease), and a localfc that ran as pid 1 of a container is reaped once that container is gone.
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { after, describe, it } from 'node:test';
import { DockerBackend } from '../../src/backends/docker/docker-backend.ts';
import { LABELS, localFacts } from '../../src/backends/docker/owner.ts';
import { BUSYBOX_IMAGE, NODE_IMAGE } from '../../scripts/make-test-images.ts';
import { engineUsable } from '../helpers/docker.ts';
import { ImageEngine } from '../helpers/image-engine.ts';
import { startServerProcess, type ServerProcess } from '../helpers/server-process.ts';
import { waitFor } from '../helpers/wait.ts';
import { $FC, event, readBody, sdkClient } from '../helpers/sdk.ts';

const engine = new ImageEngine();
const run = `${process.pid}-${Date.now().toString(36)}`;
const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const SERVER = `require('http').createServer((q, s) => s.end('up')).listen(Number(process.env.FC_SERVER_PORT));`;
/** How a localfc on another machine sees this one: another kernel, so pids mean nothing to it. */
const elsewhere = { ...localFacts(), bootId: 'another-machine', containerId: undefined } as const;

const prerequisites = async (): Promise<string | undefined> => {
  for (const img of [NODE_IMAGE, BUSYBOX_IMAGE]) if (!(await engine.inspectImage(img))) return `test image ${img} missing (npx tsx scripts/make-test-images.ts)`;
  return undefined;
};

/** Creates a container function on a localfc at `endpoint`, invokes it once and returns its container's labels. */
async function deployOne(endpoint: string, name: string): Promise<Record<string, string>> {
  const client = sdkClient(endpoint);
  await client.createFunction(new $FC.CreateFunctionRequest({
    body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'custom-container', handler: 'x', customContainerConfig: new $FC.CustomContainerConfig({ image: NODE_IMAGE, port: 9000, command: ['node', '-e', SERVER] }) }),
  }));
  await waitFor(`${name} Active`, async () => ((await client.getFunction(name, new $FC.GetFunctionRequest({}))).body!.state === 'Active' ? true : undefined), 60_000);
  const res = await client.invokeFunction(name, new $FC.InvokeFunctionRequest({ body: event('x') }));
  assert.equal(await readBody(res.body!), 'up');
  const [c] = await engine.listContainers({ labels: { [LABELS.fn]: name } });
  assert.ok(c, `a container for ${name}`);
  return c.labels;
}

const containersOf = async (owner: string): Promise<string[]> => (await engine.listContainers({ labels: { [LABELS.owner]: owner }, all: true })).map((c) => c.id);
const leasesOf = async (owner: string): Promise<string[]> => (await engine.listVolumes({ labels: [`${LABELS.lease}=${owner}`] })).map((v) => v.name);

/** One reap from the given point of view; the backend is closed again at once. */
async function reapAs(facts: ConstructorParameters<typeof DockerBackend>[0] = {}): Promise<string[]> {
  const backend = new DockerBackend(facts);
  try {
    return await backend.reaped;
  } finally {
    await backend.close();
  }
}

if (await engineUsable(engine, 'container owners', prerequisites)) {
  describe('container owners and reaping', () => {
    const servers: ServerProcess[] = [];
    after(async () => {
      for (const s of servers) await s.stop().catch(() => undefined); // SIGTERM: a live one removes its containers and lease itself
      const mine = await engine.listContainers({ labels: [LABELS.fn], all: true });
      for (const c of mine) if (c.labels[LABELS.fn]?.endsWith(run)) await engine.removeContainer(c.id, { force: true }).catch(() => undefined);
      await engine.close();
    });

    it('a SIGKILLed localfc process is reaped by the next one; a live one is not, from this host or another machine', async () => {
      const env = { LOCALFC_BACKEND: 'docker', LOCALFC_CONTAINER_PREPARATION_MS: '0' };
      const doomed = await startServerProcess([], env);
      const living = await startServerProcess([], env);
      servers.push(doomed, living);
      const doomedLabels = await deployOne(new URL(doomed.url).host, `doomed-${run}`);
      const livingLabels = await deployOne(new URL(living.url).host, `living-${run}`);
      const [doomedOwner, livingOwner] = [doomedLabels[LABELS.owner]!, livingLabels[LABELS.owner]!];
      assert.equal(doomedLabels[LABELS.bootId], localFacts().bootId, 'a host process is named by boot id, pid namespace and pid');
      assert.ok((await leasesOf(livingOwner)).length >= 1, 'a lease vouches for it to other machines');

      // Another machine cannot check our pids: it goes by the lease, which the living localfc keeps renewing.
      const seenFromAfar = await reapAs({ hostFacts: elsewhere });
      const livingContainers = await containersOf(livingOwner);
      assert.equal(livingContainers.length, 1);
      assert.ok(!seenFromAfar.some((id) => livingContainers.includes(id)), 'a live localfc is left alone by a localfc on another machine');

      const [doomedContainer] = await containersOf(doomedOwner);
      assert.ok(doomedContainer);
      await doomed.stop('SIGKILL');
      // Every localfc on this engine reaps at start-up, so one that another test file starts between the kill and our
      // reap may take the container first: that is the same rule at work (the next localfc reaps it), seen by a neighbour.
      // So what counts is that it is gone once the next localfc started (the check 'left behind, then reaped by ours'
      // had a window between its two steps for a neighbour to reap in).
      const reaped = await reapAs();
      assert.ok(!reaped.some((id) => livingContainers.includes(id)), 'a live localfc is left alone by the next one on this host');
      assert.deepEqual(await containersOf(doomedOwner), [], 'SIGKILL left the container behind; the next localfc on this host reaps it at start-up');
      assert.deepEqual(await leasesOf(doomedOwner), [], 'and its lease');
      assert.equal((await containersOf(livingOwner)).length, 1, 'the live localfc keeps its container');
      assert.ok((await leasesOf(livingOwner)).length >= 1);
    });

    it('another machine reaps by the lease once it is older than its owner declared', async () => {
      const owner = `afar-${run}`;
      // What a localfc on a third machine left: its containers and a lease it stopped renewing (declared to hold 1 ms).
      await engine.createVolume(`localfc-lease-${owner}`, { [LABELS.managed]: '1', [LABELS.lease]: owner, [LABELS.leaseMs]: '1' });
      const labels = { [LABELS.managed]: '1', [LABELS.owner]: owner, [LABELS.bootId]: 'third-machine', [LABELS.pidNs]: 'pid:[1]', [LABELS.pid]: '4242', [LABELS.fn]: `afar-${run}` };
      const { id } = await engine.createContainer({ Image: BUSYBOX_IMAGE, Cmd: ['sleep', '60'], Labels: labels });
      // The engine's clock counts whole seconds: the lease is provably stale from the next second on.
      // Every localfc on this engine reaps at start-up: another test file's may take it first (the same rule, seen by a
      // neighbour), so what counts is that it is gone once a localfc of another machine started.
      await waitFor('the stale lease to be judged', async () => {
        await reapAs({ hostFacts: elsewhere });
        return (await containersOf(owner)).includes(id) ? undefined : true;
      }, 120_000);
      assert.deepEqual(await leasesOf(owner), []);
    });

    it('a localfc that ran as pid 1 of a container is reaped once that container was killed, not while it runs', async (t) => {
      if (!engine.address.startsWith('/')) return t.skip(`the engine at ${engine.address} is not on a unix socket to mount`);
      // localfc from this checkout as the container's pid 1 (the test image's node is this machine's), socket mounted.
      const { id: boxed } = await engine.createContainer({
        Image: NODE_IMAGE, WorkingDir: repoRoot, Cmd: ['node', '--import', 'tsx', 'src/main.ts', '--host', '0.0.0.0', '--port', '9000', '--log', 'silent'],
        Env: ['LOCALFC_BACKEND=docker', 'LOCALFC_CONTAINER_PREPARATION_MS=0', 'LOCALFC_ALLOWED_HOSTS=*', 'HOME=/tmp'],
        ExposedPorts: { '9000/tcp': {} }, Labels: { [LABELS.fn]: `boxed-localfc-${run}` },
        HostConfig: { Binds: [`${repoRoot}:${repoRoot}:ro`, `${engine.address}:/var/run/docker.sock`], PortBindings: { '9000/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      });
      try {
        await engine.startContainer(boxed);
        const port = (await engine.inspectContainer(boxed)).ports['9000/tcp']?.[0]?.hostPort;
        assert.ok(port);
        await waitFor('localfc in its container', () => fetch(`http://127.0.0.1:${port}/_localfc/health`).then((r) => (r.ok ? true : undefined), () => undefined), 60_000);
        const labels = await deployOne(`127.0.0.1:${port}`, `inbox-${run}`);
        assert.equal(labels[LABELS.pid], '1');
        assert.equal(labels[LABELS.ownerContainer], boxed, 'the owner is the container localfc runs in');
        const owner = labels[LABELS.owner]!;

        await reapAs({ hostFacts: elsewhere });
        await reapAs();
        assert.equal((await containersOf(owner)).length, 1, 'left alone while its localfc container runs');
        assert.deepEqual(await leasesOf(owner), [], 'its container vouches for it: no lease needed');

        await engine.killContainer(boxed); // docker kill: localfc gets no chance to clean up (stop sends SIGTERM first)
        await waitFor('the localfc container stopped', async () => ((await engine.inspectContainer(boxed)).state.running ? undefined : true), 60_000);
        // Killed, it left its function container behind; every localfc on this engine reaps at start-up, so another
        // test file's may take it before ours (the same rule, seen by a neighbour): what counts is that it is gone.
        await reapAs({ hostFacts: elsewhere });
        assert.deepEqual(await containersOf(owner), [], 'the next localfc, on any machine, reaps it');
      } finally {
        await engine.removeContainer(boxed, { force: true }).catch(() => undefined);
      }
    });
  });
}
