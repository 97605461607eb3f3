/**
 * @module
 * Download URLs for stored zips (GetFunctionCode, a layer's code.location), signed like an OSS pre-signed URL so they
 * work without credentials or the admin token yet cannot be guessed: HMAC-SHA256 of the path and the expiry under a
 * per-app secret. Like FC's (OSS pre-signed) links they expire: LINK_LIFETIME_S after they were made, on localfc's clock.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CODE_PREFIX = '/_code';
/** 15 minutes: the default lifetime of an OSS pre-signed URL (OSS SDKs' presign), which FC's code links are. */
export const LINK_LIFETIME_S = 900;

export class CodeUrls {
  #secret: string | undefined;

  constructor(
    /** Gives the per-app secret, asked for when the first link is made or checked (not by the start-up, whose first answer needs no node:crypto). */
    private readonly secretOf: () => string,
    /** localfc's clock, in ms. */
    private readonly now: () => number,
  ) {}

  functionCode(origin: string, functionName: string, revisionId: number): string {
    return this.#url(origin, `${CODE_PREFIX}/functions/${encodeURIComponent(functionName)}/${revisionId}.zip`);
  }

  layerCode(origin: string, layerName: string, version: number): string {
    return this.#url(origin, `${CODE_PREFIX}/layers/${encodeURIComponent(layerName)}/${version}.zip`);
  }

  /** Why a link for this path (as sent, percent-encoded) is refused, or undefined when it is valid and unexpired. */
  refusal(path: string, signature: string | undefined, expires: string | undefined): string | undefined {
    if (!signature || !expires || !/^\d{1,12}$/.test(expires)) return 'the code URL signature is missing or does not match; get a fresh URL from GetFunctionCode';
    const expected = Buffer.from(this.#sign(path, expires));
    const given = Buffer.from(signature);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'the code URL signature is missing or does not match; get a fresh URL from GetFunctionCode';
    if (Number(expires) * 1000 < this.now()) return `the code URL expired at ${new Date(Number(expires) * 1000).toISOString()} (localfc's clock); get a fresh URL from GetFunctionCode`;
    return undefined;
  }

  #url(origin: string, path: string): string {
    const expires = String(Math.floor(this.now() / 1000) + LINK_LIFETIME_S);
    return `${origin}${path}?Expires=${expires}&Signature=${this.#sign(path, expires)}`;
  }

  #sign(path: string, expires: string): string {
    return createHmac('sha256', (this.#secret ??= this.secretOf())).update(`${path}\n${expires}`).digest('hex');
  }
}
