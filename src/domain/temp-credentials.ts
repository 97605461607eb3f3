/**
 * @module
 * STS-style temporary credentials, as FC 2.0's GetTempBucketToken hands out for its temporary code bucket: an
 * `STS.`-prefixed AccessKeyId, a secret and a security token, valid for a while on localfc's clock and only for
 * that bucket. Kept in memory only: like real STS tokens they are short-lived, and a client asks for a new one per upload.
 */
import { randomBytes } from 'node:crypto';
import type { Clock } from '../clock.ts';

export interface TempCredential {
  readonly accessKeyId: string;
  readonly accessKeySecret: string;
  readonly securityToken: string;
  /** Clock time (ms) after which the credential is refused. */
  readonly expiresAt: number;
  /** The only bucket it opens. */
  readonly bucket: string;
}

/** STS's default AssumeRole duration; FC's own token lifetime is not documented (docs/behaviour.md). */
export const TEMP_CREDENTIAL_TTL_MS = 3600_000;

export class TempCredentials {
  readonly #byId = new Map<string, TempCredential>();

  constructor(private readonly clock: Clock) {}

  issue(bucket: string): TempCredential {
    this.#forgetExpired();
    const credential: TempCredential = {
      accessKeyId: `STS.${randomBytes(12).toString('base64url')}`,
      accessKeySecret: randomBytes(24).toString('base64url'),
      securityToken: randomBytes(48).toString('base64'),
      expiresAt: this.clock.now() + TEMP_CREDENTIAL_TTL_MS,
      bucket,
    };
    this.#byId.set(credential.accessKeyId, credential);
    return credential;
  }

  /** The credential with this AccessKeyId, expired or not (the caller tells "expired" from "unknown"). */
  find(accessKeyId: string): TempCredential | undefined {
    return this.#byId.get(accessKeyId);
  }

  isExpired(credential: TempCredential): boolean {
    return this.clock.now() > credential.expiresAt;
  }

  #forgetExpired(): void {
    for (const [id, c] of this.#byId) if (this.isExpired(c)) this.#byId.delete(id);
  }
}
