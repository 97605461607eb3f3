/**
 * No zip escapes its directory, through the process backend on a real server: links are walked as the kernel walks
 * them (a chain of links that each look safe as text is refused), also across layers merged into /opt, and a function
 * whose code is safe still runs. Real zips, real processes, the manual clock.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { createZip, type ZipInputFile } from '../helpers/zip.ts';
import { start, type RunningLocalfc } from '../../src/index.ts';
import { advanceClock } from '../helpers/clock.ts';

const LINK = 0o120777;
const handler = (body: string): ZipInputFile => ({ path: 'index.js', data: `exports.handler = (e, c, cb) => { ${body} }` });
const readThrough = (path: string) => handler(`try { cb(null, require('fs').readFileSync(__dirname + '/${path}', 'utf8')) } catch (err) { cb(null, 'unreadable: ' + err.code) }`);

/** Every link here passes a check of its target as text (createZip's own): only walking the chain shows the escape. */
const withLinks = (files: ZipInputFile[], links: Array<[string, string]>): Buffer => createZip([...files, ...links.map(([path, target]) => ({ path, data: target, mode: LINK }))]);
const DEEP = Array.from({ length: 12 }, (_, i) => `d${i}`).join('/');
const UP = Array(12).fill('..').join('/');

describe('no zip escapes its directory (process backend)', () => {
  let fc: RunningLocalfc;
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await fetch(`${fc.url}${path}`, { method, headers: { 'content-type': 'application/json' }, ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }) });
    const text = await res.text();
    return { status: res.status, text, json: (() => { try { return JSON.parse(text) as Record<string, unknown>; } catch { return {}; } })() };
  };
  const create = async (name: string, zip: Buffer, layers: string[] = []) => {
    const res = await call('POST', '/2023-03-30/functions', { functionName: name, runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip.toString('base64') }, layers });
    assert.equal(res.status, 200, res.text);
    await advanceClock(fc, 2000);
    return (await call('GET', `/2023-03-30/functions/${name}`)).json;
  };
  const layer = async (name: string, zip: Buffer) => {
    const res = await call('POST', `/2023-03-30/layers/${name}/versions`, { code: { zipFile: zip.toString('base64') }, compatibleRuntime: ['nodejs20'] });
    assert.equal(res.status, 200, res.text);
    return res.json.layerVersionArn as string;
  };

  before(async () => {
    fc = await start({ clock: 'manual', backend: 'process' });
  });
  after(() => fc.stop());

  it('refuses code whose chain of links ends outside the code directory', async () => {
    // DEEP/l is the code root; "up -> DEEP/l/<12 × ..>" is d0 as text, but twelve levels above the root (/) when walked.
    const zip = withLinks([{ path: `${DEEP}/`, data: '' }, readThrough('x')], [[`${DEEP}/l`, UP], ['up', `${DEEP}/l/${UP}`], ['x', 'up/etc/hostname']]);
    const fn = await create('chain', zip);
    assert.equal(fn.state, 'Failed', JSON.stringify(fn));
    assert.equal(fn.stateReasonCode, 'InvalidZipFileException');
    assert.match(String(fn.stateReason), /outside the root/);
  });

  it('refuses layers whose links each stay inside their layer but lead out of /opt once merged', async () => {
    const first = await layer('base', withLinks([{ path: `${DEEP}/`, data: '' }], [[`${DEEP}/up`, UP]]));
    // Alone, DEEP/up does not exist in this layer, so the target walks down and back up to the layer's root.
    const second = await layer('through', withLinks([], [['x', `${DEEP}/up/${UP}/etc/hostname`]]));
    const fn = await create('layered', createZip([readThrough('../opt/x')]), [first, second]);
    assert.equal(fn.state, 'Failed', JSON.stringify(fn));
    assert.match(String(fn.stateReason), /merged.*outside the root/);
  });

  it('runs code with links that stay inside', async () => {
    const fn = await create('fine', createZip([{ path: 'data/v.txt', data: 'inside' }, { path: 'v', data: 'data/v.txt', mode: LINK }, readThrough('v')]));
    assert.equal(fn.state, 'Active', JSON.stringify(fn));
    const res = await call('POST', '/2023-03-30/functions/fine/invocations', 'x');
    assert.equal(res.text, 'inside');
  });
});
