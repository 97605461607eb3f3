/**
 * The OSS claim's shortcut for FC API requests (api/oss/routes.ts ossClaim): a path under one of localfc's own prefixes
 * on a Host that names no bucket is settled without ossAddress. It must never settle a request ossAddress would address.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ossAddress, underOwnPrefix, virtualHostTest } from '../../src/api/oss/addressing.ts';

const HOSTS = [undefined, '127.0.0.1:9000', 'localhost', 'LOCALHOST:80', 'bucket-a.localhost:9000', 'bucket-a.127.0.0.1', 'Bucket-A.LocalHost',
  'bkt.oss-cn-hangzhou.aliyuncs.com', 'bkt.oss-cn-hangzhou-internal.aliyuncs.com:443', 'example.com', 'a.localhost', 'xx.10.0.0.1:1'];
const PATHS = ['/2023-03-30/functions/f', '/2023-03-30', '/2023-03-30?x=1', '/2016-08-15/x', '/fcapp/x', '/fcapp', '/2023-03-30x/f', '/2023-03-3/f',
  '/bucket-a/key', '/bucket-a', '/', '/_localfc/health', '/2023-03-30%2F/f', '/fcappx'];

it('a request the shortcut settles is one ossAddress gives no address, signed for OSS or not, whatever buckets exist', () => {
  const namesBucket = virtualHostTest();
  let settled = 0;
  for (const host of HOSTS) {
    for (const path of PATHS) {
      const url = `http://${host ?? 'h'}${path}`;
      const q = path.indexOf('?');
      const rawPath = q < 0 ? path : path.slice(0, q);
      const address = ossAddress({ host, rawPath, signedForOss: () => true }, () => true);
      assert.equal(namesBucket(host), address?.style === 'virtual-host', `${host} ${path}`);
      if (underOwnPrefix(url) && !namesBucket(host)) {
        settled++;
        assert.equal(address, undefined, `${host} ${path}`);
      }
    }
  }
  assert.ok(settled > 20);
});

it('underOwnPrefix: only a first path segment that is exactly one of localfc\'s own prefixes', () => {
  assert.deepEqual(
    ['http://h/2023-03-30/functions/f', 'http://h/2023-03-30', 'http://h/2023-03-30?a', 'http://h/fcapp/x', 'http://h/2016-08-15/', 'http://h/2023-03-30x', 'http://h/x/2023-03-30/', 'http://h'].map(underOwnPrefix),
    [true, true, true, true, true, false, false, false],
  );
});
