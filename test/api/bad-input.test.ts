/**
 * Bad input never crashes or answers a bare 500: always the cloud's error body, and other functions stay as they were.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import { createZip } from '../helpers/zip.ts';

const zip = createZip([{ path: 'index.js', data: 'x' }]).toString('base64');

describe('bad input', () => {
  const { app, close } = createApp(parseConfig({ clock: 'manual', log: 'silent', maxBodyBytes: 64 * 1024 }));
  const call = (method: string, path: string, body?: string, headers: Record<string, string> = { 'content-type': 'application/json' }) =>
    app.request(path, { method, ...(body !== undefined ? { body, headers } : {}) });
  const expectError = async (res: Response, status: number, code: string) => {
    assert.equal(res.status, status);
    const body = (await res.json()) as Record<string, string>;
    assert.equal(body.Code, code, JSON.stringify(body));
    assert.ok(body.Message && body.RequestId);
    assert.equal(res.headers.get('x-fc-request-id'), body.RequestId);
    return body;
  };

  it('keeps a valid function untouched through every bad call', async () => {
    const ok = await call('POST', '/2023-03-30/functions', JSON.stringify({ functionName: 'keep', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile: zip } }));
    assert.equal(ok.status, 200);
    const before = await (await call('GET', '/2023-03-30/functions/keep')).json();

    await expectError(await call('POST', '/2023-03-30/functions', '{not json'), 400, 'InvalidArgument');
    await expectError(await call('POST', '/2023-03-30/functions', JSON.stringify({ functionName: 'x', runtime: 5, handler: 'h' })), 400, 'InvalidArgument');
    await expectError(await call('POST', '/2023-03-30/functions', JSON.stringify({ functionName: 'x', runtime: 'nodejs20', handler: 'h', timeout: 'soon' })), 400, 'InvalidArgument');
    await expectError(await call('POST', '/2023-03-30/functions', JSON.stringify({ functionName: 'x', runtime: 'nodejs20', handler: 'h', code: { zipFile: 'not base64!' } })), 400, 'InvalidArgument');
    await expectError(await call('POST', '/2023-03-30/functions', JSON.stringify({ functionName: 'x', runtime: 'nodejs20', handler: 'h' })), 400, 'InvalidArgument');
    await expectError(await call('POST', '/2023-03-30/functions', JSON.stringify({ functionName: 'x', runtime: 'nodejs20', handler: 'h', memorySize: 100, code: { zipFile: zip } })), 400, 'InvalidArgument');
    await expectError(await call('POST', '/2023-03-30/functions', JSON.stringify([1, 2])), 400, 'InvalidArgument');
    await expectError(await call('POST', '/2023-03-30/functions', 'x'.repeat(100 * 1024)), 400, 'EntityTooLarge');
    await expectError(await call('PUT', '/2023-03-30/functions/keep', '{"timeout": -1}'), 400, 'InvalidArgument');
    await expectError(await call('GET', '/2023-03-30/functions/nope'), 404, 'FunctionNotFound');
    await expectError(await call('GET', '/2023-03-30/functions?limit=0'), 400, 'InvalidArgument');
    await expectError(await call('GET', '/2023-03-30/functions?tags=notjson'), 400, 'InvalidArgument');
    await expectError(await call('PATCH', '/2023-03-30/functions/keep'), 400, 'PathNotSupported');
    await expectError(await call('POST', '/2023-03-30/functions/keep', 'x', { 'content-type': 'text/plain' }), 400, 'PathNotSupported');
    await expectError(await call('POST', '/2023-03-30/functions', '{}', { 'content-type': 'text/plain' }), 400, 'InvalidArgument');
    await expectError(await call('POST', '/_localfc/clock/advance', '{"ms":"x"}'), 400, 'InvalidArgument');

    assert.deepEqual(await (await call('GET', '/2023-03-30/functions/keep')).json(), before);
    await close();
  });
});
