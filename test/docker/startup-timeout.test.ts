// FC's start-up timeout on the container backend (issue 15): a container whose server never listens is given up when
// localfc's clock passes 120 s, not before (it was a fixed 60 s of real time), with FC's answer, and removed.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { DockerEngine } from '../../src/backends/docker/engine.ts';
import { LABELS } from '../../src/backends/docker/owner.ts';
import { start, type RunningLocalfc } from '../../src/server.ts';
import { NODE_IMAGE } from '../../scripts/make-test-images.ts';
import { advanceClock } from '../helpers/clock.ts';
import { engineUsable } from '../helpers/docker.ts';
import { checkGivenUpAtStartupTimeout } from '../helpers/startup-timeout.ts';
import { waitFor } from '../helpers/wait.ts';

const engine = new DockerEngine();
const testImage = async (): Promise<string | undefined> => ((await engine.inspectImage(NODE_IMAGE)) ? undefined : `test image ${NODE_IMAGE} missing (npx tsx scripts/make-test-images.ts)`);

if (await engineUsable(engine, 'start-up timeout on the container backend', testImage)) {
  describe('a container that never listens', () => {
    let fc: RunningLocalfc;
    before(async () => {
      fc = await start({ clock: 'manual', backend: 'docker' });
    });
    after(async () => {
      await fc?.stop();
      await engine.close();
    });

    it("is given up when the clock passes 120 s, not before, with FC's answer, and removed", async () => {
      // Its own name: its containers are found by it, and other runs on the same engine must not be counted.
      const name = `deaf-${randomUUID().slice(0, 8)}`;
      const body = {
        functionName: name, runtime: 'custom-container', handler: 'index.handler', timeout: 60, memorySize: 256,
        customContainerConfig: { image: NODE_IMAGE, port: 9000, command: ['node', '-e', "console.log('up, not listening'); setInterval(() => {}, 1000)"] },
      };
      const created = await request(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(created.statusCode, 200, await created.body.text());
      await advanceClock(fc, 5000);
      const mine = () => engine.listContainers({ labels: { [LABELS.fn]: name }, all: true });
      const running = async (): Promise<void> => {
        await waitFor('the container to run', async () => ((await mine()).some((c) => c.state === 'running') ? true : undefined));
      };
      await checkGivenUpAtStartupTimeout(fc, name, /9000/, running);
      await waitFor('the container to be removed', async () => ((await mine()).length === 0 ? true : undefined));
    });
  });
}
