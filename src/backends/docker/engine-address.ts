/**
 * @module
 * Which Docker engine to talk to, as the docker CLI decides it: the dockerHost setting (DOCKER_HOST), else the CLI's
 * current context (DOCKER_CONTEXT, else `currentContext` in $DOCKER_CONFIG/config.json, its endpoint and TLS files
 * under contexts/), else the standard socket. TLS for tcp:// from DOCKER_TLS_VERIFY / DOCKER_TLS and DOCKER_CERT_PATH.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export const DEFAULT_DOCKER_HOST = 'unix:///var/run/docker.sock';

export interface EngineTls {
  readonly ca?: Buffer;
  readonly cert?: Buffer;
  readonly key?: Buffer;
  /** Verify the engine's certificate against `ca` (DOCKER_TLS_VERIFY); false only with DOCKER_TLS or a context's SkipTLSVerify. */
  readonly verify: boolean;
}

export interface EngineAddress {
  /** `unix:///path`, `tcp://host:port` or `ssh://user@host`. */
  readonly host: string;
  /** Where the address came from, for messages and the start-up line. */
  readonly source: string;
  readonly tls?: EngineTls;
  /** Options put before ssh's own for an ssh:// engine (`-F config`, `-i key`), as the docker CLI's library callers pass them. */
  readonly sshOptions?: readonly string[];
}

type Env = Readonly<Record<string, string | undefined>>;

const readIf = (path: string): Buffer | undefined => (existsSync(path) ? readFileSync(path) : undefined);

function tlsFiles(dir: string, verify: boolean): EngineTls {
  const ca = readIf(join(dir, 'ca.pem'));
  const cert = readIf(join(dir, 'cert.pem'));
  const key = readIf(join(dir, 'key.pem'));
  return { verify, ...(ca ? { ca } : {}), ...(cert ? { cert } : {}), ...(key ? { key } : {}) };
}

/** TLS as the docker CLI reads it from the environment: DOCKER_TLS_VERIFY (verify) or DOCKER_TLS (encrypt only). */
function envTls(env: Env, configDir: string): EngineTls | undefined {
  const on = (v: string | undefined): boolean => v !== undefined && v !== '' && v !== '0' && v.toLowerCase() !== 'false';
  const verify = on(env.DOCKER_TLS_VERIFY);
  if (!verify && !on(env.DOCKER_TLS)) return undefined;
  return tlsFiles(env.DOCKER_CERT_PATH || configDir, verify);
}

/** The current context's endpoint, if the CLI config names one other than "default". */
function contextAddress(env: Env, configDir: string): EngineAddress | undefined {
  let name = env.DOCKER_CONTEXT;
  if (!name) {
    try {
      name = (JSON.parse(readFileSync(join(configDir, 'config.json'), 'utf8')) as { currentContext?: string }).currentContext;
    } catch {
      return undefined;
    }
  }
  if (!name || name === 'default') return undefined;
  const id = createHash('sha256').update(name).digest('hex');
  let meta: { Endpoints?: { docker?: { Host?: string; SkipTLSVerify?: boolean } } };
  try {
    meta = JSON.parse(readFileSync(join(configDir, 'contexts', 'meta', id, 'meta.json'), 'utf8')) as typeof meta;
  } catch (e) {
    throw new Error(`the docker CLI's current context '${name}' has no readable meta.json under ${join(configDir, 'contexts', 'meta', id)}: ${(e as Error).message}`);
  }
  const endpoint = meta.Endpoints?.docker;
  if (!endpoint?.Host) throw new Error(`the docker CLI's current context '${name}' names no docker endpoint`);
  const tlsDir = join(configDir, 'contexts', 'tls', id, 'docker');
  const tls = existsSync(tlsDir) || endpoint.SkipTLSVerify ? tlsFiles(tlsDir, !endpoint.SkipTLSVerify) : undefined;
  return { host: endpoint.Host, source: `docker context ${name}`, ...(tls ? { tls } : {}) };
}

/**
 * `setting`: the dockerHost setting (which DOCKER_HOST feeds); undefined falls back to the CLI's context, then the
 * standard socket. TLS settings from the environment apply to a tcp:// address that did not come from a context.
 */
export function resolveEngineAddress(setting: string | undefined, env: Env = process.env, home = homedir()): EngineAddress {
  const configDir = env.DOCKER_CONFIG || join(home, '.docker');
  const fromContext = setting ? undefined : contextAddress(env, configDir);
  if (fromContext) return fromContext;
  const host = setting || DEFAULT_DOCKER_HOST;
  const tls = host.startsWith('tcp://') ? envTls(env, configDir) : undefined;
  return { host, source: setting ? 'dockerHost' : 'default', ...(tls ? { tls } : {}) };
}
