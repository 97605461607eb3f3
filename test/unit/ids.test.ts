import assert from 'node:assert/strict';
import { it } from 'node:test';
import { randomIds } from '../../src/ids.ts';

it("request ids have FC's form (1-<seconds in hex>-<8 hex>-<12 hex>) and do not repeat", () => {
  const ids = randomIds();
  const now = Date.UTC(2026, 10, 30, 12);
  const seen = new Set<string>();
  for (let i = 0; i < 10_000; i++) {
    const id = ids.requestId(now);
    assert.match(id, /^1-[0-9a-f]+-[0-9a-f]{8}-[0-9a-f]{12}$/);
    assert.equal(id.split('-')[1], Math.floor(now / 1000).toString(16));
    seen.add(id);
  }
  assert.equal(seen.size, 10_000);
});
