/**
 * @module
 * Server-side verification of OSS request signatures in the Authorization header, as ali-oss (and OSS's other SDKs) sign:
 * - V1: `OSS <AccessKeyId>:<base64 HMAC-SHA1>` over `VERB\nContent-MD5\nContent-Type\nDate\n<x-oss-* headers>/<bucket>/<key>[?subresources]`
 *   (ali-oss puts its `x-oss-date` where the Date goes; other SDKs the Date header: either is accepted);
 * - V4: `OSS4-HMAC-SHA256 Credential=<id>/<yyyymmdd>/<region>/oss/aliyun_v4_request[,AdditionalHeaders=a;b],Signature=<hex>`.
 * Both checked against the bucket and key the request addresses, so path-style and virtual-host requests verify alike.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { DEFAULT_MAX_SKEW_MS, rfc3986 } from './acs3.ts';

export interface OssSignedRequest {
  readonly method: string;
  readonly bucket: string;
  /** The object key, decoded; '' for a bucket operation. */
  readonly key: string;
  /** Query string as received, without the leading '?'. */
  readonly rawQuery: string;
  /** Header values keyed by lower-case name. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export interface OssCredentialLookup {
  /** The secret of a key, and the security token it must come with (temporary credentials), or undefined when unknown. */
  find(accessKeyId: string): { secret: string; securityToken?: string; expired?: boolean } | undefined;
  /** Server time, ms since the epoch. */
  readonly now: number;
}

export type OssVerdict =
  | { ok: true; accessKeyId: string }
  | { ok: false; code: 'AccessDenied' | 'InvalidAccessKeyId' | 'SignatureDoesNotMatch' | 'RequestTimeTooSkewed' | 'SecurityTokenExpired' | 'InvalidSecurityToken'; message: string; accessKeyId?: string };

/** The sub-resources OSS includes in a V1 canonical resource (OSS API reference, "Include signatures in the Authorization header"). */
const V1_SUBRESOURCES = new Set([
  'acl', 'uploads', 'location', 'cors', 'logging', 'website', 'referer', 'lifecycle', 'delete', 'append', 'tagging', 'objectMeta',
  'uploadId', 'partNumber', 'security-token', 'position', 'img', 'style', 'styleName', 'replication', 'replicationProgress',
  'replicationLocation', 'cname', 'bucketInfo', 'comp', 'qos', 'live', 'status', 'vod', 'startTime', 'endTime', 'symlink',
  'x-oss-process', 'response-content-type', 'x-oss-traffic-limit', 'response-content-language', 'response-expires',
  'response-cache-control', 'response-content-disposition', 'response-content-encoding', 'udf', 'udfName', 'udfImage',
  'udfId', 'udfImageDesc', 'udfApplication', 'udfApplicationLog', 'restore', 'callback', 'callback-var', 'continuation-token',
  'versionId', 'versioning', 'versions', 'worm', 'wormId', 'wormExtend', 'inventory', 'inventoryId', 'policy', 'encryption',
  'requestPayment', 'stat', 'regionList', 'objectInfo', 'resourceGroup', 'transferAcceleration',
]);

/** Query parameters as sent: decoded, and `null` for a name without '=' (OSS and ali-oss tell `?acl` from `?acl=`). */
function queryPairs(rawQuery: string): Array<[string, string | null]> {
  const pairs: Array<[string, string | null]> = [];
  for (const part of rawQuery.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    const decode = (s: string): string => {
      try {
        return decodeURIComponent(s.replace(/\+/g, ' '));
      } catch {
        return s;
      }
    };
    pairs.push(eq < 0 ? [decode(part), null] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))]);
  }
  return pairs;
}

function ossHeaders(headers: OssSignedRequest['headers']): string[] {
  return Object.keys(headers)
    .filter((k) => k.startsWith('x-oss-'))
    .sort()
    .map((k) => `${k}:${(headers[k] ?? '').trim()}`);
}

export function v1StringToSign(req: OssSignedRequest, date: string): string {
  const sub = queryPairs(req.rawQuery)
    .filter(([k]) => V1_SUBRESOURCES.has(k))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([k, v]) => (v ? `${k}=${v}` : k));
  const resource = `/${req.bucket}/${req.key}${sub.length ? `?${sub.join('&')}` : ''}`;
  const h = (name: string): string => req.headers[name] ?? '';
  return [req.method, h('content-md5'), h('content-type'), date, ...ossHeaders(req.headers), resource].join('\n');
}

export function v4CanonicalRequest(req: OssSignedRequest, additional: readonly string[]): string {
  const query = queryPairs(req.rawQuery)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => (v === null ? rfc3986(k) : `${rfc3986(k)}=${rfc3986(v)}`))
    .join('&');
  const signed = new Set(additional);
  for (const k of Object.keys(req.headers)) if (k === 'content-type' || k === 'content-md5' || k.startsWith('x-oss-')) signed.add(k);
  const headers = [...signed].sort().map((k) => `${k}:${(req.headers[k] ?? '').trim()}\n`).join('');
  const uri = rfc3986(`/${req.bucket}/${req.key}`).replace(/%2F/g, '/');
  return [req.method, uri, query, headers, additional.join(';'), req.headers['x-oss-content-sha256'] ?? 'UNSIGNED-PAYLOAD'].join('\n');
}

export function v4Signature(secret: string, date: string, region: string, stringToSign: string): string {
  const hmac = (key: string | Buffer, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`aliyun_v4${secret}`, date), region), 'oss'), 'aliyun_v4_request');
  return createHmac('sha256', signingKey).update(stringToSign).digest('hex');
}

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

const V4_AUTH = /^OSS4-HMAC-SHA256 Credential=([^/,\s]+)\/(\d{8})\/([^/,\s]+)\/oss\/aliyun_v4_request,\s*(?:AdditionalHeaders=([^,\s]*),\s*)?Signature=([0-9a-f]{64})$/;

/** Checks the request's Authorization header; a request without one is anonymous, which needs no key but opens nothing here. */
export function verifyOss(req: OssSignedRequest, creds: OssCredentialLookup, maxSkewMs = DEFAULT_MAX_SKEW_MS): OssVerdict {
  const auth = req.headers.authorization?.trim();
  if (!auth) return { ok: false, code: 'AccessDenied', message: 'You have no right to access this object because of bucket acl (anonymous request; sign it with an access key).' };
  const v1 = /^OSS ([^:\s]+):(\S+)$/.exec(auth);
  const v4 = v1 ? undefined : V4_AUTH.exec(auth);
  if (!v1 && !v4) return { ok: false, code: 'AccessDenied', message: `Authorization header is invalid: expected 'OSS <AccessKeyId>:<Signature>' or 'OSS4-HMAC-SHA256 Credential=…'.` };
  const accessKeyId = (v1?.[1] ?? v4?.[1])!;

  const dates = [req.headers['x-oss-date'], req.headers.date].filter((d): d is string => !!d);
  const times = dates.map(parseOssDate).filter((t) => !Number.isNaN(t));
  if (times.length === 0 || times.every((t) => Math.abs(creds.now - t) > maxSkewMs)) {
    return { ok: false, code: 'RequestTimeTooSkewed', message: `The difference between the request time (${dates.join(', ') || 'none'}) and the current time is too large.` };
  }

  const found = creds.find(accessKeyId);
  if (!found) return { ok: false, code: 'InvalidAccessKeyId', message: 'The OSS Access Key Id you provided does not exist in our records.', accessKeyId };
  if (found.securityToken !== undefined) {
    const given = req.headers['x-oss-security-token'];
    if (!given || !same(given, found.securityToken)) return { ok: false, code: 'InvalidSecurityToken', message: 'The security token you provided is not valid for this AccessKeyId.' };
    if (found.expired) return { ok: false, code: 'SecurityTokenExpired', message: 'The security token you provided has expired.' };
  }

  if (v1) {
    // ali-oss signs its x-oss-date; other SDKs sign the Date header.
    const candidates = dates.map((d) => v1StringToSign(req, d));
    const sign = (s: string) => createHmac('sha1', found.secret).update(s, 'utf8').digest('base64');
    if (candidates.some((s) => same(sign(s), v1[2]!))) return { ok: true, accessKeyId };
    return { ok: false, code: 'SignatureDoesNotMatch', message: `The request signature we calculated does not match the signature you provided. String to sign: ${JSON.stringify(candidates[0] ?? '')}` };
  }

  const [, , day, region, additionalRaw, signature] = v4!;
  const amzDate = req.headers['x-oss-date'];
  if (!amzDate || !amzDate.startsWith(day!)) return { ok: false, code: 'SignatureDoesNotMatch', message: 'x-oss-date is missing or does not match the date of the credential scope.' };
  const additional = additionalRaw ? additionalRaw.split(';').filter(Boolean) : [];
  const canonical = v4CanonicalRequest(req, additional);
  const stringToSign = ['OSS4-HMAC-SHA256', amzDate, `${day}/${region}/oss/aliyun_v4_request`, createHash('sha256').update(canonical).digest('hex')].join('\n');
  if (same(v4Signature(found.secret, day!, region!, stringToSign), signature!)) return { ok: true, accessKeyId };
  return { ok: false, code: 'SignatureDoesNotMatch', message: `The request signature we calculated does not match the signature you provided. Canonical request: ${JSON.stringify(canonical)}` };
}

/** RFC 1123 dates (V1) and ISO 8601 basic `yyyymmddTHHMMSSZ` (V4). */
function parseOssDate(d: string): number {
  const basic = /^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/.exec(d);
  if (basic) return Date.UTC(+basic[1]!, +basic[2]! - 1, +basic[3]!, +basic[4]!, +basic[5]!, +basic[6]!);
  return Date.parse(d);
}
