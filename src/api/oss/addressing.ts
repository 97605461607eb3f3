/**
 * @module
 * Which requests on localfc's port are OSS requests, and which bucket and key they address. Decided before any FC
 * route or Host check sees the request, from the Host header and the path only:
 * - virtual-host style: `Host: <bucket>.oss-<region>[-internal].aliyuncs.com` (what ali-oss sends when its endpoint is an
 *   IP address such as `127.0.0.1:9000`: it connects there and names the bucket in Host), `<bucket>.localhost[:port]`
 *   or `<bucket>.<IPv4>[:port]`; the path is the key;
 * - path style: `/<bucket>/<key>` on localfc's own address, when the first segment is a bucket name that is not one
 *   of localfc's own prefixes and the request is signed the OSS way or the bucket exists (so an unknown FC path still
 *   gets FC's `PathNotSupported`, not an OSS error).
 */
import { BUCKET_NAME } from '../../domain/object-store.ts';

export interface OssAddress {
  readonly bucket: string;
  /** Decoded object key; '' addresses the bucket itself; undefined when its percent-encoding is malformed. */
  readonly key: string | undefined;
  readonly style: 'virtual-host' | 'path';
}

/** First path segments localfc's own routes use; such a bucket is reachable in virtual-host style only. */
const LOCALFC_PREFIXES = new Set(['2023-03-30', '2016-08-15', 'fcapp']);

const VIRTUAL_HOST = /^([a-z0-9][a-z0-9-]{1,61}[a-z0-9])\.(oss-[a-z0-9-]+\.aliyuncs\.com|localhost|\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})$/;

export interface AddressedRequest {
  readonly host: string | undefined;
  /** Path as received, percent-encoded. */
  readonly rawPath: string;
  /** Authorization header or the query carry an OSS signature (asked only for path-style candidates). */
  readonly signedForOss: () => boolean;
}

const hostnameOf = (host: string | undefined): string => (host ?? '').replace(/:\d+$/, '').toLowerCase();

export function ossAddress(req: AddressedRequest, bucketExists: (bucket: string) => boolean): OssAddress | undefined {
  const virtual = VIRTUAL_HOST.exec(hostnameOf(req.host));
  if (virtual) {
    return { bucket: virtual[1]!, key: decodeKey(req.rawPath.slice(1)), style: 'virtual-host' };
  }
  const slash = req.rawPath.indexOf('/', 1);
  const bucket = slash < 0 ? req.rawPath.slice(1) : req.rawPath.slice(1, slash);
  if (!BUCKET_NAME.test(bucket) || LOCALFC_PREFIXES.has(bucket)) return undefined;
  if (!bucketExists(bucket) && !req.signedForOss()) return undefined;
  return { bucket, key: decodeKey(slash < 0 ? '' : req.rawPath.slice(slash + 1)), style: 'path' };
}

/** `Authorization: OSS …`/`OSS4-HMAC-SHA256 …`, or a pre-signed URL's query. */
export function isSignedForOss(authorization: string | undefined, rawQuery: string): boolean {
  return /^OSS4?[- ]/.test(authorization ?? '') || /(^|&)(OSSAccessKeyId|x-oss-signature|x-oss-credential)=/.test(rawQuery);
}

function decodeKey(raw: string): string | undefined {
  try {
    return decodeURIComponent(raw);
  } catch {
    return undefined;
  }
}

/**
 * Whether a Host names a bucket in virtual-host style (ossAddress's first test), remembered per Host value: a client
 * uses a handful (bounded, so a flood of names cannot grow it).
 */
export function virtualHostTest(): (host: string | undefined) => boolean {
  const known = new Map<string, boolean>();
  return (host) => {
    if (host === undefined) return false;
    let named = known.get(host);
    if (named === undefined) {
      named = VIRTUAL_HOST.test(hostnameOf(host));
      if (known.size < 1000) known.set(host, named);
    }
    return named;
  };
}

/** Whether the first segment of an absolute URL's path is one of localfc's own prefixes, never a bucket in path style. */
export function underOwnPrefix(url: string): boolean {
  const pathStart = url.indexOf('/', url.indexOf('//') + 2);
  if (pathStart < 0) return false;
  for (const prefix of LOCALFC_PREFIXES) {
    if (!url.startsWith(prefix, pathStart + 1)) continue;
    const end = pathStart + 1 + prefix.length;
    if (end === url.length || url[end] === '/' || url[end] === '?') return true;
  }
  return false;
}
