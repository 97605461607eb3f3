import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ReservedConcurrencyGuard } from '../../src/domain/concurrency-guard.ts';
import { FcError } from '../../src/domain/errors.ts';

it('refuses a call past the reserved concurrency and takes one again once a call ended (released once, however often called)', () => {
  const guard = new ReservedConcurrencyGuard((name) => (name === 'limited' ? 2 : undefined));
  const a = guard.acquire('limited');
  const b = guard.acquire('limited');
  assert.throws(() => guard.acquire('limited'), (e: unknown) => e instanceof FcError && e.code === 'ResourceThrottled');
  a();
  a();
  assert.equal(guard.inFlight('limited'), 1);
  const c = guard.acquire('limited');
  assert.throws(() => guard.acquire('limited'), FcError);
  b();
  c();
  assert.equal(guard.inFlight('limited'), 0);
  for (let i = 0; i < 50; i++) guard.acquire('unlimited');
  assert.equal(guard.inFlight('unlimited'), 50);
});

it("keeps a function's count at 0 between calls (no Map delete and insert per call), and only for a bounded number of functions", () => {
  const guard = new ReservedConcurrencyGuard(() => undefined);
  guard.acquire('hot')();
  assert.equal(guard.tracked, 1, 'the count of a function whose calls ended is kept');
  // Names that come and go: the guard does not grow past its bound however many functions were ever invoked.
  for (let i = 0; i < 10_000; i++) guard.acquire(`fn-${i}`)();
  assert.ok(guard.tracked <= 257, `tracked ${guard.tracked}`);
  assert.equal(guard.inFlight('fn-9999'), 0);
  // Counts of calls in flight are never dropped.
  const held = Array.from({ length: 400 }, (_, i) => guard.acquire(`held-${i}`));
  assert.equal(guard.inFlight('held-399'), 1);
  for (const release of held) release();
  assert.equal(guard.inFlight('held-0'), 0);
});
