/**
 * The settings table is the one source: each setting given by its flag, its environment variable, the config file
 * and start()'s options resolves to the same configuration; the README's table and `--help` are rendered from it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { it } from 'node:test';
import { BEGIN, END, renderSettingsTable } from '../../scripts/settings-table.ts';
import { type Config, configSchema, gatherConfig, parseConfig } from '../../src/config.ts';
import { SETTING_LIST, SETTINGS, type SettingEntry, type SettingSpec } from '../../src/settings.ts';

const dir = mkdtempSync(join(tmpdir(), 'localfc-settings-'));
const nest = (path: readonly string[], value: unknown): Record<string, unknown> => (path.length === 1 ? { [path[0]!]: value } : { [path[0]!]: nest(path.slice(1), value) });
const pick = (cfg: Config, path: readonly string[]): unknown => path.reduce<unknown>((o, k) => (o as Record<string, unknown>)[k], cfg);
/** The config file and start() take a list as an array; the environment and flags as `a,b`. */
const asJson = (s: SettingEntry): unknown => (s.list && typeof s.example === 'string' ? s.example.split(',') : s.example);

it('every setting resolves alike from its flag, its variable, the config file and start() options, and differs from the default', () => {
  const defaults = configSchema().parse({});
  for (const s of SETTING_LIST) {
    const name = s.path.join('.');
    const file = join(dir, `${name}.json`);
    writeFileSync(file, JSON.stringify(nest(s.path, asJson(s))));
    const resolved: Array<[string, unknown]> = [
      ['start() options', pick(parseConfig(nest(s.path, asJson(s))), s.path)],
      ['config file', pick(parseConfig(gatherConfig(['--config', file], {})), s.path)],
    ];
    assert.ok(s.env || !s.flag, `${name}: a flag without a variable`);
    if (s.env) {
      assert.equal(typeof s.example, 'string', `${name}: the example is how the environment writes it`);
      const example = s.example as string;
      const env = s.envFamily
        ? Object.fromEntries(example.split(',').map((spec) => [`${s.envFamily}${spec.slice(0, spec.indexOf('=')).toUpperCase()}`, spec.slice(spec.indexOf('=') + 1)]))
        : { [s.env]: example };
      resolved.push(['environment', pick(parseConfig(gatherConfig([], env)), s.path)]);
    }
    for (const flag of s.flag ? [s.flag, ...(s.flagAliases ?? [])] : []) {
      const example = s.example as string;
      resolved.push([`--${flag} value`, pick(parseConfig(gatherConfig([`--${flag}`, example], {})), s.path)]);
      resolved.push([`--${flag}=value`, pick(parseConfig(gatherConfig([`--${flag}=${example}`], {})), s.path)]);
      if (s.list) resolved.push([`--${flag} repeated`, pick(parseConfig(gatherConfig(example.split(',').flatMap((v) => [`--${flag}`, v]), {})), s.path)]);
    }
    assert.notDeepEqual(resolved[0]![1], pick(defaults, s.path), `${name}: the example differs from the default`);
    for (const [source, value] of resolved) assert.deepEqual(value, resolved[0]![1], `${name} from ${source}`);
  }
});

it('flags beat the environment, which beats the file; short-form faults add up from all three', () => {
  const file = join(dir, 'layered.json');
  writeFileSync(file, JSON.stringify({ port: 1111, faultSpecs: ['api=throttle'], scenarios: ['throttling'] }));
  const cfg = parseConfig(gatherConfig(['--port', '3333', '--fault', 'update=hold'], { LOCALFC_CONFIG: file, LOCALFC_PORT: '2222', LOCALFC_FAULT_PREPARATION: 'error:X', LOCALFC_SCENARIO: 'stuck-pending' }));
  assert.equal(cfg.port, 3333);
  assert.deepEqual(cfg.faultSpecs, ['api=throttle', 'preparation=error:X', 'update=hold']);
  assert.deepEqual(cfg.scenarios, ['stuck-pending']);
  assert.equal(parseConfig(gatherConfig([], { LOCALFC_CONFIG: file, LOCALFC_PORT: '2222' })).port, 2222);
  assert.equal(parseConfig(gatherConfig([], { LOCALFC_PORT: '' })).port, 9000); // an empty variable is not set
});

/** parseConfig's result, or the message it throws. */
const outcome = (parse: () => unknown): unknown => {
  try {
    const v = parse();
    return { value: v, keys: Object.keys(v as object) };
  } catch (e) {
    return { error: (e as Error).message };
  }
};
/** What the schema of every setting (the library's ConfigSchema) makes of the same input, in parseConfig's words. */
const wholeSchema = (raw: unknown): unknown => {
  const r = configSchema().safeParse(raw);
  if (r.success) return r.data;
  throw new Error(`invalid localfc configuration: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
};

it('parseConfig, building only the given settings, gives what the schema of every setting gives: values, defaults, key order, errors', () => {
  const inputs: unknown[] = [
    {},
    { port: 0, log: 'silent' },
    { dataDir: undefined, port: undefined }, // given as undefined: an optional key is kept, a default applies
    { timing: { updateMs: 5 } },
    { timing: {} },
    ...SETTING_LIST.map((s) => nest(s.path, asJson(s))),
    { port: 70000, clock: 'sundial', timing: { updateMs: -1 } }, // several issues, in the table's order
    { timeScale: 0, publicUrl: 'http://x.example/path', accessKeys: 'a:' },
    { timing: 5 },
    null,
    [],
    'port',
  ];
  for (const raw of inputs) assert.deepStrictEqual(outcome(() => parseConfig(raw)), outcome(() => wholeSchema(raw)), JSON.stringify(raw));
  // A default list is the configuration's own, as zod's .default() copies it.
  const [a, b] = [parseConfig({}), parseConfig({})];
  assert.notEqual(a.faults, b.faults);
  assert.notEqual(a.timing, b.timing);
});

it('a configuration builds the schemas of the settings it gives only (a start-up gives a few)', (t) => {
  const built: string[] = [];
  for (const [key, s] of Object.entries(SETTINGS) as Array<[string, SettingSpec & { schema: () => unknown }]>) {
    const schema = s.schema;
    t.mock.method(s, 'schema', () => (built.push(key), schema()));
  }
  parseConfig({ port: 0, log: 'silent', timing: { updateMs: 3 } });
  assert.deepEqual(built, ['port', 'timing', 'log']);
});

it('start() options refuse an unknown key as the config file does, naming the known ones', () => {
  assert.throws(() => parseConfig({ clok: 'manual' }), /unknown key 'clok' \(known: host, port, .*clock/);
});

it("the README's settings table is the one rendered from the table (npm run docs:settings)", () => {
  const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
  const from = readme.indexOf(BEGIN);
  const to = readme.indexOf(END);
  assert.ok(from >= 0 && to > from, 'README.md has the settings table markers');
  assert.equal(readme.slice(from + BEGIN.length, to).trim(), renderSettingsTable(), 'README.md is out of date: run npm run docs:settings');
  for (const s of SETTING_LIST) assert.ok(renderSettingsTable().includes(`| \`${s.path.join('.')}\` |`), s.path.join('.'));
});
