/**
 * A WebSocket (Upgrade) request through an HTTP trigger on the simulated backend, which runs no server to relay it to:
 * refused in FC's error shape instead of answering 200 OK without the 101 that every WebSocket client waits for. The
 * process backend relays it (test/e2e/http-trigger-websocket.test.ts).
 */
import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { $FC, localfcWithClient } from '../helpers/sdk.ts';
import { rawRequest } from '../helpers/raw-http.ts';
import { createZip } from '../helpers/zip.ts';

describe('an Upgrade request through an HTTP trigger', () => {
  const local = localfcWithClient({ clock: 'manual' });
  before(async () => {
    await local.client.createFunction(new $FC.CreateFunctionRequest({ body: new $FC.CreateFunctionInput({ functionName: 'ws', runtime: 'custom.debian10', handler: 'index.handler', customRuntimeConfig: new $FC.CustomRuntimeConfig({ command: ['node', 'server.js'] }), code: new $FC.InputCodeLocation({ zipFile: createZip([{ path: 'server.js', data: '' }]).toString('base64') }) }) }));
    await local.client.createTrigger('ws', new $FC.CreateTriggerRequest({ body: new $FC.CreateTriggerInput({ triggerName: 'web', triggerType: 'http', triggerConfig: '{"authType":"anonymous","methods":["GET"]}' }) }));
  });

  it("is refused with FC's error shape naming WebSocket; a plain request to the same URL is served", async () => {
    const head = (extra: string) => `GET /fcapp/ws/web/chat HTTP/1.1\r\nHost: 127.0.0.1:${local.fc.port}${extra}`;
    const upgrade = await rawRequest(local.fc.port, head('\r\nConnection: Upgrade\r\nUpgrade: websocket\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13'));
    assert.match(upgrade.raw, /^HTTP\/1\.1 400 /);
    const body = JSON.parse(upgrade.raw.slice(upgrade.raw.indexOf('\r\n\r\n') + 4)) as { Code: string; Message: string; RequestId: string };
    assert.equal(body.Code, 'NotSupported');
    assert.match(body.Message, /WebSocket.*simulated backend/);
    assert.match(body.RequestId, /^1-/);
    const plain = await rawRequest(local.fc.port, head(''));
    assert.match(plain.raw, /^HTTP\/1\.1 200 /, 'the simulated backend echoes a plain request');
  });

  it('an Upgrade request to the FC API is answered as a plain request, and its connection closed', async () => {
    const res = await rawRequest(local.fc.port, `GET /2023-03-30/functions/ws HTTP/1.1\r\nHost: 127.0.0.1:${local.fc.port}\r\nConnection: Upgrade\r\nUpgrade: h2c`);
    assert.equal(res.status, 200, res.raw);
    assert.equal((JSON.parse(res.body) as { functionName: string }).functionName, 'ws');
  });
});
