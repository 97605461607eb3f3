/**
 * The freezing rule on the container backend with a real Docker engine and the manual clock: after its last response
 * a container keeps running for the grace period of clock time, then it is paused until the next invocation;
 * back-to-back calls pause nothing.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { NODE_IMAGE } from '../../scripts/make-test-images.ts';
import { DockerEngine } from '../../src/backends/docker/engine.ts';
import { start, type RunningLocalfc } from '../../src/server.ts';
import { advanceClock } from '../helpers/clock.ts';
import { engineUsable } from '../helpers/docker.ts';

const engine = new DockerEngine();
const SERVER = "require('http').createServer((q, s) => s.end('ok')).listen(9000)";

if (await engineUsable(engine, 'container freezing', async () => ((await engine.inspectImage(NODE_IMAGE)) ? undefined : `test image ${NODE_IMAGE} missing (npx tsx scripts/make-test-images.ts)`))) {
  describe('freezing after the grace period (container backend, manual clock)', { timeout: 180_000 }, () => {
    let fc: RunningLocalfc;
    let containerId = '';
    const invoke = async () => {
      const r = await fetch(`${fc.url}/2023-03-30/functions/ctr/invocations`, { method: 'POST', body: '{}' });
      assert.equal(r.status, 200, await r.clone().text());
      await r.arrayBuffer();
    };
    const paused = async () => (await engine.inspectContainer(containerId)).state.paused;
    const advance = async (ms: number) => {
      const res = await fetch(`${fc.url}/_localfc/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms }) });
      assert.equal(res.status, 200);
    };

    before(async () => {
      fc = await start({ clock: 'manual', backend: 'docker' });
      const res = await fetch(`${fc.url}/2023-03-30/functions`, {
        method: 'POST', headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ functionName: 'ctr', runtime: 'custom-container', handler: 'h', customContainerConfig: { image: NODE_IMAGE, port: 9000, command: ['node', '-e', SERVER] } }),
      });
      assert.equal(res.status, 200, await res.text());
      await advanceClock(fc, 5000);
    });

    after(async () => {
      await fc?.stop();
      await engine.close();
    });

    it('back-to-back calls leave the container running; it is paused once idle for the grace period', async () => {
      await invoke();
      const list = (await (await fetch(`${fc.url}/_localfc/functions/ctr/instances`)).json()) as { instances: Array<{ containerId?: string }> };
      containerId = list.instances[0]!.containerId!;
      await invoke();
      await invoke();
      assert.equal(await paused(), false, 'not paused between back-to-back calls');
      await advance(99);
      assert.equal(await paused(), false, 'still running 99 ms (clock) after the last response');
      await advance(1);
      assert.equal(await paused(), true, 'paused 100 ms after the last response');
    });

    it('a paused container is unpaused for the next call and paused again after the grace period', async () => {
      await invoke();
      assert.equal(await paused(), false);
      await advance(100);
      assert.equal(await paused(), true);
    });
  });
}
