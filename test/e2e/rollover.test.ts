// Updates under live traffic on the process backend (issue 15): the scenarios are in test/helpers/rollover.ts and
// run the same against the container backend (test/docker/rollover.test.ts).
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { start } from '../../src/server.ts';
import { ROLLOVER_SERVER, rolloverTests } from '../helpers/rollover.ts';

describe('rollover under live traffic (process backend)', () => {
  rolloverTests({
    start: () => start({ clock: 'manual', backend: 'process' }),
    preparationMs: 1000,
    body: (rev, controlPort) => ({
      runtime: 'custom.debian10', handler: 'index.handler', timeout: 300,
      // The revision is in the code too, so each has its own code checksum.
      code: { zipFile: createZip([{ path: 'server.js', data: ROLLOVER_SERVER }, { path: 'rev.txt', data: rev }]).toString('base64') },
      customRuntimeConfig: { command: ['node', 'server.js'] },
      environmentVariables: { REV: rev, CONTROL: `http://127.0.0.1:${controlPort}` },
      instanceLifecycleConfig: { preStop: { handler: 'stop', timeout: 5 } },
    }),
  }, { before, after, it });
});
