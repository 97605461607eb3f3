/**
 * @module
 * Server-side verification of ROA request signatures, `Authorization: acs <AccessKeyId>:<base64 HMAC-SHA1>`, as the
 * Go tea-roa client signs them: Terraform's alicloud_fcv3_* resources call FC 3.0 through it (`conn.DoRequest(…, "AK",
 * …)`), and @alicloud/pop-core's ROAClient signs the same way. The string to sign (tea-roa-util getStringToSign):
 * `METHOD\nAccept\nContent-MD5\nContent-Type\nDate\n<x-acs-* headers, sorted, "name:value\n"><path>[?<query, sorted>]`,
 * where a query key with an empty value is signed bare by tea-roa-util and as `key=` by pop-core.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { type Acs3Options, type Acs3Request, type Acs3Result, DEFAULT_MAX_SKEW_MS } from './acs3.ts';

/** The form of an Authorization header signed this way. */
export const ROA_AUTHORIZATION = /^acs ([^:\s]+):(\S+)$/;

const fail = (code: Extract<Acs3Result, { ok: false }>['code'], message: string): Acs3Result => ({ ok: false, code, message });

/** The resource part: the path as signed (tea-roa signs it unencoded), then the query's keys sorted, values decoded. */
function resources(req: Acs3Request): string[] {
  const params = [...new URLSearchParams(req.rawQuery)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  let path = req.rawPath;
  try {
    path = decodeURIComponent(req.rawPath);
  } catch {
    // malformed percent-encoding: signed as received, if at all
  }
  if (params.length === 0) return [path];
  const bare = params.map(([k, v]) => (v === '' ? k : `${k}=${v}`)).join('&');
  const full = params.map(([k, v]) => `${k}=${v}`).join('&');
  return bare === full ? [`${path}?${full}`] : [`${path}?${bare}`, `${path}?${full}`];
}

export function roaStringsToSign(req: Acs3Request): string[] {
  const h = req.headers;
  const acsHeaders = Object.keys(h)
    .filter((name) => name.startsWith('x-acs-') && h[name] !== undefined)
    .sort()
    .map((name) => `${name}:${h[name]!.trim()}\n`)
    .join('');
  const head = `${req.method}\n${h['accept'] ?? ''}\n${h['content-md5'] ?? ''}\n${h['content-type'] ?? ''}\n${h['date'] ?? ''}\n${acsHeaders}`;
  return resources(req).map((resource) => head + resource);
}

export function signRoa(secret: string, stringToSign: string): string {
  return createHmac('sha1', secret).update(stringToSign, 'utf8').digest('base64');
}

/** Verifies an `acs <id>:<signature>` signed request. Records the nonce only once the signature is known to be good. */
export function verifyRoa(req: Acs3Request, opts: Acs3Options): Acs3Result {
  const h = req.headers;
  const m = ROA_AUTHORIZATION.exec((h['authorization'] ?? '').trim());
  if (!m) return fail('InvalidArgument', 'Authorization header must have the form "acs <AccessKeyId>:<Signature>"');
  const [, accessKeyId, given] = m as unknown as [string, string, string];
  const date = h['date'];
  if (!date) return fail('MissingRequiredHeader', 'missing required header: Date');
  const at = Date.parse(date);
  const maxSkew = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Number.isNaN(at) || Math.abs(opts.now - at) > maxSkew) {
    return fail('RequestTimeTooSkewed', `the Date header ${JSON.stringify(date)} is more than ${Math.round(maxSkew / 1000)}s away from the server time ${new Date(opts.now).toUTCString()}`);
  }
  const secret = opts.secretFor(accessKeyId);
  if (secret === undefined) return fail('InvalidAccessKeyID', `the AccessKeyId ${JSON.stringify(accessKeyId)} does not exist`);
  // Content-MD5 is what the signature covers of the body: when it is sent, the body must be the one it names.
  const md5 = h['content-md5'];
  if (md5 !== undefined && md5.trim() !== createHash('md5').update(req.body).digest('base64')) {
    return fail('SignatureNotMatch', 'Content-MD5 does not match the MD5 of the request body');
  }
  const candidates = roaStringsToSign(req);
  const actual = Buffer.from(given);
  const matches = candidates.some((s) => {
    const expected = Buffer.from(signRoa(secret, s));
    return expected.length === actual.length && timingSafeEqual(expected, actual);
  });
  if (!matches) return fail('SignatureNotMatch', `the request signature does not match; the string to sign was ${JSON.stringify(candidates[0])}`);
  const nonce = h['x-acs-signature-nonce']?.trim();
  if (nonce && opts.seenNonce(nonce, opts.now)) return fail('SignatureNonceUsed', `x-acs-signature-nonce ${JSON.stringify(nonce)} has already been used`);
  return { ok: true, accessKeyId };
}
