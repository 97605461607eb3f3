/**
 * @module
 * The environment a function instance gets, as FC documents it ("Configure environment variables", the runtime pages):
 * FC's own variables, credentials as FC injects them, the function's `environmentVariables`, and — for code-package
 * runtimes — the runtime basics (PATH, LANG, HOME, TZ, library and module search paths) with the code at `/code` and
 * layers at `/opt`. Nothing of localfc's own process environment reaches the function.
 */
import type { FunctionConfig } from '../domain/model.ts';
import type { PreparedRevision } from '../domain/ports/backend.ts';

/** What functions with a role see as credentials: recognisable placeholders, never real keys. */
export const PLACEHOLDER_CREDENTIALS = {
  accessKeyId: 'LOCALFC_ACCESS_KEY_ID',
  accessKeySecret: 'LOCALFC_ACCESS_KEY_SECRET',
  securityToken: 'LOCALFC_SECURITY_TOKEN',
} as const;

export type Credentials = { readonly [K in keyof typeof PLACEHOLDER_CREDENTIALS]: string };

const NO_CREDENTIALS: Credentials = { accessKeyId: '', accessKeySecret: '', securityToken: '' };

/**
 * The credentials FC injects in one channel: `env` (ALIBABA_CLOUD_* variables) or `request` (context and x-fc-*
 * headers). Without a role FC has nothing to inject (empty, as a real context recorded without a role shows);
 * `disableInjectCredentials` (None | Env | Request | All) turns a channel off.
 */
export function credentialsFor(config: FunctionConfig, channel: 'env' | 'request'): Credentials {
  const role = config.passthrough.role;
  const disabled = config.passthrough.disableInjectCredentials;
  const off = disabled === 'All' || (channel === 'env' ? disabled === 'Env' : disabled === 'Request');
  return typeof role === 'string' && role !== '' && !off ? PLACEHOLDER_CREDENTIALS : NO_CREDENTIALS;
}

/** FC's runtimes on Debian 11 and later name the version FC_FUNCTION_VERSION; older ones FC_VER_ID (FC's environment-variable page). */
const DEBIAN11_OR_LATER = new Set(['python3.12', 'custom.debian11', 'custom.debian12']);

/** Where one instance runs: its port, and the directories its code sees as /code and /opt. */
export interface InstanceSite {
  readonly instanceId: string;
  readonly port: number;
  /** `/code` and `/opt` in a private mount namespace, the real directories otherwise. */
  readonly codePath: string;
  readonly optPath: string;
  /** Directories of the interpreters standing in for the runtime (host Node.js, Python), so `node`/`python3` resolve to them. */
  readonly interpreterDirs?: readonly string[];
  /** The instance's own temporary directory when it cannot have a /tmp of its own (TMPDIR and HOME name it). */
  readonly tmpPath?: string;
}

/** FC's own variables and the function's: what every instance gets, code package or container. */
export function fcVariables(p: PreparedRevision, instanceId: string, port: number): Record<string, string> {
  const { config, fn } = p;
  const creds = credentialsFor(config, 'env');
  const versionVar = DEBIAN11_OR_LATER.has(config.runtime) ? 'FC_FUNCTION_VERSION' : 'FC_VER_ID';
  return {
    FC_SERVER_PORT: String(port),
    FC_CUSTOM_LISTEN_PORT: String(port),
    FC_RUNTIME_API: `127.0.0.1:${port}`,
    FC_FUNCTION_NAME: fn.functionName,
    FC_FUNCTION_HANDLER: config.handler ?? '',
    FC_FUNCTION_MEMORY_SIZE: String(config.memorySize),
    FC_FUNCTION_TIMEOUT: String(config.timeout),
    FC_REGION: fn.region,
    FC_ACCOUNT_ID: fn.accountId,
    FC_INSTANCE_ID: instanceId,
    FC_QUALIFIER: fn.qualifier,
    [versionVar]: fn.qualifier,
    ...(creds.accessKeyId
      ? { ALIBABA_CLOUD_ACCESS_KEY_ID: creds.accessKeyId, ALIBABA_CLOUD_ACCESS_KEY_SECRET: creds.accessKeySecret, ALIBABA_CLOUD_SECURITY_TOKEN: creds.securityToken }
      : {}),
    ...config.environmentVariables,
  };
}

const SYSTEM_PATH = ['/usr/local/bin', '/usr/local/sbin', '/usr/bin', '/usr/sbin', '/sbin', '/bin'];

/**
 * The whole environment of a code-package instance: the runtime basics FC sets (PATH with /code, /code/bin and
 * /opt/bin; LD_LIBRARY_PATH with /code, /code/lib and /opt/lib; the layer module paths for built-in runtimes only, as FC
 * documents that custom runtimes get none), then FC's variables and the function's own, which win. When the code does
 * not really sit at /code and /opt, those prefixes in the function's own values are rewritten to where it does.
 */
export function codeRuntimeEnvironment(p: PreparedRevision, site: InstanceSite): Record<string, string> {
  const { codePath: code, optPath: opt } = site;
  const runtime = p.config.runtime;
  const path = [...(site.interpreterDirs ?? []).filter((d) => !SYSTEM_PATH.includes(d)), ...SYSTEM_PATH, code, `${code}/bin`, opt, `${opt}/bin`];
  const basics: Record<string, string> = {
    PATH: [...new Set(path)].join(':'),
    LD_LIBRARY_PATH: [code, `${code}/lib`, '/usr/local/lib', `${opt}/lib`].join(':'),
    LANG: 'C.UTF-8',
    TZ: 'UTC',
    HOME: site.tmpPath ?? '/tmp',
    ...(site.tmpPath ? { TMPDIR: site.tmpPath } : {}),
    FC_FUNC_CODE_PATH: code,
    ...(runtime.startsWith('nodejs') ? { NODE_PATH: `${opt}/nodejs/node_modules` } : {}),
    ...(runtime.startsWith('python') ? { PYTHONPATH: `${opt}/python` } : {}),
  };
  const fc = fcVariables(p, site.instanceId, site.port);
  const own = p.config.environmentVariables;
  if (code !== '/code' || opt !== '/opt') for (const [k, v] of Object.entries(own)) fc[k] = rewritePaths(v, code, opt);
  return { ...basics, ...fc };
}

/** `/code…` and `/opt…` at the start of a value or of a `:`-separated entry → the real directories. */
export function rewritePaths(value: string, code: string, opt: string): string {
  return value.replace(/(^|:)\/(code|opt)(?=\/|:|$)/g, (_m, sep: string, dir: string) => sep + (dir === 'code' ? code : opt));
}
