// Updates under live traffic on the container backend (issue 15), against a real engine: the same scenarios as the
// process backend's (test/helpers/rollover.ts). The containers reach the test's control server on the host.
import { after, before, describe, it } from 'node:test';
import { DockerEngine } from '../../src/backends/docker/engine.ts';
import { start } from '../../src/server.ts';
import { NODE_IMAGE } from '../../scripts/make-test-images.ts';
import { engineUsable } from '../helpers/docker.ts';
import { ROLLOVER_SERVER, rolloverTests } from '../helpers/rollover.ts';

const engine = new DockerEngine();
const testImage = async (): Promise<string | undefined> => ((await engine.inspectImage(NODE_IMAGE)) ? undefined : `test image ${NODE_IMAGE} missing (npx tsx scripts/make-test-images.ts)`);

if (await engineUsable(engine, 'rollover on the container backend', testImage)) {
  after(() => engine.close());
  describe('rollover under live traffic (container backend)', () => {
    rolloverTests({
      start: () => start({ clock: 'manual', backend: 'docker' }),
      preparationMs: 5000,
      body: (rev, controlPort) => ({
        runtime: 'custom-container', handler: 'index.handler', timeout: 300, memorySize: 256,
        customContainerConfig: { image: NODE_IMAGE, port: 9000, command: ['node', '-e', ROLLOVER_SERVER] },
        environmentVariables: { REV: rev, CONTROL: `http://host.docker.internal:${controlPort}` },
        instanceLifecycleConfig: { preStop: { handler: 'stop', timeout: 5 } },
      }),
    }, { before, after, it });
  });
}
