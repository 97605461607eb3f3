/**
 * One request must never stall every other: user text that meets a pattern is checked in linear time. Each case would
 * take minutes with the old backtracking patterns (quadratic or worse in the input); here it answers at once. The server
 * runs in its own process so that a blocked event loop there meets this process's generous client timeout.
 */
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type ServerProcess, startServerProcess } from '../helpers/server-process.ts';

const timeout = () => ({ signal: AbortSignal.timeout(60_000) });

describe('no request stalls the server', () => {
  let fc: ServerProcess;
  before(async () => {
    fc = await startServerProcess(['--clock', 'manual']);
  });
  after(() => fc.stop());

  it('refuses a zipFile of whitespace and one bad character at once (CreateFunction, UpdateFunction, PublishLayerVersion)', async () => {
    const zipFile = `${' '.repeat(2 * 1024 * 1024)}!`;
    const calls: Array<[string, string, unknown]> = [
      ['POST', '/2023-03-30/functions', { functionName: 'ws', runtime: 'nodejs20', handler: 'index.handler', code: { zipFile } }],
      ['PUT', '/2023-03-30/functions/ws', { code: { zipFile } }],
      ['POST', '/2023-03-30/layers/ws/versions', { code: { zipFile }, compatibleRuntime: ['nodejs20'] }],
    ];
    for (const [method, path, body] of calls) {
      const res = await fetch(`${fc.url}${path}`, { method, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), ...timeout() });
      const json = (await res.json()) as { Code: string };
      assert.ok(res.status === 400 || res.status === 404, `${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
      if (res.status === 400) assert.equal(json.Code, 'InvalidArgument');
    }
  });

  it('matches a fault rule glob with many stars against a long name at once', async () => {
    const rule = await fetch(`${fc.url}/_localfc/faults`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ match: { phase: 'api', functionName: '*a*a*a*a*a*a*b' }, effect: { type: 'error', code: 'Injected' } }), ...timeout(),
    });
    assert.equal(rule.status, 200, await rule.text());
    const res = await fetch(`${fc.url}/2023-03-30/functions/${'a'.repeat(3000)}`, timeout());
    assert.equal(res.status, 400, 'a name that does not match the rule reaches validation');
    const hit = await fetch(`${fc.url}/2023-03-30/functions/${'a'.repeat(60)}b`, timeout());
    assert.equal(((await hit.json()) as { Code: string }).Code, 'Injected');
  });
});
