/**
 * @module
 * Server-side verification of FC 2.0 (2016-08-15) request signatures, as `@alicloud/fc2` signs them:
 * `Authorization: FC <AccessKeyId>:<base64 HMAC-SHA256>` over
 * `METHOD\nContent-MD5\nContent-Type\nDate\n<x-fc-* headers, sorted, "name:value\n">/2016-08-15/path`.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { DEFAULT_MAX_SKEW_MS } from './acs3.ts';

export interface Fc2Request {
  readonly method: string;
  /** Path as received, without the query string (FC 2.0 signs queries only for /proxy/ paths, which localfc lacks). */
  readonly path: string;
  /** Header values keyed by lower-case name. */
  readonly headers: Readonly<Record<string, string | undefined>>;
}

export type Fc2Result =
  | { ok: true; accessKeyId: string }
  | { ok: false; code: 'MissingRequiredHeader' | 'InvalidAccessKeyID' | 'SignatureNotMatch' | 'RequestTimeTooSkewed'; message: string };

export function fc2StringToSign(req: Fc2Request): string {
  const fcHeaders = Object.keys(req.headers)
    .filter((name) => name.startsWith('x-fc-'))
    .sort()
    .map((name) => `${name}:${req.headers[name] ?? ''}\n`)
    .join('');
  const h = (name: string): string => req.headers[name] ?? '';
  return `${req.method}\n${h('content-md5')}\n${h('content-type')}\n${h('date')}\n${fcHeaders}${req.path}`;
}

export function signFc2(secret: string, stringToSign: string): string {
  return createHmac('sha256', secret).update(stringToSign, 'utf8').digest('base64');
}

export function verifyFc2(req: Fc2Request, opts: { secretFor(id: string): string | undefined; now: number; maxSkewMs?: number }): Fc2Result {
  const auth = req.headers.authorization;
  if (!auth) return { ok: false, code: 'MissingRequiredHeader', message: 'required HTTP header Authorization was not specified' };
  const m = /^FC ([^:\s]+):(\S+)$/.exec(auth.trim());
  if (!m) return { ok: false, code: 'SignatureNotMatch', message: "the Authorization header is not 'FC <AccessKeyId>:<Signature>'" };
  const [, accessKeyId, given] = m as unknown as [string, string, string];
  const date = req.headers.date;
  if (!date) return { ok: false, code: 'MissingRequiredHeader', message: 'required HTTP header Date was not specified' };
  const at = Date.parse(date);
  if (Number.isNaN(at) || Math.abs(opts.now - at) > (opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS)) {
    return { ok: false, code: 'RequestTimeTooSkewed', message: `the Date header '${date}' is more than 15 minutes away from the server time` };
  }
  const secret = opts.secretFor(accessKeyId);
  if (secret === undefined) return { ok: false, code: 'InvalidAccessKeyID', message: `invalid access key ID '${accessKeyId}'` };
  const stringToSign = fc2StringToSign(req);
  const expected = Buffer.from(signFc2(secret, stringToSign));
  const actual = Buffer.from(given);
  if (expected.length !== actual.length || !timingSafeEqual(expected, actual)) {
    return { ok: false, code: 'SignatureNotMatch', message: `the request signature does not match; the string to sign was ${JSON.stringify(stringToSign)}` };
  }
  return { ok: true, accessKeyId };
}
