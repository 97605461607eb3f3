/**
 * @module
 * The zip a request's code location names (InputCodeLocation: Create/UpdateFunction, CreateLayerVersion): base64
 * `zipFile`, or `ossBucketName` + `ossObjectName` read from localfc's own OSS, where Serverless Devs, Terraform and SDK
 * users upload it first. A missing bucket or object is FC's `403 AccessDenied` "unable to access object …"
 * (docs/behaviour.md): FC cannot tell a missing object from one it may not read.
 */
import { errors } from '../domain/errors.ts';
import type { ObjectStore } from '../domain/object-store.ts';
import { crc64 } from '../code/crc64.ts';
import { decodeZip } from './to-config.ts';

export interface CodeLocationInput {
  readonly zipFile?: string | undefined;
  readonly ossBucketName?: string | undefined;
  readonly ossObjectName?: string | undefined;
  /** The package's CRC-64 (FC's codeChecksum form): "If checksum is provided, Function Compute checks" it (InputCodeLocation). */
  readonly checksum?: string | undefined;
}

/** The zip, or undefined when the location names none. `zipFile` wins when both forms are given. */
export function codeZip(code: CodeLocationInput | undefined, objects: Pick<ObjectStore, 'hasBucket' | 'find'>): Buffer | undefined {
  const zip = namedZip(code, objects);
  if (zip && code?.checksum) {
    const actual = crc64(zip);
    if (actual !== code.checksum) throw errors.invalidArgument(`code.checksum '${code.checksum}' does not match the code package, whose CRC-64 is '${actual}'`);
  }
  return zip;
}

function namedZip(code: CodeLocationInput | undefined, objects: Pick<ObjectStore, 'hasBucket' | 'find'>): Buffer | undefined {
  if (!code) return undefined;
  if (code.zipFile !== undefined) return decodeZip(code.zipFile);
  const bucket = code.ossBucketName || undefined;
  const key = code.ossObjectName || undefined;
  if (bucket === undefined && key === undefined) return undefined;
  if (bucket === undefined || key === undefined) {
    throw errors.invalidArgument(`code.ossBucketName and code.ossObjectName go together: ${bucket === undefined ? 'ossBucketName' : 'ossObjectName'} is missing`);
  }
  const object = objects.hasBucket(bucket) ? objects.find(bucket, key) : undefined;
  if (!object) throw errors.accessDenied('AccessDenied', `unable to access object '${key}' in bucket '${bucket}': localfc's OSS has no such ${objects.hasBucket(bucket) ? 'object' : 'bucket'} (upload it there first)`);
  return object.body;
}
