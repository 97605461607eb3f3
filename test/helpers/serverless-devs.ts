/**
 * @module
 * The two clients Serverless Devs' fc3 component uses for a code upload, configured as it configures them
 * (devsapp/fc3 src/resources/fc/impl/client.ts fc2Client, src/resources/fc/index.ts uploadCodeToTmpOss):
 * `@alicloud/fc2` for FC 2.0's GetTempBucketToken, and `ali-oss` for the PutObject of the zip.
 * Both packages are CommonJS without bundled types: they are loaded with require and typed here as far as the tests use them.
 */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

export interface TempBucketToken {
  credentials: { AccessKeyId: string; AccessKeySecret: string; Expiration: string; SecurityToken: string };
  ossRegion: string;
  ossBucket: string;
  objectName: string;
}

export interface Fc2Client {
  readonly accountid: string;
  getTempBucketToken(): Promise<{ headers: Record<string, string>; data: TempBucketToken }>;
}

interface Fc2Constructor {
  new (accountId: string, config: { accessKeyID: string; accessKeySecret: string; region: string; endpoint: string; secure?: boolean; timeout?: number }): Fc2Client;
}

export interface OssResult {
  res: { status: number; headers: Record<string, string> };
}

export interface OssClient {
  put(name: string, file: string | Buffer, options?: { headers?: Record<string, string> }): Promise<OssResult & { name: string }>;
  get(name: string): Promise<OssResult & { content: Buffer }>;
  head(name: string): Promise<OssResult & { status: number; meta: Record<string, string> | null }>;
  delete(name: string): Promise<OssResult>;
  putBucket(name: string): Promise<OssResult & { bucket: string }>;
  deleteBucket(name: string): Promise<OssResult>;
  useBucket(name: string): void;
  signatureUrl(name: string, options?: { expires?: number; method?: string }): string;
}

export interface OssOptions {
  endpoint: string;
  accessKeyId: string;
  accessKeySecret: string;
  stsToken?: string;
  bucket?: string;
  timeout?: string | number;
  region?: string;
  cname?: boolean;
  sldEnable?: boolean;
  authorizationV4?: boolean;
  /** Milliseconds added to the client's clock when it dates a request. */
  amendTimeSkewed?: number;
  refreshSTSToken?: () => Promise<{ accessKeyId: string; accessKeySecret: string; stsToken: string }>;
}

export interface OssError extends Error {
  code: string;
  status: number;
  requestId?: string;
}

const FC2 = require('@alicloud/fc2') as Fc2Constructor;
const OSS = require('ali-oss') as new (options: OssOptions) => OssClient;

/**
 * The FC 2.0 client as fc3's fc2Client builds it, with `FC_CLIENT_CUSTOM_ENDPOINT=http://127.0.0.1:PORT`
 * (getCustomEndpoint keeps the http:// endpoint as given).
 */
export function fc2Client(customEndpoint: string, credentials = { AccountID: '1234567890123456', AccessKeyID: 'any-ak', AccessKeySecret: 'any-secret' }): Fc2Client {
  return new FC2(credentials.AccountID, {
    accessKeyID: credentials.AccessKeyID,
    accessKeySecret: credentials.AccessKeySecret,
    region: 'cn-hangzhou',
    endpoint: customEndpoint,
    secure: true,
    timeout: 60_000,
  });
}

/** ali-oss as fc3's uploadCodeToTmpOss builds it, with `FC_CODE_TEMP_OSS_ENDPOINT` as its endpoint. */
export function ossClientFor(token: TempBucketToken, ossEndpoint: string, extra: Partial<OssOptions> = {}): OssClient {
  return new OSS({
    endpoint: ossEndpoint,
    accessKeyId: token.credentials.AccessKeyId,
    accessKeySecret: token.credentials.AccessKeySecret,
    stsToken: token.credentials.SecurityToken,
    bucket: token.ossBucket,
    timeout: '600000',
    // fc3 passes this refresher too; ali-oss calls it only once the token is 5 minutes old.
    refreshSTSToken: async () => {
      throw new Error('the test never runs long enough for ali-oss to refresh its STS token');
    },
    ...extra,
  });
}

/** ali-oss with plain credentials (a user's own bucket, as Terraform or SDK users upload code). */
export function ossClient(options: OssOptions): OssClient {
  return new OSS(options);
}

/** The error a client call throws. */
export async function clientError<E = OssError>(p: Promise<unknown>): Promise<E> {
  try {
    await p;
  } catch (e) {
    return e as E;
  }
  throw new Error('expected the call to fail');
}
