/**
 * localfc's own OSS on its port, driven by the real `ali-oss` client: as Serverless Devs uploads a code package
 * (temporary credentials from GetTempBucketToken, endpoint `http://127.0.0.1:PORT`, bucket named in the Host header), in
 * path style, with OSS's XML errors, signatures checked only when access keys are configured, and --data-dir.
 */
import assert from 'node:assert/strict';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createZip } from '../helpers/zip.ts';
import { crc64 } from '../../src/code/crc64.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { advanceClock } from '../helpers/clock.ts';
import { clientError, fc2Client, ossClient, ossClientFor, type OssClient } from '../helpers/serverless-devs.ts';

const zip = createZip([{ path: 'index.js', data: 'exports.handler = async () => "from oss"' }]);

/** A raw request with the Host header given (fetch may not set it). */
function raw(port: number, method: string, path: string, host: string, body?: Buffer): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method, path, headers: { host, ...(body ? { 'content-length': String(body.length) } : {}) }, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
    });
    req.on('error', reject);
    req.end(body);
  });
}

describe("localfc's OSS, open (no access keys)", () => {
  let fc: RunningLocalfc;
  let dir: string;
  before(async () => {
    fc = await start({ clock: 'manual' });
    dir = await mkdtemp(join(tmpdir(), 'localfc-oss-'));
  });
  after(async () => {
    await fc.stop();
    await rm(dir, { recursive: true, force: true });
  });

  it("Serverless Devs' upload: token, then ali-oss put of the zip file to <accountId>/<objectName> at FC_CODE_TEMP_OSS_ENDPOINT=http://127.0.0.1:PORT", async () => {
    const fc2 = fc2Client(fc.url);
    const { data: token } = await fc2.getTempBucketToken();
    const file = join(dir, 'code.zip');
    await writeFile(file, zip);
    const oss = ossClientFor(token, fc.url);
    const name = `${fc2.accountid}/${token.objectName}`;
    const put = await oss.put(name, file);
    assert.equal(put.res.status, 200);
    assert.equal(put.res.headers['x-oss-hash-crc64ecma'], crc64(zip));
    assert.match(put.res.headers.etag ?? '', /^"[0-9A-F]{32}"$/);
    assert.match(put.res.headers['x-oss-request-id'] ?? '', /^[0-9A-F]{24}$/);

    const got = await oss.get(name);
    assert.deepEqual(got.content, zip);
    const head = await oss.head(name);
    assert.equal(head.res.headers['content-length'], String(zip.length));
    assert.equal(head.res.headers['x-oss-hash-crc64ecma'], crc64(zip));
    // ali-oss addressed the bucket in the Host header only: the stored object is under the temporary bucket
    assert.deepEqual(fc.localfc.objects.get(token.ossBucket, name).body, zip);
  });

  it('OSS errors in XML: NoSuchKey on get and head (x-oss-err), NoSuchBucket on put; delete of a missing key is 204', async () => {
    const { data: token } = await fc2Client(fc.url).getTempBucketToken();
    const oss = ossClientFor(token, fc.url);
    const missing = await clientError(oss.get('nope/nothing.zip'));
    assert.equal(missing.status, 404);
    assert.equal(missing.code, 'NoSuchKey');
    assert.match(missing.requestId ?? '', /^[0-9A-F]{24}$/);
    const headMissing = await clientError(oss.head('nope/nothing.zip'));
    assert.equal(headMissing.code, 'NoSuchKey');
    assert.equal((await oss.delete('nope/nothing.zip')).res.status, 204);
    const other = ossClientFor({ ...token, ossBucket: 'no-such-bucket' }, fc.url);
    const noBucket = await clientError(other.put('a.zip', zip));
    assert.equal(noBucket.status, 404);
    assert.equal(noBucket.code, 'NoSuchBucket');
  });

  it('a bucket of your own: putBucket, put, delete, deleteBucket (BucketNotEmpty while it holds objects)', async () => {
    const oss = ossClient({ endpoint: fc.url, accessKeyId: 'any', accessKeySecret: 'any', bucket: 'my-code' });
    await oss.putBucket('my-code');
    assert.equal((await clientError(oss.putBucket('my-code'))).code, 'BucketAlreadyExists');
    await oss.put('fn/v1.zip', zip);
    assert.equal((await clientError(oss.deleteBucket('my-code'))).code, 'BucketNotEmpty');
    await oss.delete('fn/v1.zip');
    await oss.deleteBucket('my-code');
    assert.equal(fc.localfc.objects.hasBucket('my-code'), false);
  });

  it('path style: /<bucket>/<key> on localfc\'s own address (ali-oss with sldEnable), and virtual-host <bucket>.localhost', async () => {
    const { data: token } = await fc2Client(fc.url).getTempBucketToken();
    const oss = ossClientFor(token, `http://localhost:${fc.port}`, { sldEnable: true });
    await oss.put('path/style.zip', zip);
    assert.deepEqual(fc.localfc.objects.get(token.ossBucket, 'path/style.zip').body, zip);
    const viaPath = await raw(fc.port, 'GET', `/${token.ossBucket}/path/style.zip`, `127.0.0.1:${fc.port}`);
    assert.equal(viaPath.status, 200);
    assert.deepEqual(viaPath.body, zip);
    const viaHost = await raw(fc.port, 'GET', '/path/style.zip', `${token.ossBucket}.localhost:${fc.port}`);
    assert.deepEqual(viaHost.body, zip);
    const list = await raw(fc.port, 'GET', '/?prefix=path/', `${token.ossBucket}.localhost:${fc.port}`);
    assert.match(list.body.toString(), /<Key>path\/style\.zip<\/Key>/);
  });

  it('FC paths stay FC: an unknown path is still PathNotSupported, not an OSS error', async () => {
    const res = await raw(fc.port, 'GET', '/some-bucket/some/key', `127.0.0.1:${fc.port}`);
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body.toString()).Code, 'PathNotSupported');
    // path style under a name that is not localfc's own (DNS rebinding) gets the FC routes' Host check, not the object
    const rebound = await raw(fc.port, 'GET', '/localfc-temp-code/', 'evil.example.com');
    assert.equal(rebound.status, 403);
    assert.equal(JSON.parse(rebound.body.toString()).Code, 'InvalidHost');
    const unsupported = await raw(fc.port, 'POST', '/x.zip?uploads', `localfc-temp-code.oss-cn-hangzhou.aliyuncs.com`);
    assert.equal(unsupported.status, 501);
    assert.match(unsupported.body.toString(), /<Code>NotImplemented<\/Code>/);
  });

  it('objects larger than maxBodyBytes are refused with EntityTooLarge', async () => {
    const small = await start({ clock: 'manual', maxBodyBytes: 2048 });
    try {
      const { data: token } = await fc2Client(small.url).getTempBucketToken();
      const err = await clientError(ossClientFor(token, small.url).put('big.zip', Buffer.alloc(4096, 1)));
      assert.equal(err.status, 400);
      assert.equal(err.code, 'EntityTooLarge');
    } finally {
      await small.stop();
    }
  });
});

describe("localfc's OSS with access keys configured", () => {
  const KEY = { accessKeyId: 'LTAI-oss', accessKeySecret: 'oss-secret' };
  const FC2_KEY = { AccountID: '1234567890123456', AccessKeyID: KEY.accessKeyId, AccessKeySecret: KEY.accessKeySecret };
  let fc: RunningLocalfc;
  before(async () => {
    fc = await start({ clock: 'manual', accessKeys: [KEY] });
  });
  after(() => fc.stop());

  const tokenClient = async (extra = {}): Promise<OssClient> => ossClientFor((await fc2Client(fc.url, FC2_KEY).getTempBucketToken()).data, fc.url, extra);

  it('temporary credentials from the token open the temporary bucket, with V1 and V4 signatures', async () => {
    await (await tokenClient()).put('1234567890123456/v1.zip', zip);
    await (await tokenClient({ authorizationV4: true })).put('1234567890123456/v4.zip', zip);
    assert.deepEqual((await (await tokenClient({ authorizationV4: true })).get('1234567890123456/v1.zip')).content, zip);
  });

  it('configured keys open every bucket; a wrong secret, an unknown key and an unsigned request are refused', async () => {
    const own = ossClient({ endpoint: fc.url, ...KEY, bucket: 'keyed-bucket' });
    await own.putBucket('keyed-bucket');
    await own.put('a.zip', zip);
    const wrong = await clientError(ossClient({ endpoint: fc.url, ...KEY, accessKeySecret: 'nope', bucket: 'keyed-bucket' }).get('a.zip'));
    assert.equal(wrong.status, 403);
    assert.equal(wrong.code, 'SignatureDoesNotMatch');
    const unknown = await clientError(ossClient({ endpoint: fc.url, accessKeyId: 'LTAI-nobody', accessKeySecret: 'x', bucket: 'keyed-bucket' }).get('a.zip'));
    assert.equal(unknown.code, 'InvalidAccessKeyId');
    const anonymous = await raw(fc.port, 'GET', '/a.zip', 'keyed-bucket.oss-cn-hangzhou.aliyuncs.com');
    assert.equal(anonymous.status, 403);
    assert.match(anonymous.body.toString(), /<Code>AccessDenied<\/Code>/);
  });

  it('temporary credentials open no other bucket, and expire after an hour of clock time', async () => {
    const { data: token } = await fc2Client(fc.url, FC2_KEY).getTempBucketToken();
    const elsewhere = await clientError(ossClientFor({ ...token, ossBucket: 'keyed-bucket' }, fc.url).get('a.zip'));
    assert.equal(elsewhere.code, 'AccessDenied');
    await advanceClock(fc, 3600_000 + 1000);
    // The request's date is checked against wall time (the client's own), so only the credential's age, on the clock, is wrong.
    const expired = await clientError(ossClientFor(token, fc.url).put('1234567890123456/late.zip', zip));
    assert.equal(expired.code, 'SecurityTokenExpired');
  });
});

describe("localfc's OSS with --data-dir", () => {
  it('objects survive a restart', async () => {
    const dataDir = await mkdtemp(join(tmpdir(), 'localfc-oss-data-'));
    try {
      const first = await start({ clock: 'manual', dataDir });
      const { data: token } = await fc2Client(first.url).getTempBucketToken();
      await ossClientFor(token, first.url).put('1234567890123456/kept.zip', zip);
      await first.stop();
      const second = await start({ clock: 'manual', dataDir });
      try {
        const again = (await fc2Client(second.url).getTempBucketToken()).data;
        assert.deepEqual((await ossClientFor(again, second.url).get('1234567890123456/kept.zip')).content, zip);
      } finally {
        await second.stop();
      }
    } finally {
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
