/**
 * @module
 * Download URLs for stored zips (GetFunctionCode, a layer's code.location), signed like an OSS pre-signed URL so they
 * work without credentials or the admin token yet cannot be guessed: HMAC-SHA256 of the path under a per-app secret.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const CODE_PREFIX = '/_code';

export class CodeUrls {
  constructor(private readonly secret: string) {}

  functionCode(origin: string, functionName: string, revisionId: number): string {
    return this.#url(origin, `${CODE_PREFIX}/functions/${encodeURIComponent(functionName)}/${revisionId}.zip`);
  }

  layerCode(origin: string, layerName: string, version: number): string {
    return this.#url(origin, `${CODE_PREFIX}/layers/${encodeURIComponent(layerName)}/${version}.zip`);
  }

  /** True when `signature` was issued for this path (as sent, percent-encoded). */
  verify(path: string, signature: string | undefined): boolean {
    if (!signature) return false;
    const expected = Buffer.from(this.#sign(path));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  #url(origin: string, path: string): string {
    return `${origin}${path}?Signature=${this.#sign(path)}`;
  }

  #sign(path: string): string {
    return createHmac('sha256', this.secret).update(path).digest('hex');
  }
}
