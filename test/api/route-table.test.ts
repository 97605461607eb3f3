/**
 * Route groups built on their first request (api/lazy-routes.ts): each group's route table matches the routes it builds,
 * whatever the configuration, and a client gets the same answers (raw HTTP, byte for byte but the Date header, and the
 * same access log lines) whether the request is the one that builds its group or the group was built before. The OpenAPI
 * document served as a server's first request is the committed one, in its order.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { OPERATION_TABLE } from '../../src/api/operation-table.ts';
import { operationRoutes } from '../../src/api/operations.ts';
import { createApp } from '../../src/app.ts';
import { parseConfig } from '../../src/config.ts';
import { sequentialIds } from '../../src/ids.ts';
import { start } from '../../src/index.ts';
import { rawRequest } from '../helpers/raw-http.ts';

it("every group's routes match its table, in each configuration that could change them", async () => {
  const configs = [{}, { backend: 'process' }, { accessKeys: [{ accessKeyId: 'ak', accessKeySecret: 'sk' }] }, { adminToken: 'token' }, { publicUrl: 'http://127.0.0.1:9999' }];
  for (const config of configs) {
    const app = createApp(parseConfig({ log: 'silent', clock: 'manual', ...config }));
    await app.loadRoutes(); // rejects naming the group whose table is stale
    await app.close();
  }
});

it('the operation table names each route of the committed OpenAPI document by its operation', () => {
  const committed = JSON.parse(readFileSync(new URL('../../openapi/localfc.json', import.meta.url), 'utf8')) as Parameters<typeof operationRoutes>[0];
  assert.deepEqual(OPERATION_TABLE, operationRoutes(committed), 'stale: run npm run routes');
  assert.ok(OPERATION_TABLE.some(([method, path, operation]) => method === 'GET' && path === '/2023-03-30/functions/:functionName' && operation === 'GetFunction'));
});

/** One request to a server of its own (the request that builds its group), or to one whose groups are built: raw answer and log lines. */
async function answer(prebuilt: boolean, method: string, path: string, body = ''): Promise<{ raw: string; log: string[] }> {
  const log: string[] = [];
  const fc = await start({ clock: 'manual', log: 'text' }, { ids: sequentialIds('lazy'), logLine: (l) => log.push(l.replace(/\d+ms/, 'Nms')) });
  try {
    if (prebuilt) await fc.localfc.loadRoutes();
    const head = `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1:${fc.port}${body ? `\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}` : ''}`;
    const res = await rawRequest(fc.port, head, body ? [body] : []);
    return { raw: res.raw.replace(/^date: .*$/im, 'date: -'), log };
  } finally {
    await fc.stop();
  }
}

it('answers the same whether the request builds its group or the group was built before', async () => {
  const probes: Array<[string, string, string?]> = [
    ['GET', '/_localfc/health'],
    ['GET', '/2023-03-30/functions/nope/versions'],
    ['POST', '/2023-03-30/functions/nope/versions', '{"description":'],
    ['PATCH', '/2023-03-30/functions/nope/versions'],
    ['GET', '/2023-03-30/functions/nope/aliases/a%20b'],
    ['PUT', '/2023-03-30/functions/nope/provision-config', '{"target":-1}'],
    ['GET', '/2023-03-30/functions/nope/async-invoke-config'],
    ['GET', '/2023-03-30/layers'],
    ['GET', '/2023-03-30/tags'],
    ['GET', '/2023-03-30/no-such-path'],
    ['GET', '/_localfc/functions/nope/timeline'],
    ['GET', '/_localfc/ui'],
  ];
  for (const [method, path, body] of probes) {
    const [building, built] = [await answer(false, method, path, body), await answer(true, method, path, body)];
    assert.equal(building.raw, built.raw, `${method} ${path}`);
    assert.deepEqual(building.log, built.log, `${method} ${path}`);
    assert.doesNotMatch(building.raw, /^HTTP\/1\.1 500/, `${method} ${path}`);
  }
});

it('serves the committed OpenAPI document, in its order, as its first request', async () => {
  const fc = await start({ clock: 'manual' });
  try {
    const res = await fetch(`${fc.url}/openapi.json`, { signal: AbortSignal.timeout(60_000) });
    assert.equal(res.status, 200);
    const committed = readFileSync(new URL('../../openapi/localfc.json', import.meta.url), 'utf8');
    assert.equal(`${JSON.stringify(await res.json(), null, 2)}\n`, committed);
  } finally {
    await fc.stop();
  }
});

it('builds a group once when its first requests arrive together', async () => {
  const fc = await start({ clock: 'manual' });
  try {
    const answers = await Promise.all(Array.from({ length: 8 }, () => fetch(`${fc.url}/2023-03-30/functions/nope/versions`, { signal: AbortSignal.timeout(60_000) })));
    for (const res of answers) {
      assert.equal(res.status, 404);
      assert.equal(((await res.json()) as { Code: string }).Code, 'FunctionNotFound');
    }
  } finally {
    await fc.stop();
  }
});
