/**
 * The log tail (x-fc-log-result) of calls that share an instance (instanceConcurrency > 1), process backend: each call
 * gets the lines that name its request id (FC's custom-runtime spec: "include x-fc-request-id in your logs to correlate
 * log entries with invocations"), never another call's; lines that name no request id, printed while several calls
 * ran, are in no call's tail (the instance log keeps them); what a call printed alone is its own.
 */
import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import type { BackendInstance, FunctionIdentity, InvocationRequest } from '../../src/domain/ports/backend.ts';
import { ProcessBackend } from '../../src/backends/process/index.ts';
import type { FunctionConfig, Revision } from '../../src/domain/model.ts';
import { createZip } from '../helpers/zip.ts';

// Holds /invoke calls until two are in, then prints for both, interleaved, and answers both. A call with body 'solo'
// is answered at once.
const SERVER = `
const held = [];
require('http').createServer((req, res) => {
  const rid = req.headers['x-fc-request-id'];
  let body = '';
  req.on('data', (c) => (body += c));
  req.on('end', () => {
    console.log('FC Invoke Start RequestId: ' + rid);
    if (body === 'solo') { console.log('alone, no id'); console.log('FC Invoke End RequestId: ' + rid); return res.end('ok'); }
    held.push({ rid, res });
    if (held.length < 2) return;
    for (let i = 0; i < 3; i++) for (const h of held) console.log(h.rid + ' line ' + i);
    console.error('shared, no id');
    for (const h of held) { console.log('FC Invoke End RequestId: ' + h.rid); h.res.end('ok'); }
    held.length = 0;
  });
}).listen(Number(process.env.FC_SERVER_PORT), '0.0.0.0');
`;

describe('log tails of calls that share an instance (process backend)', () => {
  const backend = new ProcessBackend({});
  after(() => backend.close());

  it("each call's tail holds its own lines only", async () => {
    const zip = createZip([{ path: 'server.js', data: SERVER }]);
    const config: FunctionConfig = {
      runtime: 'custom.debian10', handler: 'index.handler', description: '', timeout: 30, memorySize: 128, cpu: 0.1, diskSize: 512,
      instanceConcurrency: 2, internetAccess: true, environmentVariables: {}, layers: [], passthrough: {},
      customRuntimeConfig: { command: ['node', 'server.js'] },
    } as FunctionConfig;
    const revision: Revision = { id: 1, config, code: { zip, checksum: '1', size: zip.length }, codeChecksum: '1', codeSize: zip.length, createdAt: 0 };
    const fn: FunctionIdentity = { functionName: 'shared-logs', functionArn: 'acs:fc:cn-hangzhou:123:functions/shared-logs', region: 'cn-hangzhou', accountId: '123', qualifier: 'LATEST' };
    const prepared = await backend.prepare({ fn, revision, log: () => undefined, signal: new AbortController().signal });
    const inst: BackendInstance = await backend.startInstance(prepared, 'c-shared-logs');
    const call = (requestId: string, body = 'x') =>
      backend.invoke(inst, { requestId, body: Buffer.from(body), headers: { 'content-type': 'text/plain' }, kind: 'event', timeoutMs: 30_000, tailLogs: true } as InvocationRequest);

    const solo = await call('1-solo-0001', 'solo');
    assert.deepEqual(solo.logs?.trimEnd().split('\n'), ['FC Invoke Start RequestId: 1-solo-0001', 'alone, no id', 'FC Invoke End RequestId: 1-solo-0001']);

    const [a, b] = await Promise.all([call('1-aaaa-0001'), call('1-bbbb-0002')]);
    for (const [r, rid] of [[a, '1-aaaa-0001'], [b, '1-bbbb-0002']] as const) {
      assert.deepEqual(r.logs?.trimEnd().split('\n'), [`FC Invoke Start RequestId: ${rid}`, `${rid} line 0`, `${rid} line 1`, `${rid} line 2`, `FC Invoke End RequestId: ${rid}`], r.logs);
    }
    // The instance's log keeps everything.
    assert.match(backend.instanceLogs(inst), /shared, no id/);
  });
});
