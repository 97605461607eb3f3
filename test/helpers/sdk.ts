/**
 * @module
 * The official FC 3.0 SDK pointed at a localfc endpoint, exactly as a user would configure it, and the in-process
 * localfc (port 0) a test starts for it: for a suite (localfcWithClient) or for one block (withLocalfcClient).
 */
import FC, * as $FC from '@alicloud/fc20230330';
import * as $OpenApi from '@alicloud/openapi-client';
import { after, afterEach, before, beforeEach } from 'node:test';
import { Readable } from 'node:stream';
import { start, type RunningLocalfc } from '../../src/index.ts';

export { $FC };
export type FcClient = InstanceType<typeof FC.default>;
// The package is CommonJS: under ESM the default import is module.exports, whose `default` is the client class.
const FcClientClass = ((FC as unknown as { default?: typeof FC.default }).default ?? FC) as typeof FC.default;

/**
 * The SDK's own defaults (about 3 s between bytes) are shorter than a real cold start on a loaded 2-core machine
 * (a process or container starting, an initializer, a health check): a test would fail with `ConnectTimeout` while
 * localfc is still doing its work. A minute still turns a real hang into a failure with the request named.
 */
export const SDK_TIMEOUT_MS = 60_000;

export function sdkClient(endpoint: string, credentials: { accessKeyId: string; accessKeySecret: string } = { accessKeyId: 'any-ak', accessKeySecret: 'any-secret' }): FcClient {
  const config = new $OpenApi.Config({ ...credentials, endpoint, protocol: 'http', connectTimeout: SDK_TIMEOUT_MS, readTimeout: SDK_TIMEOUT_MS });
  return new FcClientClass(config as unknown as ConstructorParameters<typeof FC.default>[0]);
}

type StartOptions = Parameters<typeof start>[0];
type StartDeps = Parameters<typeof start>[1];
/** The deps, or a function that gives them when the server starts (for deps that an earlier hook makes). */
type StartDepsWhenStarting = StartDeps | (() => StartDeps);
type Credentials = Parameters<typeof sdkClient>[1];

/** A started localfc and an official SDK client pointed at it. */
export interface LocalfcWithClient {
  readonly fc: RunningLocalfc;
  readonly client: FcClient;
}

/** A suite's localfc and client; its client can be replaced by a new one (new connections) between steps. */
export interface SuiteLocalfc extends LocalfcWithClient {
  renewClient(): FcClient;
}

/**
 * Starts a localfc of the suite's own (`options` and `deps` as given, port 0) before its tests, with an SDK client for
 * it, and stops it after them even when a test or a later hook failed. `each: true` gives every test a fresh one
 * (beforeEach/afterEach). Hooks the suite registers after this call run once the server is up. Read `fc` and `client`
 * only inside hooks and tests: they are set when the suite runs.
 */
export function localfcWithClient(options: StartOptions, deps?: StartDepsWhenStarting, hooks: { each?: boolean; credentials?: Credentials } = {}): SuiteLocalfc {
  let fc: RunningLocalfc | undefined;
  let client: FcClient | undefined;
  const unset = (what: string) => new Error(`localfcWithClient: ${what} is read before its start hook ran (read it inside a hook or test)`);
  (hooks.each ? beforeEach : before)(async () => {
    fc = await start(options, typeof deps === 'function' ? deps() : deps);
    client = sdkClient(fc.endpoint, hooks.credentials);
  });
  (hooks.each ? afterEach : after)(async () => {
    const running = fc;
    fc = client = undefined;
    await running?.stop();
  });
  return {
    get fc() {
      if (!fc) throw unset('fc');
      return fc;
    },
    get client() {
      if (!client) throw unset('client');
      return client;
    },
    renewClient() {
      if (!fc) throw unset('fc');
      return (client = sdkClient(fc.endpoint, hooks.credentials));
    },
  };
}

/** Runs `body` against a localfc started for it (port 0) and an SDK client, and stops the server even when it throws. */
export async function withLocalfcClient<T>(options: StartOptions, body: (started: LocalfcWithClient) => Promise<T>, deps?: StartDeps): Promise<T> {
  const fc = await start(options, deps);
  try {
    return await body({ fc, client: sdkClient(fc.endpoint) });
  } finally {
    await fc.stop();
  }
}

export async function readBody(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(Buffer.from(c as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}

/** The SDK's error for a failed call: its code, status and parsed body. */
export async function sdkError(p: Promise<unknown>): Promise<{ code: string; statusCode: number; data: { Code: string; Message: string; RequestId: string } }> {
  try {
    await p;
  } catch (e) {
    return e as { code: string; statusCode: number; data: { Code: string; Message: string; RequestId: string } };
  }
  throw new Error('expected the SDK call to fail');
}

/** InvokeFunction's body: the SDK takes a stream, not a Buffer. */
export function event(body: string | Buffer): Readable {
  return Readable.from([Buffer.from(body)]);
}
