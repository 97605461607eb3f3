/**
 * Where a start-up fault rule came from, as the admin API lists it (`source`): `env` for what environment variables
 * (and flags) turned on at start-up — LOCALFC_SCENARIO's rules, LOCALFC_FAULT_<PHASE> — and `config` for what the
 * config file holds. localfc runs as its own process, started the way the README starts it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { startServerProcess } from '../helpers/server-process.ts';

describe('the source of start-up fault rules (admin API)', () => {
  it('LOCALFC_SCENARIO and LOCALFC_FAULT_* rules are env, the config file\'s are config', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'localfc-fault-sources-'));
    const file = join(dir, 'config.json');
    writeFileSync(file, JSON.stringify({ faultSpecs: ['update=hold'], faults: [{ match: { phase: 'api' }, effect: { type: 'latency', ms: 1 } }] }));
    const server = await startServerProcess(['--config', file], { LOCALFC_SCENARIO: 'throttling', LOCALFC_FAULT_INVOCATION: 'latency:10' });
    try {
      const res = await fetch(`${server.url}/_localfc/faults`, { signal: AbortSignal.timeout(60_000) });
      const { rules } = (await res.json()) as { rules: Array<{ source: string; match?: { phase?: string }; effect: { type: string; ms?: number } }> };
      const sourceOf = (pred: (r: (typeof rules)[number]) => boolean) => rules.filter(pred).map((r) => r.source);
      assert.deepEqual(sourceOf((r) => r.effect.type === 'throttle'), ['env'], JSON.stringify(rules));
      assert.deepEqual(sourceOf((r) => r.match?.phase === 'invocation' && r.effect.ms === 10), ['env'], JSON.stringify(rules));
      assert.deepEqual(sourceOf((r) => r.match?.phase === 'update'), ['config'], JSON.stringify(rules));
      assert.deepEqual(sourceOf((r) => r.match?.phase === 'api'), ['config'], JSON.stringify(rules));
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
