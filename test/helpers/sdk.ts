/**
 * @module
 * The official FC 3.0 SDK pointed at a localfc endpoint, exactly as a user would configure it.
 */
import FC, * as $FC from '@alicloud/fc20230330';
import * as $OpenApi from '@alicloud/openapi-client';
import { Readable } from 'node:stream';

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
