// The container backend on each kind of engine this machine can offer, through the official SDK: the main engine
// with published ports forced, a second engine the test starts itself (dockerd on TCP with TLS and client
// certificates, in a network namespace of its own, so only published ports can reach its containers), that engine
// again over ssh:// (an sshd in its namespace, test/helpers/ssh-engine.ts), and Podman's API service on a private
// socket (test/helpers/podman-engine.ts). A representative subset of docker-backend.test.ts
// runs on each: cold and warm invocations, pausing when idle, a moved tag and a removed one seen through that engine's
// event stream, reaping a dead localfc's container, nothing left after stop. Each kind skips with one line when not
// available.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DockerBackend, type DockerBackendOptions } from '../../src/backends/docker/docker-backend.ts';
import { ImageEngine } from '../helpers/image-engine.ts';
import { resolveEngineAddress } from '../../src/backends/docker/engine-address.ts';
import { LABELS } from '../../src/backends/docker/owner.ts';
import { start, type RunningLocalfc } from '../../src/server.ts';
import { BUSYBOX_IMAGE, IMAGES, NODE_IMAGE, makeImage } from '../../scripts/make-test-images.ts';
import { advanceClock } from '../helpers/clock.ts';
import { startTlsEngine, tlsEngineUnavailable, type TlsEngine } from '../helpers/tls-engine.ts';
import { podmanUnavailable, startPodmanEngine, type PodmanEngine } from '../helpers/podman-engine.ts';
import { sshChildren, sshGateUnavailable, startSshGate } from '../helpers/ssh-engine.ts';
import { waitFor } from '../helpers/wait.ts';
import { $FC, event, readBody, sdkClient, withLocalfcClient } from '../helpers/sdk.ts';

const SERVER = `require('http').createServer((q, s) => { let b = ''; q.on('data', (c) => (b += c)); q.on('end', () => s.end('echo:' + b)); }).listen(Number(process.env.FC_SERVER_PORT));`;
const run = `${process.pid}-${Date.now().toString(36)}`;

interface EngineKind {
  readonly name: string;
  /** Why it is not available here, or undefined. */
  readonly unavailable: () => Promise<string | undefined>;
  readonly open: () => Promise<{ engine: ImageEngine; backend: (opts?: DockerBackendOptions) => DockerBackend; close: () => Promise<void>; isolated: boolean }>;
  /** How the backend reaches containers there. */
  readonly reach: 'bridge' | 'published';
}

const mainEngine = new ImageEngine();
let podman: PodmanEngine | undefined;
const testImages = IMAGES.filter((i) => i.ref === NODE_IMAGE || i.ref === BUSYBOX_IMAGE);
let tls: Promise<TlsEngine> | undefined;
/** One TLS engine for the kinds that use it (over TCP with TLS, and over ssh in front of its socket), with the test images. */
const tlsEngine = (): Promise<TlsEngine> => (tls ??= startTlsEngine().then(async (t) => {
  for (const spec of testImages) await makeImage(t.engine, spec, false);
  return t;
}));
const skipTls = async () => tlsEngineUnavailable() ?? (process.env.LOCALFC_SKIP_TLS_ENGINE ? 'LOCALFC_SKIP_TLS_ENGINE is set' : undefined);

const KINDS: EngineKind[] = [
  {
    name: 'the main engine, published ports forced',
    unavailable: async () => mainEngine.ping().then(() => undefined, (e: Error) => e.message),
    open: async () => ({ engine: mainEngine, backend: (opts) => new DockerBackend({ networking: 'published', ...opts }), close: async () => undefined, isolated: false }),
    reach: 'published',
  },
  {
    name: 'a TLS engine on TCP in its own network namespace',
    unavailable: skipTls,
    open: async () => {
      const t = await tlsEngine();
      const address = resolveEngineAddress(t.host, t.env);
      return { engine: t.engine, backend: (opts) => new DockerBackend({ engineAddress: address, ...opts }), close: async () => undefined, isolated: true };
    },
    reach: 'published',
  },
  {
    // localfc talks to the engine only through `ssh … docker system dial-stdio` (the sshd runs in the engine's
    // namespace); the tests' own tag and rmi go to the engine over TLS, as another client's would.
    name: 'the same engine over ssh:// (an sshd in its network namespace)',
    unavailable: async () => (await skipTls()) ?? sshGateUnavailable(),
    open: async () => {
      const t = await tlsEngine();
      const gate = await startSshGate(t.socket, { netns: t.netns, ip: t.ip });
      // A Host alias of the ssh_config: the published ports are found at its HostName.
      const address = { host: `ssh://${gate.alias}`, source: 'test ssh_config', sshOptions: gate.options() };
      return { engine: t.engine, backend: (opts) => new DockerBackend({ engineAddress: address, ...opts }), close: () => gate.stop(), isolated: true };
    },
    reach: 'published',
  },
  {
    // Rootful podman on this Linux host: `auto` reaches containers at their bridge IPs, as on a local Docker engine.
    name: "Podman's API service (podman system service)",
    unavailable: async () => podmanUnavailable() ?? (process.env.LOCALFC_SKIP_PODMAN ? 'LOCALFC_SKIP_PODMAN is set' : undefined),
    open: async () => {
      podman = await startPodmanEngine();
      for (const spec of testImages) await makeImage(podman.engine, spec, false);
      return { engine: podman.engine, backend: (opts) => new DockerBackend({ dockerHost: podman!.host, ...opts }), close: () => podman!.stop(), isolated: false };
    },
    reach: 'bridge',
  },
];

for (const kind of KINDS) {
  const why = await kind.unavailable();
  if (why) {
    it(kind.name, { skip: `${why}: skipping the container backend on ${kind.name}` }, () => {});
    continue;
  }
  describe(`container backend on ${kind.name}`, () => {
    let engine: ImageEngine;
    let close: () => Promise<void>;
    let backend: DockerBackend;
    let newBackend: (opts?: DockerBackendOptions) => DockerBackend;
    let fc: RunningLocalfc;
    let isolated = false;
    let stopped = false;
    const repo = `localfc-enginetest/fn-${run}`;
    const client = () => sdkClient(fc.endpoint);
    const get = async (name: string) => (await client().getFunction(name, new $FC.GetFunctionRequest({}))).body!;
    const create = (name: string, image: string) => client().createFunction(new $FC.CreateFunctionRequest({
      body: new $FC.CreateFunctionInput({ functionName: name, runtime: 'custom-container', handler: 'x', customContainerConfig: new $FC.CustomContainerConfig({ image, port: 9000, command: ['node', '-e', SERVER] }) }),
    }));
    const failedWith = async (name: string) => (await waitFor(`${name} Failed`, async () => ((await get(name)).state === 'Failed' ? get(name) : undefined), 120_000)).stateReasonCode;

    before(async () => {
      const opened = await kind.open();
      ({ engine, close, isolated } = opened);
      const nodeId = (await engine.inspectImage(NODE_IMAGE))!.id;
      for (const tag of ['a', 'b', 'v1']) await engine.tagImage(nodeId, repo, tag);
      newBackend = opened.backend;
      backend = newBackend();
      fc = await start({ clock: 'manual', backend: 'docker' }, { backend });
    });

    after(async () => {
      if (!stopped) await fc?.stop();
      for (const tag of ['a', 'b', 'v1']) await engine?.removeImage(`${repo}:${tag}`, { force: true }).catch(() => undefined);
      await close?.();
    });

    it(`runs and invokes a function (containers reached: ${kind.reach})`, async () => {
      assert.equal((await backend.reach()).reach, kind.reach);
      if (kind.reach === 'published') {
        // The start-up line: the engine, and the published ports at the engine's own host (an ssh_config's HostName).
        assert.match(await fc.localfc.describeBackend(), new RegExp(`^docker engine \\S+ \\(.+\\), containers reached through ports published on ${backend.engine.engineHost} \\(`));
      }
      if (backend.engine.address.startsWith('ssh://')) {
        assert.equal(backend.engine.engineHost, new URL(engine.address).hostname, "the ssh_config alias's HostName: the engine's machine");
        assert.match(await fc.localfc.describeBackend(), /reached over ssh\)$/);
      }
      await create('echo', `${repo}:v1`);
      await advanceClock(fc, 5000);
      assert.equal((await get('echo')).state, 'Active');
      const res = await client().invokeFunction('echo', new $FC.InvokeFunctionRequest({ body: event('hi') }));
      assert.equal(await readBody(res.body!), 'echo:hi');
      const [c] = await engine.listContainers({ labels: { [LABELS.owner]: backend.owner.id, [LABELS.fn]: 'echo' } });
      const info = await engine.inspectContainer(c!.id);
      if (kind.reach === 'published') assert.ok(info.ports['9000/tcp']?.[0]?.hostPort, 'the port is published');
      if (isolated) {
        const ip = Object.values(info.ipAddresses).find(Boolean)!;
        // Not a TCP connect: some networks accept any connection on the way out. The function's own answer is the proof.
        const viaBridge = await fetch(`http://${ip}:9000/`, { method: 'POST', body: 'direct', signal: AbortSignal.timeout(3000) }).then((r) => r.text(), () => '');
        assert.notEqual(viaBridge, 'echo:direct', `the bridge IP ${ip} is out of this host's reach: only the published port works`);
      }
    });

    if (kind.reach === 'bridge') {
      it('also reaches a container through a port the engine published (dockerNetworking: published)', async () => {
        const viaPort = newBackend({ networking: 'published' });
        await withLocalfcClient({ clock: 'manual', backend: 'docker' }, async ({ fc: other, client: c2 }) => {
          await c2.createFunction(new $FC.CreateFunctionRequest({
            body: new $FC.CreateFunctionInput({ functionName: 'echo', runtime: 'custom-container', handler: 'x', customContainerConfig: new $FC.CustomContainerConfig({ image: `${repo}:v1`, port: 9000, command: ['node', '-e', SERVER] }) }),
          }));
          await advanceClock(other, 5000);
          const res = await c2.invokeFunction('echo', new $FC.InvokeFunctionRequest({ body: event('published') }));
          assert.equal(await readBody(res.body!), 'echo:published');
          const [c] = await engine.listContainers({ labels: { [LABELS.owner]: viaPort.owner.id } });
          assert.ok((await engine.inspectContainer(c!.id)).ports['9000/tcp']?.[0]?.hostPort, 'the port is published');
        }, { backend: viaPort });
      });
    }

    it('pauses the idle container after the grace period and unpauses it for the next (warm) invocation', async () => {
      const [c] = await engine.listContainers({ labels: { [LABELS.owner]: backend.owner.id, [LABELS.fn]: 'echo' } });
      await advanceClock(fc, 100); // freezeGraceMs of clock time after the last response
      await waitFor('the container paused', async () => ((await engine.inspectContainer(c!.id)).state.paused ? true : undefined));
      const res = await client().invokeFunction('echo', new $FC.InvokeFunctionRequest({ body: event('again') }));
      assert.equal(await readBody(res.body!), 'echo:again');
      const info = await engine.inspectContainer(c!.id);
      assert.equal(info.state.paused, false);
      assert.deepEqual((await engine.listContainers({ labels: { [LABELS.owner]: backend.owner.id, [LABELS.fn]: 'echo' } })).map((x) => x.id), [c!.id], 'the same container served it');
    });

    it("reaps a dead localfc's container left on this engine, and not a live one's", async () => {
      // What a localfc on another machine left: a container and a lease it stopped renewing (declared to hold 1 ms).
      const dead = `dead-${run}`;
      await engine.createVolume(`localfc-lease-${dead}`, { [LABELS.managed]: '1', [LABELS.lease]: dead, [LABELS.leaseMs]: '1' });
      const labels = { [LABELS.managed]: '1', [LABELS.owner]: dead, [LABELS.bootId]: 'another-machine', [LABELS.pidNs]: 'pid:[1]', [LABELS.pid]: '4242', [LABELS.fn]: `orphan-${run}` };
      const { id: orphan } = await engine.createContainer({ Image: BUSYBOX_IMAGE, Cmd: ['sleep', '60'], Labels: labels });
      const live = (await engine.listContainers({ labels: { [LABELS.owner]: backend.owner.id } })).map((c) => c.id);
      assert.ok(live.length > 0);
      // The engine's clock counts whole seconds: the lease is provably stale from the next second on. Every localfc on
      // this engine reaps at start-up, so another test file's may take the orphan before ours does (the same rule, seen
      // by a neighbour): what counts is that it is gone once the next localfc started.
      const gone = async () => !(await engine.listContainers({ all: true })).some((c) => c.id === orphan);
      await waitFor('the orphan reaped', async () => {
        const next = newBackend(); // the next localfc on this engine
        try {
          await next.reaped;
        } finally {
          await next.close();
        }
        return (await gone()) ? true : undefined;
      }, 120_000);
      const left = (await engine.listContainers({ all: true })).map((c) => c.id);
      assert.ok(!left.includes(orphan));
      assert.ok(live.every((id) => left.includes(id)), 'the running localfc keeps its containers');
      assert.deepEqual(await engine.listVolumes({ labels: [`${LABELS.lease}=${dead}`] }), []);
    });

    it("follows the engine's image events: a moved tag (ImageTagOverwritten), a removed one of two (ImageDeleted)", async () => {
      await create('tag-a', `${repo}:a`);
      await advanceClock(fc, 5000);
      await engine.tagImage((await engine.inspectImage(BUSYBOX_IMAGE))!.id, repo, 'v1');
      assert.equal(await failedWith('echo'), 'ImageTagOverwritten');
      await engine.removeImage(`${repo}:a`);
      assert.equal(await failedWith('tag-a'), 'ImageDeleted');
    });

    it('leaves no container, no lease and no ssh connection behind after stop', async () => {
      stopped = true;
      await fc.stop();
      assert.deepEqual(await engine.listContainers({ labels: { [LABELS.owner]: backend.owner.id }, all: true }), []);
      assert.deepEqual(await engine.listVolumes({ labels: [`${LABELS.lease}=${backend.owner.id}`] }), []);
      assert.deepEqual(sshChildren(), []);
    });
  });
}

after(async () => {
  await mainEngine.close();
  await (await tls?.catch(() => undefined))?.stop();
});
