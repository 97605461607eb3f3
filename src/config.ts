/**
 * @module
 * Every setting in one zod schema. Sources, lowest to highest precedence: defaults, the JSON config file,
 * LOCALFC_* environment variables, command-line flags. Parsed once, in main.ts or by start().
 */
import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { FaultRuleSchema } from './domain/faults/rules.ts';

/** 'false', '0', 'no' and '' are false (z.coerce.boolean would call any non-empty string true). */
const flag = z.preprocess((v) => (typeof v === 'string' ? !['false', '0', 'no', 'off', ''].includes(v.trim().toLowerCase()) : v), z.boolean());

export const ConfigSchema = z.object({
  host: z.string().default('127.0.0.1'),
  port: z.coerce.number().int().min(0).max(65535).default(9000),
  region: z.string().default('cn-hangzhou'),
  accountId: z.string().default('1234567890123456'),
  /** `real` (wall time × timeScale) or `manual` (only the admin API moves time). */
  clock: z.enum(['real', 'manual']).default('real'),
  /** Above 0: a scale of 0 would make the idle timeouts immediate too, so every function would go Inactive at once. */
  timeScale: z.coerce.number().gt(0, 'must be above 0 (0 would make idle timeouts immediate too, so every function would go Inactive at once); use a small scale such as 0.001, or clock "manual"').default(1),
  timing: z
    .object({
      /** 0: a code-package function is Active when CreateFunction returns, as on FC; more opens a Pending window. */
      codePreparationMs: z.coerce.number().min(0).default(0),
      containerPreparationMs: z.coerce.number().min(0).default(5000),
      updateMs: z.coerce.number().min(0).default(1000),
      inactiveAfterMs: z.coerce.number().min(0).default(14 * 24 * 3600 * 1000),
      instanceIdleMs: z.coerce.number().min(0).default(10 * 60 * 1000),
      /** An instance keeps running this long after its last response before it is frozen (freezeInstances). */
      freezeGraceMs: z.coerce.number().min(0).default(100),
    })
    .strict()
    .default({ codePreparationMs: 0, containerPreparationMs: 5000, updateMs: 1000, inactiveAfterMs: 14 * 24 * 3600 * 1000, instanceIdleMs: 600_000, freezeGraceMs: 100 }),
  /** `simulated` runs no user code; `process` runs handlers as local child processes. */
  backend: z.enum(['simulated', 'process', 'docker']).default('simulated'),
  /** Docker engine for the `docker` backend (env DOCKER_HOST): `unix:///path` or `tcp://host:port`. */
  dockerHost: z.string().default('unix:///var/run/docker.sock'),
  /** Where the process backend unpacks code (default: a temporary directory, removed on stop). */
  workDir: z.string().optional(),
  /** Persistence: functions, versions, aliases, triggers, configs, registry and code survive a restart. */
  dataDir: z.string().min(1).optional(),
  /** Only pushed images exist in the simulated registry. */
  strictRegistry: flag.default(false),
  /** Freeze instances between invocations (SIGSTOP / docker pause), as FC does. */
  freezeInstances: flag.default(true),
  maxInstancesPerFunction: z.coerce.number().int().min(1).default(100),
  maxBodyBytes: z.coerce.number().int().min(1024).default(100 * 1024 * 1024),
  faultSeed: z.coerce.number().int().default(1),
  faults: z.array(FaultRuleSchema).default([]),
  /** Short-form start-up faults from env/CLI: `phase=effect`, e.g. `preparation=error:ImageAccessDenied`. */
  faultSpecs: z.array(z.string()).default([]),
  /** Named scenarios turned on at start-up (see domain/scenarios.ts). */
  scenarios: z.array(z.string()).default([]),
  log: z.enum(['text', 'json', 'silent']).default('text'),
  /** ACS3 signature verification is on when at least one key is listed; env/flag form: `id:secret,id2:secret2`. */
  accessKeys: z.preprocess(parseAccessKeys, z.array(z.object({ accessKeyId: z.string().min(1), accessKeySecret: z.string().min(1) }))).default([]),
  /** When set, /_localfc/* (except health) needs `Authorization: Bearer <token>` or `?token=`. */
  adminToken: z.string().min(1).optional(),
  /**
   * Host names (and their subdomains) clients may use besides loopback, IP addresses and the listen address; '*' allows
   * any. Other Hosts are refused (DNS rebinding). Env/flag form: `a.example,b.example`.
   */
  allowedHosts: z.preprocess((v) => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v), z.array(z.string().min(1))).default([]),
});

/** `id:secret,id2:secret2` → [{accessKeyId, accessKeySecret}]; split at the first ':' so a secret may contain one. */
function parseAccessKeys(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  return v.split(',').map((s) => s.trim()).filter(Boolean).map((pair) => {
    const i = pair.indexOf(':');
    return i < 0 ? { accessKeyId: pair, accessKeySecret: '' } : { accessKeyId: pair.slice(0, i), accessKeySecret: pair.slice(i + 1) };
  });
}

/** The timing block's keys, read from the schema (its default wraps the object). */
const TIMING_KEYS = (ConfigSchema.shape.timing.unwrap() as z.ZodObject).shape;

export type Config = z.infer<typeof ConfigSchema>;
export type ConfigInput = z.input<typeof ConfigSchema>;

const ENV: Record<string, string> = {
  LOCALFC_HOST: 'host',
  LOCALFC_PORT: 'port',
  LOCALFC_REGION: 'region',
  LOCALFC_ACCOUNT_ID: 'accountId',
  LOCALFC_CLOCK: 'clock',
  LOCALFC_TIME_SCALE: 'timeScale',
  LOCALFC_BACKEND: 'backend',
  LOCALFC_STRICT_REGISTRY: 'strictRegistry',
  LOCALFC_FREEZE_INSTANCES: 'freezeInstances',
  LOCALFC_MAX_INSTANCES: 'maxInstancesPerFunction',
  LOCALFC_FAULT_SEED: 'faultSeed',
  LOCALFC_LOG: 'log',
  LOCALFC_WORK_DIR: 'workDir',
  LOCALFC_DATA_DIR: 'dataDir',
  DOCKER_HOST: 'dockerHost',
  LOCALFC_ACCESS_KEYS: 'accessKeys',
  LOCALFC_ADMIN_TOKEN: 'adminToken',
  LOCALFC_ALLOWED_HOSTS: 'allowedHosts',
};
const ENV_TIMING: Record<string, string> = {
  LOCALFC_CODE_PREPARATION_MS: 'codePreparationMs',
  LOCALFC_CONTAINER_PREPARATION_MS: 'containerPreparationMs',
  LOCALFC_UPDATE_MS: 'updateMs',
  LOCALFC_INACTIVE_AFTER_MS: 'inactiveAfterMs',
  LOCALFC_INSTANCE_IDLE_MS: 'instanceIdleMs',
  LOCALFC_FREEZE_GRACE_MS: 'freezeGraceMs',
};

/** Builds the raw config object from file + env + argv; ConfigSchema.parse() then validates it. */
export function gatherConfig(argv: readonly string[], env: Readonly<Record<string, string | undefined>>): Record<string, unknown> {
  const flags = parseFlags(argv);
  const file = flags.config ?? env.LOCALFC_CONFIG;
  const raw: Record<string, unknown> = file ? readConfigFile(file) : {};
  const timing: Record<string, unknown> = { ...(raw.timing as object | undefined) };
  for (const [k, key] of Object.entries(ENV)) if (env[k] !== undefined && env[k] !== '') raw[key] = env[k];
  for (const [k, key] of Object.entries(ENV_TIMING)) if (env[k]) timing[key] = env[k];
  const specs = Object.entries(env).filter(([k, v]) => k.startsWith('LOCALFC_FAULT_') && k !== 'LOCALFC_FAULT_SEED' && v).map(([k, v]) => `${k.slice('LOCALFC_FAULT_'.length).toLowerCase()}=${v}`);
  for (const [key, value] of Object.entries(flags)) {
    if (key === 'config') continue;
    if (!KNOWN_FLAGS.has(key)) throw new Error(`unknown flag --${key} (known: ${[...KNOWN_FLAGS].map((f) => `--${f}`).join(', ')})`);
    if (key === 'fault') specs.push(...value.split(',').filter(Boolean));
    else if (key === 'scenario') raw.scenarios = value.split(',').filter(Boolean);
    else if (key in ENV_TIMING_FLAGS) timing[ENV_TIMING_FLAGS[key]!] = value;
    else raw[FLAG_ALIASES[key] ?? key] = value;
  }
  if (env.LOCALFC_SCENARIO && !flags.scenario) raw.scenarios = env.LOCALFC_SCENARIO.split(',').filter(Boolean);
  if (Object.keys(timing).length) raw.timing = timing;
  if (specs.length) raw.faultSpecs = [...((raw.faultSpecs as string[] | undefined) ?? []), ...specs];
  return raw;
}

const FLAG_ALIASES: Record<string, string> = { 'work-dir': 'workDir', 'data-dir': 'dataDir', 'time-scale': 'timeScale', 'account-id': 'accountId', 'strict-registry': 'strictRegistry', 'freeze-instances': 'freezeInstances', 'max-instances': 'maxInstancesPerFunction', 'fault-seed': 'faultSeed', 'docker-host': 'dockerHost', 'access-keys': 'accessKeys', 'admin-token': 'adminToken', 'allowed-hosts': 'allowedHosts' };
const ENV_TIMING_FLAGS: Record<string, string> = { 'code-preparation-ms': 'codePreparationMs', 'container-preparation-ms': 'containerPreparationMs', 'update-ms': 'updateMs', 'inactive-after-ms': 'inactiveAfterMs', 'instance-idle-ms': 'instanceIdleMs', 'freeze-grace-ms': 'freezeGraceMs' };

const KNOWN_FLAGS = new Set([
  'config', 'fault', 'scenario', 'host', 'port', 'region', 'clock', 'backend', 'log', 'faultSeed',
  ...Object.keys(FLAG_ALIASES),
  ...Object.keys(ENV_TIMING_FLAGS),
]);

function parseFlags(argv: readonly string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument '${a}' (flags look like --port 9000)`);
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(2, eq) : a.slice(2);
    let value = eq > 0 ? a.slice(eq + 1) : argv[i + 1];
    if (eq < 0) {
      if (value === undefined || value.startsWith('--')) value = 'true';
      else i++;
    }
    out[name] = out[name] && (name === 'fault' || name === 'scenario') ? `${out[name]},${value ?? ''}` : (value ?? 'true');
  }
  return out;
}

function readConfigFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read config file ${path}: ${(e as Error).message}`);
  }
  try {
    const v: unknown = JSON.parse(text);
    if (!v || typeof v !== 'object' || Array.isArray(v)) throw new Error('the top level must be an object');
    refuseUnknownKeys(path, v as Record<string, unknown>);
    return v as Record<string, unknown>;
  } catch (e) {
    if (e instanceof UnknownKeyError) throw e;
    throw new Error(`config file ${path} is not valid JSON: ${(e as Error).message}`);
  }
}

class UnknownKeyError extends Error {}

/** A typo in the file (`clok`, `timing.codePreparationMS`) is refused like an unknown flag, never silently ignored. */
function refuseUnknownKeys(path: string, file: Record<string, unknown>): void {
  const check = (obj: Record<string, unknown>, known: readonly string[], prefix: string): void => {
    for (const key of Object.keys(obj)) {
      if (!known.includes(key)) throw new UnknownKeyError(`config file ${path}: unknown key '${prefix}${key}' (known: ${known.map((k) => prefix + k).join(', ')})`);
    }
  };
  check(file, Object.keys(ConfigSchema.shape), '');
  const timing = file.timing;
  if (timing && typeof timing === 'object' && !Array.isArray(timing)) check(timing as Record<string, unknown>, Object.keys(TIMING_KEYS), 'timing.');
}

export function parseConfig(raw: unknown): Config {
  const r = ConfigSchema.safeParse(raw);
  if (!r.success) throw new Error(`invalid localfc configuration: ${r.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`);
  return r.data;
}
