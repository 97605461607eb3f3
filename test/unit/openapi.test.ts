/**
 * The committed OpenAPI document must match what the code generates (run `npm run openapi` after changing routes).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { it } from 'node:test';
import { openapiDocument } from '../../src/openapi.ts';

it('openapi/localfc.json is up to date with the route schemas', async () => {
  const committed: unknown = JSON.parse(readFileSync(new URL('../../openapi/localfc.json', import.meta.url), 'utf8'));
  assert.deepEqual(committed, JSON.parse(JSON.stringify(await openapiDocument())), 'openapi/localfc.json is stale: run `npm run openapi` and commit it');
});

it('documents the FC operations by their SDK names', async () => {
  const doc = (await openapiDocument()) as { paths: Record<string, Record<string, { operationId?: string }>> };
  const ids = Object.values(doc.paths).flatMap((p) => Object.values(p).map((o) => o.operationId));
  for (const op of ['CreateFunction', 'GetFunction', 'UpdateFunction', 'DeleteFunction', 'ListFunctions', 'InvokeFunction']) assert.ok(ids.includes(op), op);
});
