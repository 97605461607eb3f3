/**
 * partsCheck (api/lean-route.ts) leaves out zod's parse where zod would give back the same object: a part whose
 * schema fields are plain strings (or optional string, enum or literal fields left absent). What it accepts must be
 * what zod's parse gives, and what zod refuses must still be refused.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { z } from '@hono/zod-openapi';
import type { ZodType } from 'zod';
import { partsCheck, type Target } from '../../src/api/lean-route.ts';

/** Checks `value` as the query part of a route with `schema`, counting zod's parses. */
function check(schema: ZodType, value: Record<string, unknown>): { accepted?: object; refused: boolean; parses: number } {
  let parses = 0;
  const counted = Object.assign(Object.create(schema) as ZodType, {
    safeParse: (v: unknown) => {
      parses++;
      return schema.safeParse(v);
    },
  });
  // Object.create keeps zod's own description (_zod) reachable, as on the real schema.
  let accepted: object | undefined;
  const refused = partsCheck<null>({ query: counted as never }, (_r, _t: Target) => value, (_r, _t, data) => (accepted = data))(null) !== undefined;
  return { ...(accepted ? { accepted } : {}), refused, parses };
}

const getQuery = z.object({ qualifier: z.string().optional() });
const params = z.object({ functionName: z.string().openapi({ param: { name: 'functionName', in: 'path' } }) });
const invokeHeaders = z.object({
  'x-fc-invocation-type': z.enum(['Sync', 'Async', 'Task']).optional(),
  'x-fc-async-task-id': z.string().regex(/^[a-z]+$/).optional(),
});

describe('partsCheck without a parse where zod would change nothing', () => {
  it('plain string fields: the value is taken as zod would give it, without a parse', () => {
    for (const [schema, value] of [[getQuery, {}], [getQuery, { qualifier: 'LATEST' }], [params, { functionName: 'f' }], [invokeHeaders, {}]] as const) {
      const r = check(schema, value);
      assert.equal(r.refused, false);
      assert.equal(r.parses, 0, JSON.stringify(value));
      assert.deepEqual(r.accepted, schema.parse(value));
    }
  });

  it('whatever zod might refuse or change is parsed: a missing required field, an enum or regex field present, an unknown or non-string field', () => {
    const cases: Array<[ZodType, Record<string, unknown>, boolean]> = [
      [params, {}, true],
      [invokeHeaders, { 'x-fc-invocation-type': 'Sync' }, false],
      [invokeHeaders, { 'x-fc-invocation-type': 'sync' }, true],
      [invokeHeaders, { 'x-fc-async-task-id': 'A1' }, true],
      [getQuery, { qualifier: ['a', 'b'] }, true],
      [getQuery, { qualifier: 'a', other: 'x' }, false],
    ];
    for (const [schema, value, refused] of cases) {
      const r = check(schema, value);
      assert.equal(r.parses, 1, JSON.stringify(value));
      assert.equal(r.refused, refused, JSON.stringify(value));
      if (!refused) assert.deepEqual(r.accepted, schema.parse(value));
    }
  });

  it('schemas whose parse can fill in or change a value are always parsed', () => {
    for (const schema of [
      z.object({ q: z.string().default('x') }),
      z.object({ q: z.string().optional().default('x') }),
      z.object({ q: z.string().trim() }),
      z.object({ q: z.coerce.string() }),
      z.object({ q: z.string() }).refine(() => true),
      z.object({ q: z.string() }).catchall(z.string()),
    ]) {
      assert.equal(check(schema as ZodType, { q: ' a ' }).parses, 1);
    }
  });
});
