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

it('a request id names the second it was made in, across second boundaries (the hex is reused within a second)', () => {
  const ids = randomIds();
  const t = Date.UTC(2026, 11, 1, 8, 0, 0);
  for (const ms of [t, t + 999, t + 1000, t + 1000, t + 61_500, t + 999]) {
    assert.equal(ids.requestId(ms).split('-')[1], Math.floor(ms / 1000).toString(16), `at ${ms}`);
  }
});

it("every one of a request id's 20 random hex digits takes all 16 values (80 random bits, none fixed or skipped)", () => {
  const ids = randomIds();
  const seen = Array.from({ length: 20 }, () => new Set<string>());
  for (let i = 0; i < 2_000; i++) {
    const [, , a, b] = ids.requestId(Date.now()).split('-');
    [...a!, ...b!].forEach((digit, at) => seen[at]!.add(digit));
  }
  assert.deepEqual(seen.map((s) => s.size), Array(20).fill(16));
});
