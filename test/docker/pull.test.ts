// The container backend pulling for real, from a tiny registry of our own on 127.0.0.1 (test/helpers/registry.ts),
// through the official SDK. Needs an engine (scripts/docker-engine.sh up); skips with one line outside CI without one.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { ImageEngine } from '../helpers/image-engine.ts';
import { start, type RunningLocalfc } from '../../src/server.ts';
import { nodeRootfs } from '../../scripts/make-test-images.ts';
import { engineUsable } from '../helpers/docker.ts';
import { waitFor } from '../helpers/wait.ts';
import { type Layer, type RegistryImage, TestRegistry, imageOf, layerOf } from '../helpers/registry.ts';
import { $FC, type FcClient, event, readBody, sdkClient } from '../helpers/sdk.ts';
import { advanceClock } from '../helpers/clock.ts';

const engine = new ImageEngine();
const name = `localfc-pull/fn-${process.pid}-${Date.now().toString(36)}`;

// Answers FC's POST /invoke on FC_SERVER_PORT with the body and which image (IMAGE=a|b) it runs in.
const SERVER = `require('http').createServer((q, s) => { let b = ''; q.on('data', (c) => (b += c));
  q.on('end', () => s.end(JSON.stringify({ body: b, image: process.env.IMAGE }))); }).listen(Number(process.env.FC_SERVER_PORT));`;

let layer: Layer | undefined;
const buildLayer = async (): Promise<string | undefined> => {
  try {
    // A file of this run's makes the layer new to the engine, so it is downloaded (and goes with the images after).
    layer = await layerOf((await nodeRootfs()).addFile('etc/localfc-pull', name).toBuffer());
    return undefined;
  } catch (e) {
    return `cannot build the node rootfs: ${e instanceof Error ? e.message : String(e)}`;
  }
};

if (await engineUsable(engine, 'image pulls', buildLayer)) {
  describe('pulling images from a registry', () => {
    let registry: TestRegistry;
    let imageA: RegistryImage;
    let imageB: RegistryImage;
    let repo = '';
    let ref = '';
    let dataDir = '';
    let fc: RunningLocalfc;
    let client: FcClient;

    const launch = async () => {
      fc = await start({ clock: 'manual', backend: 'docker', dataDir });
      client = sdkClient(fc.endpoint);
    };
    const advance = (ms: number) => advanceClock(fc, ms);
    const get = async () => (await client.getFunction('pull', new $FC.GetFunctionRequest({}))).body!;
    const failed = () => waitFor('Failed', async () => ((await get()).state === 'Failed' ? get() : undefined), 120_000);
    const invoke = async (body: string) => {
      const res = await client.invokeFunction('pull', new $FC.InvokeFunctionRequest({ body: event(body) }));
      return JSON.parse(await readBody(res.body!)) as { body: string; image: string };
    };
    const update = () => client.updateFunction('pull', new $FC.UpdateFunctionRequest({ body: new $FC.UpdateFunctionInput({ customContainerConfig: new $FC.CustomContainerConfig({ image: ref, port: 9000, command: ['node', '-e', SERVER] }) }) }));
    const timeline = async () => {
      const res = await fetch(`${fc.url}/_localfc/functions/pull/timeline`);
      return ((await res.json()) as { timeline: Array<{ event: string; detail?: { message?: string } }> }).timeline;
    };
    const progress = async () => (await timeline()).filter((t) => t.event === 'preparation.progress').map((t) => t.detail?.message ?? '');

    before(async () => {
      registry = await TestRegistry.start();
      // Two images sharing the node rootfs layer; only their config (and so their id and digest) differs.
      imageA = imageOf(layer!, { cmd: ['node'], env: ['IMAGE=a'] });
      imageB = imageOf(layer!, { cmd: ['node'], env: ['IMAGE=b'] });
      registry.serve(name, 'v1', imageA);
      repo = `${registry.host}/${name}`;
      ref = `${repo}:v1`;
      dataDir = await mkdtemp(join(tmpdir(), 'localfc-pull-'));
      await launch();
    });

    after(async () => {
      await fc?.stop();
      for (const image of [imageA, imageB]) if (image) await engine.removeImage(image.id, { force: true }).catch(() => undefined);
      await registry?.close();
      await engine.close();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    });

    it('CreateFunction pulls an image the engine does not have and pins its repo digest; Pending → Active; it runs', async () => {
      assert.equal(await engine.inspectImage(ref), undefined);
      await client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({
        functionName: 'pull', runtime: 'custom-container', handler: 'index.handler', memorySize: 256,
        customContainerConfig: new $FC.CustomContainerConfig({ image: ref, port: 9000, command: ['node', '-e', SERVER] }),
      }) }));
      assert.ok(registry.count(`/${name}/manifests/v1`) >= 1, 'the engine asked the registry for v1');
      assert.ok(registry.count(`/blobs/${layer!.digest}`) >= 1, 'and downloaded the layer');
      const fn = await get();
      assert.equal(fn.state, 'Pending');
      assert.equal(fn.customContainerConfig?.resolvedImageUri, `${repo}@${imageA.digest}`);
      assert.equal((await engine.inspectImage(ref))?.id, imageA.id);
      // The pull happened inside the call; the timeline shows it as the preparation's progress.
      const lines = await progress();
      assert.ok(lines.includes(`pulling ${ref}`), lines.join('\n'));
      assert.ok(lines.some((l) => l.startsWith(`${layer!.digest.slice(7, 19)} `)), `a status line for the layer:\n${lines.join('\n')}`);
      await advance(5000);
      assert.equal((await get()).state, 'Active');
      assert.deepEqual(await invoke('ping'), { body: 'ping', image: 'a' });
    });

    it('the image removed from the engine fails the function (ImageDeleted); UpdateFunction pulls it again', async () => {
      // force: the function's container still uses the image
      await engine.removeImage(ref, { force: true });
      assert.equal((await failed()).stateReasonCode, 'ImageDeleted');

      const manifests = registry.count(`/${name}/manifests/`);
      await update();
      assert.ok(registry.count(`/${name}/manifests/`) > manifests, 'UpdateFunction pulled the image again');
      assert.equal((await get()).customContainerConfig?.resolvedImageUri, `${repo}@${imageA.digest}`);
      await advance(5000);
      assert.equal((await get()).state, 'Active');
      assert.deepEqual(await invoke('back'), { body: 'back', image: 'a' });
    });

    it('v1 pushed again as another image and pulled by the engine: the function goes Failed (ImageTagOverwritten)', async () => {
      registry.serve(name, 'v1', imageB);
      await engine.pullImage(ref);
      assert.equal((await failed()).stateReasonCode, 'ImageTagOverwritten');

      await update();
      assert.equal((await get()).customContainerConfig?.resolvedImageUri, `${repo}@${imageB.digest}`);
      await advance(5000);
      assert.equal((await get()).state, 'Active');
      assert.deepEqual(await invoke('new'), { body: 'new', image: 'b' });
    });

    it('restarted with the pinned image gone, preparation pulls repo@digest, with progress in the timeline', async () => {
      await fc.stop();
      await engine.removeImage(imageB.id, { force: true });
      const requests = registry.count(`/${name}/`);
      await launch();
      assert.equal((await get()).state, 'Pending');
      await advance(5000);
      assert.equal((await get()).state, 'Active');
      // The engine keeps manifests it pulled by digest: it may ask only for the config blob.
      assert.ok(registry.count(`/${name}/`) > requests, 'the registry was asked again');
      const lines = await progress();
      assert.ok(lines.includes(`pulling ${repo}@${imageB.digest}`), lines.join('\n'));
      assert.ok(lines.some((l) => l.startsWith(`${layer!.digest.slice(7, 19)} `)), `a status line for the layer:\n${lines.join('\n')}`);
      assert.deepEqual(await invoke('again'), { body: 'again', image: 'b' });
    });

    it('after the restart the registry still follows the pinned tag: v1 moved → ImageTagOverwritten', async () => {
      registry.serve(name, 'v1', imageA);
      await engine.pullImage(ref);
      assert.equal((await failed()).stateReasonCode, 'ImageTagOverwritten');
    });
  });
}
