/**
 * PreparedRefs keeps the first held revision in fields and the others in a Map made on demand (issue 16's memory
 * row): holds and drops in any order release each handle exactly when its last holder lets go. Pins the behaviour
 * (it passes on the all-Map version too).
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { PreparedRefs } from '../../src/domain/prepared-refs.ts';
import type { PreparedRevision } from '../../src/domain/ports/backend.ts';
import { sampleRevision } from '../helpers/fixtures.ts';

const handle = (id: number): PreparedRevision => ({ revision: { ...sampleRevision, id } }) as unknown as PreparedRevision;

it('releases each handle when its last holder lets go, whichever revision was held first', () => {
  const refs = new PreparedRefs();
  const [h1, h2, h3] = [handle(1), handle(2), handle(3)];
  refs.hold(h1);
  refs.hold(h2);
  refs.hold(h1);
  refs.hold(h3);
  assert.equal(refs.get(1), h1);
  assert.equal(refs.get(2), h2);
  assert.ok(refs.owns(h3));
  assert.ok(!refs.owns(handle(3)), 'another handle of the same revision is not the one held');
  assert.equal(refs.get(4), undefined);

  assert.equal(refs.drop(1), undefined, 'revision 1 is still held once');
  assert.equal(refs.drop(1), h1);
  assert.equal(refs.get(1), undefined);
  assert.equal(refs.drop(1), undefined, 'dropping what is not held does nothing');

  // A new revision while others are held; then the others go.
  const h4 = handle(4);
  refs.hold(h4);
  refs.hold(h2);
  assert.equal(refs.get(4), h4);
  assert.equal(refs.drop(2), undefined);
  assert.equal(refs.drop(2), h2);
  assert.equal(refs.drop(3), h3);
  assert.deepEqual(refs.clear().map((h) => h.revision.id), [4]);
  assert.deepEqual(refs.clear(), []);
  refs.hold(h1);
  assert.equal(refs.drop(1), h1);
});
