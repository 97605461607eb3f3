/**
 * @module
 * Opt-in signature verification for the FC API (ACS3-HMAC-SHA256, or ROA's `acs <id>:<signature>` that Terraform's FC
 * client sends): a pass-through unless at least one access key is configured.
 */
import type { Context, MiddlewareHandler } from 'hono';
import { NonceCache, verifyAcs3 } from '../auth/acs3.ts';
import { ROA_AUTHORIZATION, verifyRoa } from '../auth/roa-signature.ts';
import { errors } from '../domain/errors.ts';
import type { AppEnv } from './context.ts';
import { readLimited } from './read-limited.ts';

export interface AccessKey {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
}

export interface SignatureAuthOptions {
  readonly accessKeys: readonly AccessKey[];
  /** The body is read here, before bodyLimit, so the limit is enforced here too. */
  readonly maxBodyBytes: number;
}

/**
 * The time a request's date is checked against: wall time, whatever localfc's clock says. Clients stamp wall time
 * (the SDK's x-acs-date), so comparing with a manual or scaled clock would turn every signed call into
 * RequestTimeTooSkewed once the clock has moved 15 minutes (trial 3, T12); a test that wants a stale date sends one.
 */
export function signatureTime(): () => number {
  return Date.now;
}

/** Verifies the request's signature or throws the FC error for it (403, or 400 for a malformed request). */
export type SignatureVerifier = (c: Context<AppEnv>) => Promise<void>;

/**
 * The one ACS3 check, shared by the FC API middleware and HTTP triggers with authType 'function'.
 * Undefined when no access keys are configured (verification off).
 */
export function signatureVerifier(opts: SignatureAuthOptions): SignatureVerifier | undefined {
  if (opts.accessKeys.length === 0) return undefined;
  const secrets = new Map(opts.accessKeys.map((k) => [k.accessKeyId, k.accessKeySecret]));
  const nonces = new NonceCache(); // per verifier: no state shared between apps
  const now = signatureTime();

  return async (c) => {
    const raw = c.req.raw;
    const body = await readBody(raw, opts.maxBodyBytes);
    // The stream is spent: hand later middleware and handlers a fresh request over the same bytes (as bodyLimit does).
    if (raw.body) c.req.raw = new Request(raw, { body });
    const url = new URL(raw.url);
    const headers = c.req.header();
    // ROA's "acs <id>:<signature>" is what Terraform's FC client (Go tea-roa) sends; the official SDKs send ACS3.
    const verify = ROA_AUTHORIZATION.test(headers['authorization']?.trim() ?? '') ? verifyRoa : verifyAcs3;
    const verdict = verify(
      { method: raw.method, rawPath: url.pathname, rawQuery: url.search, headers, body },
      { secretFor: (id) => secrets.get(id), now: now(), seenNonce: nonces.check },
    );
    if (!verdict.ok) throw errors.signature(verdict.code, verdict.message);
  };
}

export function signatureAuth(opts: SignatureAuthOptions): MiddlewareHandler<AppEnv> {
  const verify = signatureVerifier(opts);
  if (!verify) return (_c, next) => next();
  return async (c, next) => {
    await verify(c);
    await next();
  };
}

async function readBody(req: Request, max: number): Promise<Buffer> {
  const tooLarge = () => errors.entityTooLarge('request body', max);
  if (Number(req.headers.get('content-length') ?? 0) > max) throw tooLarge();
  return readLimited(req.body, max, tooLarge);
}
