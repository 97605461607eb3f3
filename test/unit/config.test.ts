/**
 * Settings from flags, env and file: precedence, booleans, unknown flags.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { gatherConfig, parseConfig } from '../../src/config.ts';

it('flags beat env, env beats the config file, and timing/fault settings land where they belong', () => {
  const dir = mkdtempSync(join(tmpdir(), 'localfc-config-'));
  const file = join(dir, 'localfc.json');
  writeFileSync(file, JSON.stringify({ port: 1111, region: 'cn-beijing', timing: { updateMs: 7 }, faults: [{ effect: { type: 'throttle' } }] }));
  const cfg = parseConfig(
    gatherConfig(['--port', '3333', '--fault', 'update=hold', '--scenario', 'throttling'], { LOCALFC_CONFIG: file, LOCALFC_PORT: '2222', LOCALFC_TIME_SCALE: '0.01', LOCALFC_FAULT_PREPARATION: 'error:X' }),
  );
  assert.equal(cfg.port, 3333);
  assert.equal(cfg.region, 'cn-beijing');
  assert.equal(cfg.timeScale, 0.01);
  assert.equal(cfg.timing.updateMs, 7);
  assert.equal(cfg.faults.length, 1);
  assert.deepEqual(cfg.faultSpecs.sort(), ['preparation=error:X', 'update=hold']);
  assert.deepEqual(cfg.scenarios, ['throttling']);
});

it('boolean settings read "false" as false', () => {
  assert.equal(parseConfig(gatherConfig([], { LOCALFC_STRICT_REGISTRY: 'false' })).strictRegistry, false);
  assert.equal(parseConfig(gatherConfig([], { LOCALFC_STRICT_REGISTRY: 'true' })).strictRegistry, true);
  assert.equal(parseConfig(gatherConfig(['--strict-registry'], {})).strictRegistry, true);
});

it('refuses unknown flags and bad values with a clear message', () => {
  assert.throws(() => gatherConfig(['--bogus', '1'], {}), /unknown flag --bogus/);
  assert.throws(() => parseConfig(gatherConfig(['--clock', 'sundial'], {})), /clock/);
  assert.throws(() => parseConfig(gatherConfig([], { LOCALFC_PORT: '70000' })), /port/);
});

it('refuses typos in the config file, naming the key and the known ones, as it refuses unknown flags', () => {
  const dir = mkdtempSync(join(tmpdir(), 'localfc-config-'));
  const write = (name: string, body: unknown): string => {
    const file = join(dir, name);
    writeFileSync(file, JSON.stringify(body));
    return file;
  };
  assert.throws(() => gatherConfig([], { LOCALFC_CONFIG: write('top.json', { clok: 'manual' }) }), /unknown key 'clok' \(known: host, port, .*clock/);
  assert.throws(
    () => gatherConfig(['--config', write('timing.json', { timing: { codePreparationMS: 5 } })], {}),
    /unknown key 'timing\.codePreparationMS' \(known: timing\.codePreparationMs/,
  );
  assert.throws(() => parseConfig({ timing: { codePreparationMS: 5 } }), /codePreparationMS/); // start() options too
});

it('refuses a time scale of 0, which would send every function Active → Inactive at once', () => {
  assert.throws(() => parseConfig(gatherConfig(['--time-scale', '0'], {})), /timeScale: must be above 0.*Inactive/);
  assert.equal(parseConfig(gatherConfig(['--time-scale', '0.001'], {})).timeScale, 0.001);
});
