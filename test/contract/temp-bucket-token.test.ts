/**
 * FC 2.0's GetTempBucketToken through the real `@alicloud/fc2` client, configured as Serverless Devs configures it.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { clientError, fc2Client } from '../helpers/serverless-devs.ts';
import { advanceClock } from '../helpers/clock.ts';

describe('GET /2016-08-15/tempBucketToken', () => {
  let fc: RunningLocalfc;
  before(async () => {
    fc = await start({ clock: 'manual' });
  });
  after(() => fc.stop());

  it('answers as FC 2.0 does: STS-style credentials, the OSS region, a bucket of localfc and a fresh object name', async () => {
    const client = fc2Client(fc.url);
    const { data, headers } = await client.getTempBucketToken();
    assert.match(headers['x-fc-request-id'] ?? '', /^1-/);
    assert.equal(data.ossRegion, 'oss-cn-hangzhou');
    assert.equal(data.ossBucket, 'localfc-temp-code');
    assert.match(data.credentials.AccessKeyId, /^STS\./);
    assert.ok(data.credentials.AccessKeySecret.length >= 16);
    assert.ok(data.credentials.SecurityToken.length >= 16);
    // manual clock starts at 2024-01-01T00:00:00Z; the credentials last an hour of clock time
    assert.equal(data.credentials.Expiration, '2024-01-01T01:00:00Z');
    const second = (await client.getTempBucketToken()).data;
    assert.notEqual(second.objectName, data.objectName);
    assert.notEqual(second.credentials.AccessKeyId, data.credentials.AccessKeyId);
    await advanceClock(fc, 60_000);
    assert.equal((await client.getTempBucketToken()).data.credentials.Expiration, '2024-01-01T01:01:00Z');
  });

  it('other FC 2.0 paths are not served', async () => {
    const res = await fetch(`${fc.url}/2016-08-15/services`);
    assert.equal(res.status, 400);
    assert.equal(((await res.json()) as { Code: string }).Code, 'PathNotSupported');
  });
});

describe('GetTempBucketToken with access keys configured', () => {
  const KEY = { AccountID: '1234567890123456', AccessKeyID: 'LTAI-sd', AccessKeySecret: 'sd-secret' };
  let fc: RunningLocalfc;
  before(async () => {
    fc = await start({ clock: 'manual', accessKeys: [{ accessKeyId: KEY.AccessKeyID, accessKeySecret: KEY.AccessKeySecret }] });
  });
  after(() => fc.stop());

  it('checks the FC 2.0 signature: the right key passes', async () => {
    const { data } = await fc2Client(fc.url, KEY).getTempBucketToken();
    assert.equal(data.ossBucket, 'localfc-temp-code');
  });

  it('a wrong secret is 403 SignatureNotMatch, an unknown key 403 InvalidAccessKeyID, in FC 2.0 error shape', async () => {
    const wrong = await clientError<Error & { code: string }>(fc2Client(fc.url, { ...KEY, AccessKeySecret: 'nope' }).getTempBucketToken());
    assert.equal(wrong.code, 'SignatureNotMatch');
    assert.match(wrong.message, /failed with 403/);
    const unknown = await clientError<Error & { code: string }>(fc2Client(fc.url, { ...KEY, AccessKeyID: 'LTAI-other' }).getTempBucketToken());
    assert.equal(unknown.code, 'InvalidAccessKeyID');
  });

  it('an unsigned request is 400 MissingRequiredHeader', async () => {
    const res = await fetch(`${fc.url}/2016-08-15/tempBucketToken`);
    assert.equal(res.status, 400);
    const body = (await res.json()) as { ErrorCode: string; ErrorMessage: string };
    assert.equal(body.ErrorCode, 'MissingRequiredHeader');
    assert.match(body.ErrorMessage, /Authorization/);
  });
});
