/**
 * @module
 * Reads the settings table (settings.ts) from its sources, lowest to highest precedence: defaults, the JSON config
 * file, environment variables, command-line flags (node:util parseArgs). Parsed once, in main.ts or by start().
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { CONFIG_FILE, SETTINGS, SETTING_LIST, type SettingEntry, type SettingSpec, START_DEFAULTS, TIMING_SETTINGS, settingSchema, shapeOf } from './settings.ts';

/** The whole configuration's schema, every setting's built (parseConfig builds only the given settings' part). */
export function configSchema() {
  return z.object(shapeOf(SETTINGS));
}

export type Config = z.infer<ReturnType<typeof configSchema>>;
export type ConfigInput = z.input<ReturnType<typeof configSchema>>;

const FLAGS = new Map<string, SettingEntry>(SETTING_LIST.flatMap((s) => (s.flag ? [s.flag, ...(s.flagAliases ?? [])].map((f) => [f, s] as const) : [])));
const KNOWN_FLAGS = [CONFIG_FILE.flag, ...FLAGS.keys()];
/** Variables of settings, so a family (`LOCALFC_FAULT_<PHASE>`) does not take `LOCALFC_FAULT_SEED`. */
const SETTING_ENVS = new Set(SETTING_LIST.flatMap((s) => (s.env && !s.envFamily ? [s.env] : [])));

/**
 * Which settings environment variables or flags gave at start-up (not the config file): setting key → the index of
 * its first value from there (0 but for a list the file began; `append` lists hold the file's items first).
 */
export type StartupOrigins = Record<string, number>;

/** Builds the raw config object from file + env + argv; parseConfig() then validates it. `origins` is filled in. */
export function gatherConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>, origins: StartupOrigins = {}): Record<string, unknown> {
  const flags = readFlags(argv);
  const file = (flags[CONFIG_FILE.flag] as string | undefined) ?? env[CONFIG_FILE.env];
  const raw: Record<string, unknown> = file ? readConfigFile(file) : {};
  for (const s of SETTING_LIST) {
    const fromEnv = envValue(s, env);
    const given = [s.flag, ...(s.flagAliases ?? [])].map((f) => (f ? flags[f] : undefined)).filter((v) => v !== undefined);
    const fromFlag = s.list ? (given.length ? given.flat().flatMap(splitList) : undefined) : given.at(-1);
    if (fromEnv === undefined && fromFlag === undefined) continue;
    origins[s.path.join('.')] = s.list === 'append' ? ((get(raw, s.path) as unknown[] | undefined)?.length ?? 0) : 0;
    if (s.list === 'append') set(raw, s.path, [...((get(raw, s.path) as unknown[] | undefined) ?? []), ...((fromEnv as string[] | undefined) ?? []), ...((fromFlag as string[] | undefined) ?? [])]);
    else set(raw, s.path, fromFlag ?? fromEnv);
  }
  return raw;
}

function envValue(s: SettingEntry, env: Readonly<Record<string, string | undefined>>): unknown {
  if (s.envFamily) {
    const family = s.envFamily;
    const found = Object.entries(env).filter(([k, v]) => k.startsWith(family) && !SETTING_ENVS.has(k) && v);
    return found.length ? found.map(([k, v]) => `${k.slice(family.length).toLowerCase()}=${v}`) : undefined;
  }
  const v = s.env ? env[s.env] : undefined;
  if (v === undefined || v === '') return undefined;
  return s.list ? splitList(v) : v;
}

const splitList = (v: string): string[] => v.split(',').filter(Boolean);

function get(obj: Record<string, unknown>, path: readonly string[]): unknown {
  return path.reduce<unknown>((o, k) => (o && typeof o === 'object' ? (o as Record<string, unknown>)[k] : undefined), obj);
}

function set(obj: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let o = obj;
  for (const k of path.slice(0, -1)) o = (o[k] = { ...(o[k] as object | undefined) }) as Record<string, unknown>;
  o[path.at(-1)!] = value;
}

/** `--name value` or `--name=value`; a flag with no value means true (`--strict-registry`), as the README says. */
function readFlags(argv: readonly string[]): Record<string, string | string[]> {
  // Joined to `--name=value` first: parseArgs alone would take `--port --host x` as port '--host' and refuse `--fault-seed -5`.
  const args: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}' (flags look like --port 9000)`);
    const next = argv[i + 1];
    args.push(a.includes('=') ? a : next === undefined || next.startsWith('--') ? `${a}=true` : `${a}=${argv[++i]}`);
  }
  const options = Object.fromEntries(KNOWN_FLAGS.map((f) => [f, { type: 'string' as const, multiple: FLAGS.get(f)?.list !== undefined }]));
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values as Record<string, string | string[]>;
  } catch (e) {
    const offender = /'([^']*)'/.exec((e as Error).message)?.[1] ?? '';
    const code = (e as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new Error(`unknown flag ${offender} (known: ${KNOWN_FLAGS.map((f) => `--${f}`).join(', ')})`);
    throw e;
  }
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  let v: unknown;
  try {
    v = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the top level must be an object');
  } catch (e) {
    throw new Error(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
  const unknown = unknownKey(v as Record<string, unknown>);
  if (unknown) throw new Error(`config file ${path}: ${unknown}`);
  return v as Record<string, unknown>;
}

/** A typo (`clok`, `timing.codePreparationMS`) is refused like an unknown flag, never silently ignored. */
function unknownKey(input: Record<string, unknown>): string | undefined {
  const check = (obj: Record<string, unknown>, known: readonly string[], prefix: string): string | undefined => {
    const key = Object.keys(obj).find((k) => !known.includes(k));
    return key === undefined ? undefined : `unknown key '${prefix}${key}' (known: ${known.map((k) => prefix + k).join(', ')})`;
  };
  const timing = input.timing;
  return check(input, Object.keys(SETTINGS), '') ?? (timing && typeof timing === 'object' && !Array.isArray(timing) ? check(timing as Record<string, unknown>, Object.keys(TIMING_SETTINGS), 'timing.') : undefined);
}

/** Validates start()'s options or the gathered sources: unknown keys and bad values, each named. */
export function parseConfig(raw: unknown): Config {
  const input = raw && typeof raw === 'object' && !Array.isArray(raw) ? (raw as Record<string, unknown>) : undefined;
  const unknown = input && unknownKey(input);
  if (unknown) throw new Error(`invalid localfc configuration: ${unknown}`);
  // Only the given settings' schemas are built, in the table's order (the issues' order); the others take their default,
  // as the object schema over every setting gave it them. Anything but an object is refused by that whole schema.
  const given = input && (Object.entries(SETTINGS) as Array<[string, SettingSpec]>).filter(([key]) => key in input);
  const schema = given ? z.object(Object.fromEntries(given.map(([key, s]) => [key, settingSchema(s)]))) : configSchema();
  // Parsed once per start: zod's JIT (code generated per object schema with new Function) costs more than it saves here.
  const r = schema.safeParse(raw, { jitless: true });
  if (!r.success) throw new Error(`invalid localfc configuration: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  if (!given) return r.data as Config;
  const parsed = r.data as Record<string, unknown>;
  return Object.fromEntries(
    (Object.entries(SETTINGS) as Array<[string, SettingSpec]>).flatMap(([key, s]) => (key in parsed ? [[key, parsed[key]]] : s.default === undefined ? [] : [[key, shallowCopy(s.default)]])),
  ) as Config;
}

/** A default as zod's `.default()` gives it: an array or object copied, so no two configurations share one. */
function shallowCopy(v: unknown): unknown {
  return Array.isArray(v) ? [...v] : v && typeof v === 'object' ? { ...v } : v;
}

/** start()'s options over its defaults (a free port, no log). */
export function parseStartOptions(options: ConfigInput): Config {
  return parseConfig({ ...START_DEFAULTS, ...options });
}

/** The command line's defaults for what start() defaults differently (port 9000, the text log). */
export function cliDefaults(): Record<string, unknown> {
  return Object.fromEntries(Object.keys(START_DEFAULTS).map((k) => [k, (SETTINGS as Record<string, SettingSpec>)[k]!.default]));
}
