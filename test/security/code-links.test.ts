/**
 * GetFunctionCode's link is time-limited like FC's (an OSS pre-signed URL): it downloads the zip until LINK_LIFETIME_S
 * of localfc's clock have passed, then answers 403 AccessDenied saying it expired; a tampered expiry is refused.
 */
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { LINK_LIFETIME_S } from '../../src/api/code-urls.ts';
import { createZip } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';

let fc: RunningLocalfc;
const zip = createZip([{ path: 'index.js', data: 'exports.handler = (e, c, cb) => cb(null, e)' }]);
const advance = async (ms: number) => {
  const res = await fetch(`${fc.url}/_localfc/clock/advance`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ ms }) });
  assert.equal(res.status, 200);
};

before(async () => {
  fc = await start({ clock: 'manual' });
  const res = await fetch(`${fc.url}/2023-03-30/functions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ functionName: 'f', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip.toString('base64') } }) });
  assert.equal(res.status, 200);
});
after(() => fc.stop());

it('a code link downloads until it expires on the clock, then is 403 AccessDenied; its expiry cannot be moved', async () => {
  const { url } = (await (await fetch(`${fc.url}/2023-03-30/functions/f/code`)).json()) as { url: string };
  const link = new URL(url);
  assert.match(link.search, /Expires=\d+&Signature=/);
  assert.deepEqual(Buffer.from(await (await fetch(url)).arrayBuffer()), zip);

  const later = new URL(url);
  later.searchParams.set('Expires', String(Number(link.searchParams.get('Expires')) + 86_400));
  assert.equal((await fetch(later)).status, 403, 'a moved expiry breaks the signature');

  await advance(LINK_LIFETIME_S * 1000 - 1000);
  assert.equal((await fetch(url)).status, 200, 'still valid just before it expires');
  await advance(2000);
  const expired = await fetch(url);
  assert.equal(expired.status, 403);
  const json = (await expired.json()) as { Code: string; Message: string };
  assert.equal(json.Code, 'AccessDenied');
  assert.match(json.Message, /expired/);

  const fresh = (await (await fetch(`${fc.url}/2023-03-30/functions/f/code`)).json()) as { url: string };
  assert.equal((await fetch(fresh.url)).status, 200);
});
