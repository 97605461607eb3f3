// A container killed under a request (issue 15): the caller gets one answer, every time, naming the exit code,
// instead of a bare "could not reach the container: other side closed" half of the time. Real engine, real kills.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { DockerEngine } from '../../src/backends/docker/engine.ts';
import { start, type RunningLocalfc } from '../../src/server.ts';
import { NODE_IMAGE } from '../../scripts/make-test-images.ts';
import { engineUsable } from '../helpers/docker.ts';
import { advanceClock } from '../helpers/clock.ts';
import { ControlServer, ROLLOVER_SERVER, invokeRaw } from '../helpers/rollover.ts';

const engine = new DockerEngine();
const testImage = async (): Promise<string | undefined> => ((await engine.inspectImage(NODE_IMAGE)) ? undefined : `test image ${NODE_IMAGE} missing (npx tsx scripts/make-test-images.ts)`);

if (await engineUsable(engine, 'instance death on the container backend', testImage)) {
  describe('a container killed under a request', () => {
    let fc: RunningLocalfc;
    let control: ControlServer;
    before(async () => {
      control = await ControlServer.start();
      fc = await start({ clock: 'manual', backend: 'docker' });
    });
    after(async () => {
      await fc?.stop();
      await control?.close();
      await engine.close();
    });

    it('answers UnhandledInvocationError naming exit code 137, each time, and the next call gets a new container', async () => {
      const body = {
        functionName: 'mortal', runtime: 'custom-container', handler: 'index.handler', timeout: 300, memorySize: 256,
        customContainerConfig: { image: NODE_IMAGE, port: 9000, command: ['node', '-e', ROLLOVER_SERVER] },
        environmentVariables: { REV: 'A', CONTROL: `http://host.docker.internal:${control.port}` },
      };
      const created = await request(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(created.statusCode, 200, await created.body.text());
      await advanceClock(fc, 5000);
      for (let round = 0; round < 4; round++) {
        const answer = invokeRaw(fc, 'mortal', `hold:kill${round}`);
        await control.arrived(`kill${round}`);
        const listed = await request(`${fc.url}/_localfc/functions/mortal/instances`);
        const [instance] = ((await listed.body.json()) as { instances: { instanceId: string; containerId?: string }[] }).instances;
        assert.ok(instance?.containerId, 'the instance names its container');
        await engine.stopContainer(instance.containerId, 0);
        const died = await answer;
        assert.equal(died.status, 200, died.text);
        assert.match(died.text, /Container exited unexpectedly \(code 137\)/, `round ${round}: ${died.text}`);
        const next = await invokeRaw(fc, 'mortal', 'again');
        assert.deepEqual([next.status, next.rev], [200, 'A'], next.text);
        assert.notEqual(next.instance, instance.instanceId, 'a new instance in place of the dead one');
      }
    });
  });
}
