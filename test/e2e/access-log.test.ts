/**
 * The access log as a user sees it from the CLI: the readable line by default, pino records with `--log json`, nothing
 * with `--log silent`. The log is written asynchronously; every line is out once the server stopped on SIGTERM.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { startServerProcess } from '../helpers/server-process.ts';

/** Starts the CLI with `flags`, makes one request that fails with 404, stops it; returns that request's id and stderr. */
async function oneRequest(flags: string[]): Promise<{ requestId: string; stderr: string }> {
  const server = await startServerProcess(flags);
  const res = await fetch(`${server.url}/2023-03-30/functions/nope`, { headers: { 'x-acs-action': 'GetFunction' } });
  await res.arrayBuffer();
  assert.equal(res.status, 404);
  await server.stop();
  assert.equal(server.child.exitCode, 0);
  return { requestId: res.headers.get('x-fc-request-id')!, stderr: server.stderr() };
}

describe('access log', { timeout: 60_000 }, () => {
  it('text (the default of the CLI) writes one readable line per request to stderr', async () => {
    const { requestId, stderr } = await oneRequest(['--log', 'text']);
    // A refused request's line ends with its request id (the one its error body carries).
    assert.match(stderr, new RegExp(`^GET /2023-03-30/functions/nope 404 GetFunction \\d+ms ${requestId}$`, 'm'));
  });

  it('--log json writes one pino record per request with its fields', async () => {
    const { requestId, stderr } = await oneRequest(['--log', 'json']);
    const records = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, unknown>);
    const line = records.find((r) => r.requestId === requestId);
    assert.ok(line, `no record for ${requestId} in: ${stderr}`);
    assert.equal(line.method, 'GET');
    assert.equal(line.path, '/2023-03-30/functions/nope');
    assert.equal(line.status, 404);
    assert.equal(line.action, 'GetFunction');
    assert.equal(typeof line.ms, 'number');
    assert.equal(line.level, 30);
    assert.match(String(line.time), /^\d{4}-\d\d-\d\dT/);
    assert.match(String(line.msg), /^GET \/2023-03-30\/functions\/nope 404/);
  });

  it('--log silent writes no request line', async () => {
    const { stderr } = await oneRequest(['--log', 'silent']);
    assert.doesNotMatch(stderr, /functions\/nope/);
  });
});
