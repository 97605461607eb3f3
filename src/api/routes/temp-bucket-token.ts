/**
 * @module
 * FC 2.0's `GET /2016-08-15/tempBucketToken` (GetTempBucketToken), the first step of Serverless Devs' code upload:
 * temporary credentials for a bucket of localfc's own OSS, and an object name to upload the zip under
 * (clients put it at `<accountId>/<objectName>`). Errors in FC 2.0's `{ErrorCode, ErrorMessage}` shape.
 */
import { Hono } from 'hono';
import { isoSeconds } from '../../clock.ts';
import type { Clock } from '../../clock.ts';
import { verifyFc2 } from '../../auth/fc2-signature.ts';
import type { Config } from '../../config.ts';
import { errors } from '../../domain/errors.ts';
import type { TempCredentials } from '../../domain/temp-credentials.ts';
import type { IdGenerator } from '../../ids.ts';
import { signatureTime } from '../auth.ts';
import type { AppEnv } from '../context.ts';
import { renderFc2Error } from '../errors.ts';

export const FC2_PREFIX = '/2016-08-15';

export interface TempBucketTokenDeps {
  readonly credentials: TempCredentials;
  /** The temporary code bucket of localfc's OSS. */
  readonly bucket: string;
  readonly region: string;
  readonly accessKeys: Config['accessKeys'];
  readonly clock: Clock;
  readonly ids: IdGenerator;
}

export function tempBucketTokenRoutes(deps: TempBucketTokenDeps): Hono<AppEnv> {
  const app = new Hono<AppEnv>();
  const secrets = new Map(deps.accessKeys.map((k) => [k.accessKeyId, k.accessKeySecret]));
  const now = signatureTime();

  app.get(`${FC2_PREFIX}/tempBucketToken`, (c) => {
    try {
      // Signed as the FC 3.0 routes are: checked only when access keys are configured.
      if (secrets.size > 0) {
        const verdict = verifyFc2({ method: 'GET', path: new URL(c.req.url).pathname, headers: c.req.header() }, { secretFor: (id) => secrets.get(id), now: now() });
        if (!verdict.ok) throw errors.signature(verdict.code, verdict.message);
      }
      const credential = deps.credentials.issue(deps.bucket);
      return c.json({
        credentials: {
          AccessKeyId: credential.accessKeyId,
          AccessKeySecret: credential.accessKeySecret,
          Expiration: isoSeconds(credential.expiresAt),
          SecurityToken: credential.securityToken,
        },
        ossRegion: `oss-${deps.region}`,
        ossBucket: deps.bucket,
        objectName: deps.ids.uuid(),
      });
    } catch (e) {
      return renderFc2Error(c, e);
    }
  });

  return app;
}
