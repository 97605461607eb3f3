// Integration tests for the Docker Engine client against a real engine (start one with scripts/docker-engine.sh up).
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { DockerError, type DockerEvent, type LogLine } from '../../src/backends/docker/engine.ts';
import { ImageEngine } from '../helpers/image-engine.ts';
import { TarWriter } from '../helpers/tar.ts';
import { busyboxRootfs } from '../../scripts/make-test-images.ts';
import { engineUsable } from '../helpers/docker.ts';
import { waitFor } from '../helpers/wait.ts';

const engine = new ImageEngine();

const run = `${process.pid}-${Date.now().toString(36)}`;
const repo = 'localfc-enginetest/busybox';
const image = `${repo}:${run}`;
const secondTag = `${run}-second`;
const labels = { localfc: '1', 'localfc.test': `engine-${run}` };

if (await engineUsable(engine, 'docker engine')) {
  describe('docker engine', () => {
    let containerId = '';

    before(async () => {
      const tar = (await busyboxRootfs()).toBuffer();
      const t0 = performance.now();
      const { id } = await engine.importImage(tar, repo, run, { changes: ['CMD ["sh"]'] });
      console.log(`imported ${image} (${(tar.length / 1e6).toFixed(1)} MB) in ${(performance.now() - t0).toFixed(0)} ms: ${id}`);
    });

    after(async () => {
      // Clean up everything this run made, even after a failed assertion.
      for (const c of await engine.listContainers({ labels: { 'localfc.test': labels['localfc.test'] }, all: true })) {
        await engine.removeContainer(c.id, { force: true }).catch(() => undefined);
      }
      for (const ref of [`${repo}:${secondTag}`, image]) await engine.removeImage(ref, { force: true }).catch(() => undefined);
      await engine.close();
    });

    it('negotiates the API version from /_ping', async () => {
      const p = await engine.ping();
      assert.match(p.apiVersion, /^1\.\d+$/);
      assert.ok(Number(p.apiVersion.split('.')[1]) <= 41, `negotiated ${p.apiVersion} above 1.41`);
      assert.equal(p.osType, 'linux');
      const v = await engine.version();
      assert.ok(v.version.length > 0);
      assert.ok(v.apiVersion.length > 0);
    });

    it('inspects the imported image, and returns undefined for a missing one', async () => {
      const info = await engine.inspectImage(image);
      assert.ok(info, `${image} missing after import`);
      assert.match(info.id, /^sha256:[0-9a-f]{64}$/);
      assert.deepEqual(info.repoTags, [image]);
      assert.deepEqual(info.repoDigests, []); // imported, never pushed or pulled
      assert.equal(await engine.inspectImage(`${repo}:does-not-exist`), undefined);
    });

    it('reports a failed pull as an error (no registry is reachable for this name)', async () => {
      await assert.rejects(engine.pullImage('localhost:1/localfc/none:1'), (e: unknown) => e instanceof DockerError);
    });

    it('creates and starts a container, and reads its demultiplexed logs', async () => {
      const t0 = performance.now();
      const c = await engine.createContainer({
        Image: image, Labels: labels, Cmd: ['sh', '-c', 'echo hi; echo err 1>&2; sleep 30'],
        ExposedPorts: { '8080/tcp': {} },
        HostConfig: { PortBindings: { '8080/tcp': [{ HostIp: '127.0.0.1', HostPort: '' }] } },
      }, `localfc-enginetest-${run}`);
      const t1 = performance.now();
      await engine.startContainer(c.id);
      const t2 = performance.now();
      console.log(`container create ${(t1 - t0).toFixed(0)} ms, start ${(t2 - t1).toFixed(0)} ms`);
      containerId = c.id;

      const logs = await waitFor('both log lines', async () => {
        const l = await engine.containerLogs(containerId);
        return l.stdout && l.stderr ? l : undefined;
      });
      assert.deepEqual(logs, { stdout: 'hi\n', stderr: 'err\n' });
      assert.deepEqual(await engine.containerLogs(containerId, { tail: 0 }), { stdout: '', stderr: '' });

      const info = await engine.inspectContainer(containerId);
      assert.equal(info.state.status, 'running');
      assert.equal(info.name, `localfc-enginetest-${run}`);
      assert.equal(info.labels['localfc.test'], labels['localfc.test']);
      assert.match(info.ipAddresses.bridge ?? '', /^\d+\.\d+\.\d+\.\d+$/);
      assert.match(info.ports['8080/tcp']?.[0]?.hostPort ?? '', /^\d+$/);
      assert.equal(info.ports['8080/tcp']?.[0]?.hostIp, '127.0.0.1');

      const listed = await engine.listContainers({ labels: { 'localfc.test': labels['localfc.test'] } });
      assert.deepEqual(listed.map((x) => x.id), [containerId]);
      assert.equal(listed[0]?.state, 'running');
    });

    it('copies a tar into a created container before it starts (putArchive)', async () => {
      const code = new TarWriter().addDirectory('code').addFile('code/index.js', 'exports.handler = () => "ok";\n');
      const c = await engine.createContainer({ Image: image, Labels: labels, Cmd: ['cat', '/code/index.js'] });
      await engine.putArchive(c.id, '/', code.toBuffer());
      await engine.startContainer(c.id);
      await waitFor('cat to exit', async () => ((await engine.inspectContainer(c.id)).state.running ? undefined : true));
      assert.equal((await engine.inspectContainer(c.id)).state.exitCode, 0);
      assert.deepEqual(await engine.containerLogs(c.id), { stdout: 'exports.handler = () => "ok";\n', stderr: '' });
      await engine.removeContainer(c.id);
    });

    it('follows logs line by line', async () => {
      const lines: LogLine[] = [];
      const ac = new AbortController();
      const { done } = await engine.followLogs(containerId, (l) => lines.push(l), ac.signal);
      await waitFor('two followed lines', async () => (lines.length >= 2 ? true : undefined));
      ac.abort();
      await done;
      assert.deepEqual(lines.map((l) => `${l.stream}:${l.line}`).sort(), ['stderr:err', 'stdout:hi']);
    });

    it('maps engine errors to kinds', async () => {
      await assert.rejects(engine.removeContainer(containerId), { kind: 'conflict', statusCode: 409 }); // running, no force
      await assert.rejects(engine.inspectContainer('localfc-no-such-container'), { kind: 'not-found', statusCode: 404 });
      await assert.rejects(engine.removeImage(`${repo}:does-not-exist`), { kind: 'not-found' });
    });

    it('pauses and unpauses', async () => {
      await engine.pauseContainer(containerId);
      const paused = await engine.inspectContainer(containerId);
      assert.equal(paused.state.paused, true);
      assert.equal(paused.state.status, 'paused');
      await assert.rejects(engine.pauseContainer(containerId), { kind: 'conflict' });
      await engine.unpauseContainer(containerId);
      const resumed = await engine.inspectContainer(containerId);
      assert.equal(resumed.state.paused, false);
      assert.equal(resumed.state.running, true);
    });

    it('streams an image untag event when a second tag is removed', async () => {
      const { id } = (await engine.inspectImage(image))!;
      await engine.tagImage(id, repo, secondTag);
      assert.deepEqual((await engine.inspectImage(image))?.repoTags.sort(), [image, `${repo}:${secondTag}`].sort());

      const seen: DockerEvent[] = [];
      const ac = new AbortController();
      const since = Math.floor((await engine.now()) / 1000); // the stream answers before it is live: replay from here
      const { done } = await engine.events({ filters: { type: ['image'], event: ['delete', 'untag'] }, since }, (e) => seen.push(e), ac.signal);
      const removed = await engine.removeImage(`${repo}:${secondTag}`);
      assert.deepEqual(removed, { untagged: [`${repo}:${secondTag}`], deleted: [] });
      // Other test files untag their own images in the same second: only this image's event counts.
      const ev = await waitFor('untag event', async () => seen.find((e) => e.action === 'untag' && e.id === id));
      ac.abort();
      await done;
      assert.equal(ev.type, 'image');
      assert.equal(ev.id, id);
      assert.ok(ev.time > 0);
      assert.deepEqual((await engine.inspectImage(image))?.repoTags, [image]);
    });

    it('stops and removes the container', async () => {
      await engine.stopContainer(containerId, 1); // sh as pid 1 ignores SIGTERM: this exercises the SIGKILL path
      const stopped = await engine.inspectContainer(containerId);
      assert.equal(stopped.state.running, false);
      assert.equal(stopped.state.status, 'exited');
      await engine.stopContainer(containerId, 1); // 304: already stopped is fine
      await engine.removeContainer(containerId);
      await assert.rejects(engine.inspectContainer(containerId), { kind: 'not-found' });
      assert.deepEqual(await engine.listContainers({ labels: { 'localfc.test': labels['localfc.test'] }, all: true }), []);
    });
  });
}
