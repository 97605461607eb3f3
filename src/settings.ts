/**
 * @module
 * Every setting, once: its config-file key and zod schema (also what start() takes), its environment variable, its
 * command-line flag, and the text of `--help` and of the README's settings table (`npm run docs:settings`).
 * Adding a setting is one entry here; config.ts reads flags, environment and file from this table.
 */
import { z } from 'zod';
import { faultRuleSchema } from './domain/faults/rules.ts';

export interface SettingSpec {
  /**
   * The value's schema, without its default: built only when a value is given (config.ts parseConfig). A start-up
   * gives a few settings, and building every one of them was ~120 zod objects (~5 ms) of each start-up.
   */
  readonly schema: () => z.ZodType;
  /** The value when none is given (the schema's `.default()`); without one the setting is unset (`.optional()`). */
  readonly default?: unknown;
  /** Environment variable. `LOCALFC_FAULT_<PHASE>` is a family (see `envFamily`). */
  readonly env?: string;
  /** Flag name without `--`; `--name value` or `--name=value`. */
  readonly flag?: string;
  /** Older flag spellings still accepted. */
  readonly flagAliases?: readonly string[];
  /** The value's placeholder in `--help` (`--port N`); booleans take none (`--strict-registry` alone means true). */
  readonly arg?: string;
  /** A list given as `a,b` in the environment and as a repeatable or comma-separated flag. */
  readonly list?: 'replace' | 'append';
  /** Every `PREFIX<NAME>=value` variable adds `name=value` to the list (short-form faults). */
  readonly envFamily?: string;
  /** start()'s default where it differs from the command line's (the schema's): a free port, no log. */
  readonly startDefault?: unknown;
  /** The README's default column, when the schema's default says too little (`a temporary directory`). */
  readonly defaultDoc?: string;
  /** One line of `--help`. */
  readonly help: string;
  /** The README's meaning column (markdown); the help line when absent. */
  readonly doc?: string;
  /** A valid value other than the default, as the environment or a flag writes it: the settings test gives it through every source. */
  readonly example: unknown;
  /** Notes after the env var and flag in the README (`(comma-separated)`). */
  readonly envDoc?: string;
  readonly flagDoc?: string;
}

/** 'false', '0', 'no', 'off' and '' are false (z.coerce.boolean would call any non-empty string true). */
const bool = () => z.preprocess((v) => (typeof v === 'string' ? !['false', '0', 'no', 'off', ''].includes(v.trim().toLowerCase()) : v), z.boolean());

/** `a.example,b.example` → ['a.example', 'b.example']. */
const commaList = (v: unknown): unknown => (typeof v === 'string' ? v.split(',').map((s) => s.trim()).filter(Boolean) : v);

/** `id:secret,id2:secret2` → [{accessKeyId, accessKeySecret}]; split at the first ':' so a secret may contain one. */
function parseAccessKeys(v: unknown): unknown {
  if (typeof v !== 'string') return v;
  return v.split(',').map((s) => s.trim()).filter(Boolean).map((pair) => {
    const i = pair.indexOf(':');
    return i < 0 ? { accessKeyId: pair, accessKeySecret: '' } : { accessKeyId: pair.slice(0, i), accessKeySecret: pair.slice(i + 1) };
  });
}

const ms = () => z.coerce.number().min(0);

/** The `timing` block of the config file; each also a flag and a variable of its own. */
export const TIMING_SETTINGS = {
  codePreparationMs: {
    example: '42',
    schema: ms, default: 0, env: 'LOCALFC_CODE_PREPARATION_MS', flag: 'code-preparation-ms', arg: 'MS',
    help: 'Pending → Active for code packages (0: Active when CreateFunction returns, as on FC)',
    doc: "Pending → Active (and an update's InProgress → Successful) for code-package functions. `0`: Active when CreateFunction returns, as on FC; more opens a Pending window for testing waiting code",
  },
  containerPreparationMs: {
    example: '43',
    schema: ms, default: 5000, env: 'LOCALFC_CONTAINER_PREPARATION_MS', flag: 'container-preparation-ms', arg: 'MS',
    help: 'Pending → Active for custom-container functions',
    doc: 'Pending → Active for `custom-container` functions',
  },
  updateMs: {
    example: '44',
    schema: ms, default: 1000, env: 'LOCALFC_UPDATE_MS', flag: 'update-ms', arg: 'MS',
    help: 'length of an update of an Active custom-container function',
    doc: 'Length of an update of an Active `custom-container` function (InProgress → Successful); code-package updates take `codePreparationMs`; updating a Failed or Inactive function takes the preparation delay',
  },
  inactiveAfterMs: {
    example: '45',
    schema: ms, default: 14 * 24 * 3600 * 1000, env: 'LOCALFC_INACTIVE_AFTER_MS', flag: 'inactive-after-ms', arg: 'MS', defaultDoc: '`1209600000` (14 days)',
    help: 'a custom container goes Active → Inactive after this long without an invocation',
    doc: 'A `custom-container` function goes Active → Inactive after this long without an invocation (not while a provision or scaling config keeps instances). Code packages never go Inactive by themselves, as on FC; the admin API and the `inactive` fault still make any function Inactive',
  },
  instanceIdleMs: {
    example: '46',
    schema: ms, default: 10 * 60 * 1000, env: 'LOCALFC_INSTANCE_IDLE_MS', flag: 'instance-idle-ms', arg: 'MS', defaultDoc: '`600000` (10 min)',
    help: 'an idle warm instance is reclaimed after this',
  },
  freezeGraceMs: {
    example: '0',
    schema: ms, default: 100, env: 'LOCALFC_FREEZE_GRACE_MS', flag: 'freeze-grace-ms', arg: 'MS',
    help: 'an idle instance is frozen this long after its last response (0: at once)',
    doc: 'An instance is frozen once it has been idle this long (clock time) after its last response, so back-to-back calls pay no freeze and thaw; its background work may run this long after it answered, never longer. `0` freezes right after each response',
  },
} as const satisfies Record<string, SettingSpec>;

/** A setting's schema as the configuration holds it: with its default, else optional. */
type Built<S extends SettingSpec> = S extends { readonly default: unknown } ? z.ZodDefault<ReturnType<S['schema']>> : z.ZodOptional<ReturnType<S['schema']>>;
type Shape<T extends Record<string, SettingSpec>> = { -readonly [K in keyof T]: Built<T[K]> };

/** A setting's schema with its default (zod copies an array or object default per parse), else optional. */
export function settingSchema(s: SettingSpec): z.ZodType {
  return s.default === undefined ? s.schema().optional() : s.schema().default(s.default as never);
}

/** The zod shape of a block of settings (every schema built). */
export function shapeOf<T extends Record<string, SettingSpec>>(settings: T): Shape<T> {
  return Object.fromEntries(Object.entries(settings).map(([key, s]) => [key, settingSchema(s)])) as Shape<T>;
}

/** Each setting's default, for the settings a configuration leaves out (a block's own default is its settings'). */
export function defaultsOf(settings: Record<string, SettingSpec>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(settings).flatMap(([key, s]) => (s.default === undefined ? [] : [[key, s.default]])));
}

/** The config file's top level, in the README's order; `timing` holds TIMING_SETTINGS. */
export const SETTINGS = {
  host: {
    example: '0.0.0.0',
    schema: () => z.string(), default: '127.0.0.1', env: 'LOCALFC_HOST', flag: 'host', arg: 'ADDRESS',
    help: 'address to listen on (0.0.0.0 in a container; then set --admin-token)',
    doc: 'Interface to listen on (the Docker image sets `0.0.0.0`)',
  },
  port: {
    example: '8123',
    schema: () => z.coerce.number().int().min(0).max(65535), default: 9000, startDefault: 0, defaultDoc: '`9000` (CLI), `0` (`start()`)', env: 'LOCALFC_PORT', flag: 'port', arg: 'N',
    help: 'TCP port to listen on; 0 picks a free one',
    doc: 'TCP port; `0` picks a free one',
  },
  region: {
    example: 'cn-beijing', schema: () => z.string(), default: 'cn-hangzhou', env: 'LOCALFC_REGION', flag: 'region', arg: 'REGION', help: 'used in function ARNs' },
  accountId: { example: '999', schema: () => z.string(), default: '1234567890123456', env: 'LOCALFC_ACCOUNT_ID', flag: 'account-id', arg: 'ID', help: 'used in function ARNs' },
  clock: {
    example: 'manual',
    schema: () => z.enum(['real', 'manual']), default: 'real', env: 'LOCALFC_CLOCK', flag: 'clock', arg: 'real|manual',
    help: 'real, or manual (time moves only through POST /_localfc/clock/advance)',
    doc: '`real` or `manual` (time moves only through the admin API)',
  },
  timeScale: {
    example: '0.5',
    // Above 0: a scale of 0 would make the idle timeouts immediate too, so every function would go Inactive at once.
    schema: () => z.coerce.number().gt(0, 'must be above 0 (0 would make idle timeouts immediate too, so every function would go Inactive at once); use a small scale such as 0.001, or clock "manual"'),
    default: 1,
    env: 'LOCALFC_TIME_SCALE', flag: 'time-scale', arg: 'X',
    help: 'real clock: multiply every simulated delay by this (0.01 = a hundred times faster); bounds on real work stay real time',
    doc: 'Real clock: every simulated delay is multiplied by this (`0.1` = ten times faster, `0.001` = a thousand times): preparation, update, idle to Inactive, instance reclaim and freeze, timer triggers, async retries, health-check periods. The bounds FC puts on real work are not scaled, since a process starting or a handler running takes real time whatever the scale: a function\'s `timeout`, the 120 s start-up timeout and probe timeouts stay real time, as the messages say. Must be above 0, since 0 would make idle timeouts immediate too and send every function Inactive at once (use `--clock manual` to stop time)',
  },
  timing: {
    example: {},
    schema: () => z.object(shapeOf(TIMING_SETTINGS)).strict(),
    default: defaultsOf(TIMING_SETTINGS),
    help: 'the delays of function states (each below)',
  },
  backend: {
    example: 'process',
    schema: () => z.enum(['simulated', 'process', 'docker']), default: 'simulated', env: 'LOCALFC_BACKEND', flag: 'backend', arg: 'simulated|process|docker',
    help: 'simulated (echo), process (handlers as local processes) or docker (also custom containers)',
    doc: '`simulated` (echo, no user code), `process` (real handlers as child processes) or `docker` (also runs `custom-container` images); see [Running real handlers](#running-real-handlers---backend-process) and [Container backend](#container-backend---backend-docker)',
  },
  dockerHost: {
    example: 'tcp://10.0.0.1:2375',
    schema: () => z.string().min(1), env: 'DOCKER_HOST', envDoc: '(no `LOCALFC_` prefix)', flag: 'docker-host', arg: 'URL',
    defaultDoc: "the docker CLI's current context, else `unix:///var/run/docker.sock`",
    help: "Docker engine for the docker backend: unix:///path, tcp://host:port (TLS from DOCKER_TLS_VERIFY/DOCKER_CERT_PATH) or ssh://user@host; default: the docker CLI's current context, else the local socket",
    doc: 'Docker engine for the `docker` backend: `unix:///path`, `tcp://host:port` (TLS with `DOCKER_TLS_VERIFY`/`DOCKER_CERT_PATH`) or `ssh://[user@]host[:port]` (the system `ssh` and the remote docker CLI, as `docker -H ssh://…`); see [docs/container-backend.md](docs/container-backend.md)',
  },
  dockerNetworking: {
    example: 'published',
    schema: () => z.enum(['auto', 'bridge', 'published']), default: 'auto', env: 'LOCALFC_DOCKER_NETWORKING', flag: 'docker-networking', arg: 'auto|bridge|published',
    help: "how the docker backend reaches containers: bridge (their IP), published (a port published on the engine's host), auto (bridge for a local Linux engine, else published)",
    doc: "How the `docker` backend reaches containers: `bridge` (their IP on the engine's bridge), `published` (a port published on the engine's host), `auto` (bridge for a local Linux engine on a unix socket, else published); the start-up line says which",
  },
  workDir: {
    example: '/tmp/work',
    schema: () => z.string(), env: 'LOCALFC_WORK_DIR', flag: 'work-dir', arg: 'DIR', defaultDoc: 'a temporary directory',
    help: 'where the process backend unpacks code (default: a temporary directory, removed on stop)',
    doc: 'Where the process backend unpacks code; removed on stop',
  },
  dataDir: {
    example: '/tmp/data',
    schema: () => z.string().min(1), env: 'LOCALFC_DATA_DIR', flag: 'data-dir', arg: 'DIR', defaultDoc: 'unset (nothing is saved)',
    help: 'keep functions, versions, triggers, configs and code across restarts',
    doc: 'Saves state there and restores it on start-up; see [Persistence](#persistence)',
  },
  strictRegistry: {
    example: 'true',
    schema: bool, default: false, env: 'LOCALFC_STRICT_REGISTRY', flag: 'strict-registry',
    help: 'only pushed images exist in the simulated registry',
    doc: 'Only pushed images exist (see below); `false`, `0`, `no` and `off` mean off',
  },
  freezeInstances: {
    example: 'off',
    schema: bool, default: true, env: 'LOCALFC_FREEZE_INSTANCES', flag: 'freeze-instances',
    help: 'freeze idle instances between invocations, as FC does (false: leave them running)',
    doc: 'Freeze idle instances between invocations (SIGSTOP with `process`, `docker pause` with `docker`), as FC does; `false` leaves them running',
  },
  maxInstancesPerFunction: {
    example: '7',
    schema: () => z.coerce.number().int().min(1), default: 100, env: 'LOCALFC_MAX_INSTANCES', flag: 'max-instances', arg: 'N',
    help: 'instances per function; beyond them, with all busy, invocations get 503 (ResourceThrottled)',
    doc: 'When a function has this many instances and all are busy, invocations get `503 ResourceThrottled`',
  },
  maxBodyBytes: {
    example: '2048',
    schema: () => z.coerce.number().int().min(1024),
    default: 100 * 1024 * 1024,
    help: 'request and invocation payload limit (EntityTooLarge)',
    doc: "Request body limit of the API and the OSS (`400 EntityTooLarge`). Invocations keep FC's own payload limits below it: 32 MB for a synchronous invocation, an HTTP trigger request, an admin request and any handler response (`502 BadResponse` beyond), 128 KB for an asynchronous one; a smaller `maxBodyBytes` lowers them too",
  },
  faultSeed: {
    example: '-5',
    schema: () => z.coerce.number().int(), default: 1, env: 'LOCALFC_FAULT_SEED', flag: 'fault-seed', flagAliases: ['faultSeed'], arg: 'N',
    help: 'seed for probabilistic fault rules and canary splits',
    doc: 'Seed for probabilistic fault rules',
  },
  faults: {
    example: [{ match: { phase: 'invocation' }, effect: { type: 'throttle' } }],
    schema: () => z.array(faultRuleSchema()),
    default: [],
    help: 'start-up fault rules',
    doc: 'Start-up fault rules (JSON shape below)',
  },
  faultSpecs: {
    example: 'update=hold,preparation=error:ImageAccessDenied',
    // Short-form start-up faults: `phase=effect`, e.g. `preparation=error:ImageAccessDenied`.
    schema: () => z.array(z.string()), default: [], envFamily: 'LOCALFC_FAULT_', env: 'LOCALFC_FAULT_<PHASE>', flag: 'fault', arg: 'phase=effect', list: 'append',
    flagDoc: '(repeatable, or comma-separated)',
    help: 'a start-up fault, e.g. preparation=error:ImageAccessDenied (repeatable)',
    doc: 'Start-up faults in short form',
  },
  scenarios: {
    example: 'throttling,stuck-pending',
    schema: () => z.array(z.string()), default: [], env: 'LOCALFC_SCENARIO', envDoc: '(comma-separated)', flag: 'scenario', arg: 'NAME', list: 'replace',
    help: 'turn on a named fault scenario (see GET /_localfc/scenarios; repeatable)',
    doc: 'Named fault scenarios turned on at start-up (see below)',
  },
  log: {
    example: 'json',
    schema: () => z.enum(['text', 'json', 'silent']), default: 'text', startDefault: 'silent', defaultDoc: '`text` (CLI), `silent` (`start()`)', env: 'LOCALFC_LOG', flag: 'log', arg: 'text|json|silent',
    help: 'the access log on stderr: text, json (pino records) or silent',
    doc: '`text` (one readable line per request and per invocation; a refused request\'s line, status 400 and up, ends with its request id, the `RequestId` the client\'s error carries, and FC\'s own errors are answers like any other, only a localfc bug is logged as `internal error` with its stack), `json` (the same as [pino](https://getpino.io) records with their fields: `requestId`, `method`, `path`, `status`, `action` (the operation the official SDKs name in `x-acs-action`; empty for a client that sends none), `ms`; invocations `functionName`, `qualifier`, `instanceId`, `coldStart`) or `silent`. The log goes to stderr, written asynchronously (pino\'s destination), lines gathered for up to 100 ms into one write',
  },
  accessKeys: {
    example: 'ak1:s1,ak2:s:2',
    // ACS3 signature verification is on when at least one key is listed.
    schema: () => z.preprocess(parseAccessKeys, z.array(z.object({ accessKeyId: z.string().min(1), accessKeySecret: z.string().min(1) }))),
    default: [],
    env: 'LOCALFC_ACCESS_KEYS', envDoc: '(`id:secret,id2:secret2`)', flag: 'access-keys', arg: 'id:secret,…', flagDoc: '`id:secret,…`', defaultDoc: '`[]` (signatures not checked)',
    help: 'verify ACS3 signatures against these keys',
    doc: 'With at least one key, every FC API request must carry a valid signature: ACS3-HMAC-SHA256 as the official SDKs send it, or a ROA one (`acs <id>:<signature>`) as the FC client of Terraform sends it; in the config file an array of `{accessKeyId, accessKeySecret}`. See [docs/security.md](docs/security.md)',
  },
  adminToken: {
    example: 'tok',
    schema: () => z.string().min(1), env: 'LOCALFC_ADMIN_TOKEN', flag: 'admin-token', arg: 'TOKEN', defaultDoc: 'unset (admin API open)',
    help: 'require it on /_localfc/* (Authorization: Bearer or ?token=)',
    doc: 'When set, `/_localfc/*` (except `/_localfc/health`) needs `Authorization: Bearer <token>` or `?token=`',
  },
  publicUrl: {
    example: 'http://localfc.example:9000',
    schema: () => z.string().url().refine((u) => /^https?:$/.test(new URL(u).protocol) && new URL(u).pathname === '/' && !new URL(u).search, 'an http(s) origin such as http://localhost:9000 (no path)').transform((u) => new URL(u).origin),
    env: 'LOCALFC_PUBLIC_URL', flag: 'public-url', arg: 'URL', defaultDoc: 'the address each connection reached',
    help: 'origin printed in the links localfc hands out (urlInternet, code links), e.g. when a port is mapped',
    doc: 'The origin (`http://host:port`) printed in the links localfc hands out: an HTTP trigger\'s `urlInternet`/`urlIntranet`, GetFunctionCode and layer code links, and the start-up line\'s SDK endpoint and dashboard link. Unset, they name the address and port the connection reached localfc on (never the client\'s `Host` header); set it when clients reach localfc through a mapped port (`docker run -p 9000:9000` → `http://127.0.0.1:9000`)',
  },
  allowedHosts: {
    example: 'a.example,b.example',
    schema: () => z.preprocess(commaList, z.array(z.string().min(1))), default: [], env: 'LOCALFC_ALLOWED_HOSTS', envDoc: '(comma-separated)', flag: 'allowed-hosts', arg: 'a.example,…',
    help: 'host names clients may use besides loopback, IP addresses and the listen address (* for any)',
    doc: 'Host names (and their subdomains) clients may use besides loopback, IP addresses, `*.fcapp.run`, the hostname and the listen address; `*` allows any. Other Hosts get `403 InvalidHost` (DNS rebinding); see [docs/security.md](docs/security.md)',
  },
} as const satisfies Record<string, SettingSpec>;

/** The config file that the other sources are read over. */
export const CONFIG_FILE = { env: 'LOCALFC_CONFIG', flag: 'config', arg: 'FILE', help: 'JSON config file (any key of the settings table; faults, scenarios, timing, ...)' } as const;

/** A setting with its dotted config path (`timing.updateMs`), for the code that walks them all. */
export interface SettingEntry extends SettingSpec {
  readonly path: readonly string[];
}

/** Every leaf setting in table order; the timing block expands to its own entries. */
export const SETTING_LIST: readonly SettingEntry[] = Object.entries(SETTINGS as Record<string, SettingSpec>).flatMap(([key, s]) =>
  key === 'timing' ? Object.entries(TIMING_SETTINGS as Record<string, SettingSpec>).map(([k, t]) => ({ ...t, path: ['timing', k] })) : [{ ...s, path: [key] }],
);

/** start()'s defaults where they differ from the command line's. */
export const START_DEFAULTS: Readonly<Record<string, unknown>> = Object.fromEntries(
  SETTING_LIST.filter((s) => s.startDefault !== undefined && s.path.length === 1).map((s) => [s.path[0]!, s.startDefault]),
);
