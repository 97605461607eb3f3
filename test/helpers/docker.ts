/**
 * @module
 * What the tests against a real Docker engine share: whether to run at all (waiting for the engine's effects: wait.ts).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { DockerEngine } from '../../src/backends/docker/engine.ts';

/** Without an engine these tests skip, except in CI or when asked to insist: there a missing engine is a failure. */
const required = process.env.CI === 'true' || process.env.LOCALFC_REQUIRE_DOCKER === '1';

/**
 * Pings the engine and runs `check` (which names anything else the suite needs and lacks, such as a test image).
 * When the engine is not usable it registers one skipped test, or a failing one when an engine is required, and
 * closes the engine. Returns whether the suite should run.
 */
export async function engineUsable(engine: DockerEngine, suite: string, check?: () => Promise<string | undefined>): Promise<boolean> {
  let unusable: string | undefined;
  try {
    await engine.ping();
    unusable = await check?.();
  } catch (e) {
    unusable = e instanceof Error ? e.message : String(e);
  }
  if (unusable === undefined) return true;
  if (!required) {
    it(suite, { skip: `${unusable}: skipping ${suite} tests` }, () => {});
    await engine.close();
  } else {
    it('docker engine is reachable (required by CI=true / LOCALFC_REQUIRE_DOCKER=1)', async () => {
      await engine.close();
      assert.fail(`no usable Docker engine at ${engine.address} but one is required: ${unusable} (run scripts/docker-engine.sh up)`);
    });
  }
  return false;
}
