// A container killed under a request (issue 15): the caller gets one answer, every time, naming the exit code,
// instead of a bare "could not reach the container: other side closed" half of the time; and when the kernel killed it
// for exceeding memorySize (its memory limit), the answer says so. Real engine, real kills, a real OOM.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { request } from 'undici';
import { DockerEngine } from '../../src/backends/docker/engine.ts';
import { start, type RunningLocalfc } from '../../src/server.ts';
import { NODE_IMAGE } from '../../scripts/make-test-images.ts';
import { engineUsable } from '../helpers/docker.ts';
import { LABELS } from '../../src/backends/docker/owner.ts';
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

    it('a handler exceeding memorySize is killed by the memory limit, and the caller is told so with the exit code', async () => {
      // Allocates (and touches) 16 MiB more on every tick until the kernel stops it: no swap can save it for long.
      const hog = `const held = []; require('http').createServer((req, res) => { let b = ''; req.on('data', (c) => (b += c)); req.on('end', () => { if (b !== 'eat') return res.end('fed'); setInterval(() => held.push(Buffer.alloc(16 * 1024 * 1024, 1)), 5); }); }).listen(9000)`;
      // Its own name: its container is found on the engine by it, and other runs on the same engine must not be counted.
      const name = `hog-${randomUUID().slice(0, 8)}`;
      const body = {
        functionName: name, runtime: 'custom-container', handler: 'index.handler', timeout: 300, memorySize: 128, cpu: 0.1,
        customContainerConfig: { image: NODE_IMAGE, port: 9000, command: ['node', '-e', hog] },
      };
      const created = await request(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
      assert.equal(created.statusCode, 200, await created.body.text());
      await advanceClock(fc, 5000);
      assert.equal((await invokeRaw(fc, name, 'hello')).text, 'fed');
      // The container's memory limit is the function's memorySize.
      const [c] = await engine.listContainers({ labels: { [LABELS.fn]: name } });
      assert.ok(c, 'the running container');
      assert.equal((await engine.inspectContainer(c.id)).resources.memory, 128 * 1024 * 1024);
      const died = await invokeRaw(fc, name, 'eat');
      assert.equal(died.status, 200, died.text);
      assert.equal(JSON.parse(died.text).errorType, 'ProcessExited', died.text);
      assert.match(died.text, /Container exited unexpectedly \(code 137, killed for exceeding its memory limit\)/, died.text);
    });
  });
}
