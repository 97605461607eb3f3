/**
 * @module
 * Server-side verification of ACS3-HMAC-SHA256 request signatures, as produced by the official Alibaba Cloud SDKs.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';

export interface Acs3Request {
  method: string;
  /** Path exactly as received, still percent-encoded, without the query string. */
  rawPath: string;
  /** Query string exactly as received, with or without the leading '?'. */
  rawQuery: string;
  /** Header values keyed by lower-case name (repeated headers already joined). */
  headers: Record<string, string | undefined>;
  body: Buffer;
}

export type Acs3ErrorCode =
  | 'InvalidAccessKeyID'
  | 'SignatureNotMatch'
  | 'MissingRequiredHeader'
  | 'RequestTimeTooSkewed'
  | 'SignatureNonceUsed'
  | 'InvalidArgument';

export type Acs3Result = { ok: true; accessKeyId: string } | { ok: false; code: Acs3ErrorCode; message: string };

export interface Acs3Options {
  secretFor(accessKeyId: string): string | undefined;
  /** Server time, ms since the epoch. */
  now: number;
  /** Allowed distance between x-acs-date and `now`; default 15 minutes. */
  maxSkewMs?: number;
  /** Returns true if the nonce was seen before (a replay); records it otherwise. */
  seenNonce(nonce: string, now: number): boolean;
}

export const ALGORITHM = 'ACS3-HMAC-SHA256';
export const DEFAULT_MAX_SKEW_MS = 15 * 60 * 1000;

// Without these being signed, a captured signature could be replayed with a new date/nonce or another body.
const MUST_SIGN = ['host', 'x-acs-content-sha256', 'x-acs-date', 'x-acs-signature-nonce'] as const;

const fail = (code: Acs3ErrorCode, message: string): Acs3Result => ({ ok: false, code, message });

/** encodeURIComponent plus the RFC 3986 reserved characters it leaves alone. */
export function rfc3986(value: string): string {
  return encodeURIComponent(value).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function isSignable(name: string): boolean {
  return name === 'host' || name === 'content-type' || name.startsWith('x-acs-');
}

/**
 * Canonical query as the SDK builds it: keys sorted (unencoded), values RFC 3986 encoded.
 * The SDK signs its own map, so we decode what went over the wire and re-encode it.
 */
export function canonicalQuery(rawQuery: string): string {
  const q = rawQuery.startsWith('?') ? rawQuery.slice(1) : rawQuery;
  const values = new Map<string, string[]>();
  for (const part of q.split('&')) {
    if (part === '') continue;
    const eq = part.indexOf('=');
    // '+' as space, like URLSearchParams; the Node SDK never sends a bare '+' (it encodes it as %2B).
    const decode = (s: string): string => decodeURIComponent(s.replace(/\+/g, ' '));
    const key = decode(eq < 0 ? part : part.slice(0, eq));
    const value = eq < 0 ? '' : decode(part.slice(eq + 1));
    const list = values.get(key);
    if (list) list.push(value);
    else values.set(key, [value]);
  }
  // A repeated key is an array in the SDK's map, which it stringifies as "a,b" before encoding.
  return [...values.keys()]
    .sort()
    .map((k) => `${k}=${rfc3986(values.get(k)!.join(','))}`)
    .join('&');
}

/** The SDK signs its pathname after these substitutions, but sends it without them. */
export function canonicalUri(rawPath: string): string {
  return (rawPath || '/').replace(/\+/g, '%20').replace(/\*/g, '%2A').replace(/%7E/g, '~');
}

export function canonicalRequest(req: Acs3Request, signedHeaders: readonly string[]): string {
  const headers = signedHeaders.map((h) => `${h}:${(req.headers[h] ?? '').trim()}\n`).join('');
  return [
    req.method.toUpperCase(),
    canonicalUri(req.rawPath),
    canonicalQuery(req.rawQuery),
    headers,
    signedHeaders.join(';'),
    req.headers['x-acs-content-sha256'] ?? '',
  ].join('\n');
}

export function stringToSign(canonical: string): string {
  return `${ALGORITHM}\n${createHash('sha256').update(canonical, 'utf8').digest('hex')}`;
}

export function sign(secret: string, canonical: string): string {
  return createHmac('sha256', secret).update(stringToSign(canonical), 'utf8').digest('hex');
}

interface ParsedAuthorization {
  accessKeyId: string;
  signedHeaders: string[];
  signature: string;
}

function parseAuthorization(value: string): ParsedAuthorization | string {
  const space = value.indexOf(' ');
  const algorithm = space < 0 ? value : value.slice(0, space);
  if (algorithm !== ALGORITHM) {
    return `unsupported signature algorithm ${JSON.stringify(algorithm)}; only ${ALGORITHM} (signature version 3) is supported`;
  }
  const fields = new Map<string, string>();
  for (const part of value.slice(space + 1).split(',')) {
    const eq = part.indexOf('=');
    if (eq > 0) fields.set(part.slice(0, eq).trim(), part.slice(eq + 1).trim());
  }
  const accessKeyId = fields.get('Credential');
  const signedHeaders = fields.get('SignedHeaders');
  const signature = fields.get('Signature');
  if (!accessKeyId || !signedHeaders || !signature) {
    return 'Authorization header must have the form "ACS3-HMAC-SHA256 Credential=<AccessKeyId>,SignedHeaders=<h1;h2>,Signature=<hex>"';
  }
  if (!/^[0-9a-f]{64}$/i.test(signature)) return 'Authorization Signature must be 64 hex digits';
  return { accessKeyId, signedHeaders: signedHeaders.split(';').map((h) => h.trim().toLowerCase()), signature: signature.toLowerCase() };
}

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,3})?Z$/;

function parseAcsDate(value: string): number | undefined {
  const m = DATE_RE.exec(value);
  if (!m) return undefined;
  const [y, mo, d, h, mi, s] = m.slice(1, 7).map(Number) as [number, number, number, number, number, number];
  const t = Date.UTC(y, mo - 1, d, h, mi, s);
  // Date.UTC silently rolls 2024-02-31 over into March; a round trip catches that.
  return new Date(t).toISOString().slice(0, 19) === value.slice(0, 19) ? t : undefined;
}

/** Verifies an ACS3-HMAC-SHA256 signed request. Records the nonce only once the signature is known to be good. */
export function verifyAcs3(req: Acs3Request, opts: Acs3Options): Acs3Result {
  const h = req.headers;
  const authorization = h['authorization'];
  if (!authorization) return fail('MissingRequiredHeader', 'missing required header: Authorization');
  const auth = parseAuthorization(authorization.trim());
  if (typeof auth === 'string') return fail('InvalidArgument', auth);
  for (const name of MUST_SIGN) {
    if (h[name] === undefined) return fail('MissingRequiredHeader', `missing required header: ${name}`);
  }
  for (const name of MUST_SIGN) {
    if (!auth.signedHeaders.includes(name)) return fail('InvalidArgument', `header ${name} must be listed in SignedHeaders`);
  }
  for (const name of Object.keys(h)) {
    if (h[name] !== undefined && isSignable(name) && !auth.signedHeaders.includes(name)) {
      return fail('InvalidArgument', `header ${name} is present but not listed in SignedHeaders`);
    }
  }
  if (new Set(auth.signedHeaders).size !== auth.signedHeaders.length || auth.signedHeaders.includes('')) {
    return fail('InvalidArgument', 'SignedHeaders must list distinct, non-empty header names');
  }

  const secret = opts.secretFor(auth.accessKeyId);
  if (secret === undefined) return fail('InvalidAccessKeyID', `the AccessKeyId ${JSON.stringify(auth.accessKeyId)} does not exist`);

  const date = parseAcsDate(h['x-acs-date']!.trim());
  if (date === undefined) return fail('InvalidArgument', `x-acs-date ${JSON.stringify(h['x-acs-date'])} is not an ISO 8601 UTC time like 2024-01-02T03:04:05Z`);
  const maxSkew = opts.maxSkewMs ?? DEFAULT_MAX_SKEW_MS;
  if (Math.abs(opts.now - date) > maxSkew) {
    return fail('RequestTimeTooSkewed', `x-acs-date ${h['x-acs-date']} is more than ${Math.round(maxSkew / 1000)}s away from the server time ${new Date(opts.now).toISOString()}`);
  }

  const nonce = h['x-acs-signature-nonce']!.trim();
  if (nonce === '') return fail('InvalidArgument', 'x-acs-signature-nonce must not be empty');

  const bodyHash = createHash('sha256').update(req.body).digest('hex');
  if ((h['x-acs-content-sha256'] ?? '').trim().toLowerCase() !== bodyHash) {
    return fail('SignatureNotMatch', 'x-acs-content-sha256 does not match the SHA-256 of the request body');
  }

  let canonical: string;
  try {
    canonical = canonicalRequest(req, auth.signedHeaders);
  } catch {
    return fail('InvalidArgument', 'the query string contains malformed percent-encoding');
  }
  const expected = Buffer.from(sign(secret, canonical), 'hex');
  if (!timingSafeEqual(expected, Buffer.from(auth.signature, 'hex'))) {
    // The canonical request is what a client author needs to debug a mismatch; it holds nothing secret.
    return fail('SignatureNotMatch', `the request signature does not match; server canonical request: ${JSON.stringify(canonical)}`);
  }

  if (opts.seenNonce(nonce, opts.now)) return fail('SignatureNonceUsed', `x-acs-signature-nonce ${JSON.stringify(nonce)} has already been used`);
  return { ok: true, accessKeyId: auth.accessKeyId };
}

/**
 * Remembers nonces for replay detection, bounded in size and time.
 * Entries live twice the skew window: a request dated `d` is accepted from d-skew to d+skew,
 * so its nonce must be remembered for that whole span.
 */
export class NonceCache {
  private readonly seenAt = new Map<string, number>();
  readonly ttlMs: number;
  readonly maxEntries: number;

  constructor(opts: { ttlMs?: number; maxEntries?: number } = {}) {
    this.ttlMs = opts.ttlMs ?? 2 * DEFAULT_MAX_SKEW_MS;
    this.maxEntries = opts.maxEntries ?? 100_000;
  }

  get size(): number {
    return this.seenAt.size;
  }

  /** True if `nonce` is still remembered (a replay); otherwise records it and returns false. */
  seen(nonce: string, now: number): boolean {
    this.evict(now);
    const at = this.seenAt.get(nonce);
    if (at !== undefined) return true;
    // Oldest-first eviction once full: bounded memory beats perfect replay protection under a nonce flood.
    while (this.seenAt.size >= this.maxEntries) this.seenAt.delete(this.seenAt.keys().next().value!);
    this.seenAt.set(nonce, now);
    return false;
  }

  /** The bound method, ready to pass as `seenNonce`. */
  readonly check = (nonce: string, now: number): boolean => this.seen(nonce, now);

  private evict(now: number): void {
    // Map iterates in insertion order, which is time order as long as `now` does not go backwards.
    for (const [nonce, at] of this.seenAt) {
      if (now - at <= this.ttlMs) break;
      this.seenAt.delete(nonce);
    }
  }
}
