/**
 * @module
 * localfc's own minimal OSS: buckets of immutable objects in memory (persisted as blobs with `--data-dir`), enough for a
 * code package to be uploaded (Serverless Devs' temporary bucket, or a bucket of the user's) and read back by
 * Create/UpdateFunction and CreateLayerVersion. OSS errors are their own small catalogue here: OSS is another service,
 * with its own codes and an XML error body (rendered by api/oss), not FC's `{Code, Message, RequestId}`.
 */
import { createHash } from 'node:crypto';
import type { Clock } from '../clock.ts';
import { crc64 } from '../code/crc64.ts';

export class OssError extends Error {
  constructor(
    readonly code: string,
    readonly status: number,
    message: string,
    /** Extra elements of the XML error body (BucketName, Key, …), as OSS adds them. */
    readonly details: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'OssError';
  }
}

/** OSS's codes and messages, as OSS's error reference words them. */
export const ossErrors = {
  noSuchBucket: (bucket: string) => new OssError('NoSuchBucket', 404, 'The specified bucket does not exist.', { BucketName: bucket }),
  noSuchKey: (bucket: string, key: string) => new OssError('NoSuchKey', 404, 'The specified key does not exist.', { BucketName: bucket, Key: key }),
  bucketAlreadyExists: (bucket: string) => new OssError('BucketAlreadyExists', 409, 'The requested bucket name is not available.', { BucketName: bucket }),
  bucketNotEmpty: (bucket: string) => new OssError('BucketNotEmpty', 409, 'The bucket you tried to delete is not empty.', { BucketName: bucket }),
  invalidBucketName: (bucket: string) => new OssError('InvalidBucketName', 400, 'The specified bucket is not valid.', { BucketName: bucket }),
  invalidObjectName: (key: string) => new OssError('InvalidObjectName', 400, 'The name of the object is not valid (1-1023 bytes of UTF-8).', { Key: key }),
  entityTooLarge: (limit: number) => new OssError('EntityTooLarge', 400, `Your proposed upload exceeds the maximum allowed size (${limit} bytes on this localfc).`),
  invalidDigest: () => new OssError('InvalidDigest', 400, 'The Content-MD5 you specified is not valid.'),
  badDigest: () => new OssError('InvalidDigest', 400, 'The Content-MD5 you specified did not match what was received.'),
  accessDenied: (message: string) => new OssError('AccessDenied', 403, message),
  invalidAccessKeyId: (id: string) => new OssError('InvalidAccessKeyId', 403, 'The OSS Access Key Id you provided does not exist in our records.', { OSSAccessKeyId: id }),
  methodNotAllowed: (method: string) => new OssError('MethodNotAllowed', 405, `The specified method (${method}) is not allowed against this resource on localfc's OSS.`),
  notImplemented: (what: string) => new OssError('NotImplemented', 501, `localfc's OSS does not implement ${what}; it stores code packages only (PutObject, GetObject, HeadObject, DeleteObject, PutBucket, DeleteBucket).`),
} as const;

export interface StoredObject {
  readonly bucket: string;
  readonly key: string;
  readonly body: Buffer;
  /** `"<md5 hex, upper case>"`, quotes included, as OSS returns it for a simple upload. */
  readonly etag: string;
  readonly contentType: string;
  /** CRC-64/ECMA-182 as a decimal string (`x-oss-hash-crc64ecma`). */
  readonly crc64: string;
  readonly lastModified: number;
  /** `x-oss-meta-*` headers, names lower case without the prefix. */
  readonly meta: Readonly<Record<string, string>>;
}

export type ObjectStoreState = ReadonlyArray<{ bucket: string; createdAt: number; objects: ReadonlyArray<StoredObject> }>;

/** The bucket GetTempBucketToken hands out (FC's own temporary code bucket on the cloud); it always exists. */
export const TEMP_CODE_BUCKET = 'localfc-temp-code';

/** OSS bucket naming: 3-63 lower-case letters, digits and hyphens, starting and ending with a letter or digit. */
export const BUCKET_NAME = /^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$/;

export function isValidKey(key: string): boolean {
  const bytes = Buffer.byteLength(key);
  return bytes >= 1 && bytes <= 1023 && !key.startsWith('/') && !key.startsWith('\\');
}

/** An object created or removed, as OSS event notifications (and so OSS triggers) name it. */
export interface ObjectChange {
  readonly eventName: 'ObjectCreated:PutObject' | 'ObjectRemoved:DeleteObject';
  readonly object: StoredObject;
  /** The size the object had before (0 when there was none). */
  readonly previousSize: number;
}

export class ObjectStore {
  readonly #buckets = new Map<string, { createdAt: number; objects: Map<string, StoredObject> }>();
  readonly #listeners = new Set<(change: ObjectChange) => void>();

  constructor(
    private readonly deps: {
      readonly clock: Clock;
      /** Buckets that always exist (the temporary code bucket); they come back after a reset. */
      readonly builtInBuckets: readonly string[];
    },
  ) {
    this.reset();
  }

  hasBucket(bucket: string): boolean {
    return this.#buckets.has(bucket);
  }

  createBucket(bucket: string): void {
    if (!BUCKET_NAME.test(bucket)) throw ossErrors.invalidBucketName(bucket);
    // OSS answers 409 BucketAlreadyExists when the name is taken by anyone, the owner included.
    if (this.#buckets.has(bucket)) throw ossErrors.bucketAlreadyExists(bucket);
    this.#buckets.set(bucket, { createdAt: this.deps.clock.now(), objects: new Map() });
  }

  deleteBucket(bucket: string): void {
    const b = this.#bucket(bucket);
    if (b.objects.size > 0) throw ossErrors.bucketNotEmpty(bucket);
    this.#buckets.delete(bucket);
  }

  /** Stores a fully received body under `key`, replacing what was there (OSS objects are overwritten whole). */
  put(bucket: string, key: string, body: Buffer, opts: { contentType?: string | undefined; meta?: Record<string, string> } = {}): StoredObject {
    const b = this.#bucket(bucket);
    if (!isValidKey(key)) throw ossErrors.invalidObjectName(key);
    const object: StoredObject = {
      bucket,
      key,
      body,
      etag: `"${createHash('md5').update(body).digest('hex').toUpperCase()}"`,
      contentType: opts.contentType || 'application/octet-stream',
      crc64: crc64(body),
      lastModified: this.deps.clock.now(),
      meta: opts.meta ?? {},
    };
    const previous = b.objects.get(key);
    b.objects.set(key, object);
    this.#changed({ eventName: 'ObjectCreated:PutObject', object, previousSize: previous?.body.length ?? 0 });
    return object;
  }

  /** Tells `listener` of every object put or deleted from now on (OSS triggers); returns the unsubscribe. */
  onChange(listener: (change: ObjectChange) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  #changed(change: ObjectChange): void {
    for (const listener of this.#listeners) listener(change);
  }

  get(bucket: string, key: string): StoredObject {
    const object = this.find(bucket, key);
    if (!object) throw ossErrors.noSuchKey(bucket, key);
    return object;
  }

  /** The object, or undefined when the bucket has no such key (a missing bucket is still NoSuchBucket). */
  find(bucket: string, key: string): StoredObject | undefined {
    return this.#bucket(bucket).objects.get(key);
  }

  /** OSS's DeleteObject succeeds (204) whether or not the object existed; only a missing bucket is an error. */
  delete(bucket: string, key: string): void {
    const objects = this.#bucket(bucket).objects;
    const object = objects.get(key);
    objects.delete(key);
    // OSS notifies a deletion only of an object that was there.
    if (object) this.#changed({ eventName: 'ObjectRemoved:DeleteObject', object, previousSize: object.body.length });
  }

  /** The objects of a bucket, by key (ListObjects). */
  list(bucket: string, prefix = ''): StoredObject[] {
    return [...this.#bucket(bucket).objects.values()].filter((o) => o.key.startsWith(prefix)).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  }

  exportState(): ObjectStoreState {
    return [...this.#buckets].map(([bucket, b]) => ({ bucket, createdAt: b.createdAt, objects: [...b.objects.values()] }));
  }

  importState(state: ObjectStoreState): void {
    for (const b of state) this.#buckets.set(b.bucket, { createdAt: b.createdAt, objects: new Map(b.objects.map((o) => [o.key, o])) });
  }

  /** Empties the store; the built-in buckets exist again, empty. */
  reset(): void {
    this.#buckets.clear();
    for (const name of this.deps.builtInBuckets) this.#buckets.set(name, { createdAt: this.deps.clock.now(), objects: new Map() });
  }

  #bucket(bucket: string): { objects: Map<string, StoredObject> } {
    const b = this.#buckets.get(bucket);
    if (!b) throw ossErrors.noSuchBucket(bucket);
    return b;
  }
}
