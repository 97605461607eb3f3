/**
 * transition() as a pure function: for each (function as it is, event) the whole outcome (state fields, what is latest,
 * what serves, the serving handle, the effects in order) or the refusal. No clock, no HTTP, no dispatcher.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { setFlagsFromString } from 'node:v8';
import { newEntry } from '../../src/domain/function-entry.ts';
import { FunctionLifecycle } from '../../src/domain/lifecycle.ts';
import { ManualClock } from '../../src/clock.ts';
import type { FunctionRecord, Revision } from '../../src/domain/model.ts';
import type { PreparedRevision } from '../../src/domain/ports/backend.ts';
import { type Effect, type Lifecycle, type StateEvent, transition } from '../../src/domain/state-machine.ts';
import { sampleRevision } from '../helpers/fixtures.ts';

const rev1: Revision = sampleRevision;
const rev2: Revision = { ...sampleRevision, id: 2, codeChecksum: '2' };
const rev3: Revision = { ...sampleRevision, id: 3, codeChecksum: '3' };
const handle = (revision: Revision): PreparedRevision => ({
  key: `f#${revision.id}`,
  config: revision.config,
  revision,
  fn: { functionName: 'f', functionArn: 'arn', region: 'r', accountId: 'a', qualifier: 'LATEST' },
});
const p1 = handle(rev1);
const p2 = handle(rev2);
const blank: Lifecycle = {
  record: { functionName: 'f', functionId: 'id', functionArn: 'arn', createdTime: 0, lastModifiedTime: 0, state: 'Pending', lastUpdateStatus: 'InProgress', latest: rev1, tags: [] },
};

/** The function after a run of events, each of which must be accepted. */
function after(lc: Lifecycle, ...events: StateEvent[]): Lifecycle {
  for (const e of events) {
    const r = transition(lc, e);
    assert.ok(r.ok, `${e.type} refused: ${r.ok ? '' : r.why}`);
    lc = { record: r.record, prepared: r.prepared };
  }
  return lc;
}

const creating = after(blank, { type: 'create', revision: rev1 });
const active = after(creating, { type: 'prepared', prepared: p1 });
const updating = after(active, { type: 'update', revision: rev2, at: 50 });
const failed = after(active, { type: 'invalidate', code: 'ImageDeleted', reason: 'gone' });
const updatingFailed = after(failed, { type: 'update', revision: rev2, at: 60 });
const inactive = after(active, { type: 'idle' });
const waking = after(inactive, { type: 'wake' });
const restoring = after(active, { type: 'restore' });
/** Saved while an update was in progress: the record as persistence brings it back (no preparation under way). */
const restoredMidUpdate = after({ record: (({ preparing: _, ...r }) => r)(updating.record) as FunctionRecord, prepared: undefined }, { type: 'restore' });

interface Expected {
  /** Fields of the record the outcome must have (undefined: absent). */
  readonly record: Partial<Record<keyof FunctionRecord, unknown>>;
  readonly prepared: PreparedRevision | undefined;
  readonly effects: readonly Effect[];
}

const cases: ReadonlyArray<readonly [string, Lifecycle, StateEvent, Expected | 'refused']> = [
  ['create', blank, { type: 'create', revision: rev1 }, {
    record: { state: 'Pending', stateReasonCode: 'Creating', lastUpdateStatus: 'InProgress', lastUpdateStatusReasonCode: 'Creating', latest: rev1, serving: undefined, preparing: { kind: 'create', revisionId: 1 } },
    prepared: undefined,
    effects: [{ type: 'prepare', kind: 'create' }],
  }],
  ['create prepared: serves, held, idle countdown', creating, { type: 'prepared', prepared: p1 }, {
    record: { state: 'Active', stateReasonCode: undefined, stateReason: undefined, lastUpdateStatus: 'Successful', lastUpdateStatusReasonCode: undefined, serving: rev1, latest: rev1, preparing: undefined },
    prepared: p1,
    effects: [{ type: 'hold', prepared: p1 }, { type: 'armIdle' }],
  }],
  ['create failed', creating, { type: 'prepareFailed', code: 'ImageAccessDenied', reason: 'denied' }, {
    record: { state: 'Failed', stateReasonCode: 'ImageAccessDenied', stateReason: 'denied', lastUpdateStatus: 'Failed', lastUpdateStatusReasonCode: 'ImageAccessDenied', serving: undefined, preparing: undefined },
    prepared: undefined,
    effects: [],
  }],
  ['update of an Active function: the old revision keeps serving', active, { type: 'update', revision: rev2, at: 50 }, {
    record: { state: 'Active', lastUpdateStatus: 'InProgress', lastUpdateStatusReasonCode: 'Updating', latest: rev2, serving: rev1, lastModifiedTime: 50, preparing: { kind: 'update', revisionId: 2 } },
    prepared: p1,
    effects: [{ type: 'prepare', kind: 'update' }],
  }],
  ['a second update supersedes the one in progress: the newest is prepared, the old revision keeps serving', updating, { type: 'update', revision: rev3, at: 51 }, {
    record: { state: 'Active', lastUpdateStatus: 'InProgress', lastUpdateStatusReasonCode: 'Updating', latest: rev3, serving: rev1, lastModifiedTime: 51, preparing: { kind: 'update', revisionId: 3 } },
    prepared: p1,
    effects: [{ type: 'prepare', kind: 'update' }],
  }],
  ['an update while being created (Terraform does not wait): still Pending, Creating, the newest is prepared', creating, { type: 'update', revision: rev2, at: 5 }, {
    record: { state: 'Pending', stateReasonCode: 'Creating', lastUpdateStatus: 'InProgress', lastUpdateStatusReasonCode: 'Creating', latest: rev2, serving: undefined, lastModifiedTime: 5, preparing: { kind: 'create', revisionId: 2 } },
    prepared: undefined,
    effects: [{ type: 'prepare', kind: 'create' }],
  }],
  ['an update while waking: Pending, Updating, the update is prepared instead', waking, { type: 'update', revision: rev2, at: 70 }, {
    record: { state: 'Pending', stateReasonCode: 'Updating', lastUpdateStatus: 'InProgress', latest: rev2, serving: rev1, lastModifiedTime: 70, preparing: { kind: 'update', revisionId: 2 } },
    prepared: undefined,
    effects: [{ type: 'clearIdle' }, { type: 'prepare', kind: 'update' }],
  }],
  ['update prepared: the new revision serves, the old one is let go after the new is held', updating, { type: 'prepared', prepared: p2 }, {
    record: { state: 'Active', lastUpdateStatus: 'Successful', lastUpdateStatusReasonCode: undefined, serving: rev2, latest: rev2, preparing: undefined },
    prepared: p2,
    effects: [{ type: 'hold', prepared: p2 }, { type: 'armIdle' }, { type: 'letGo', prepared: p1 }],
  }],
  ['update failed on an Active function: the previous revision serves and is latest again', updating, { type: 'prepareFailed', code: 'InvalidConfiguration', reason: 'r' }, {
    record: { state: 'Active', stateReasonCode: undefined, lastUpdateStatus: 'Failed', lastUpdateStatusReasonCode: 'InvalidConfiguration', latest: rev1, serving: rev1, preparing: undefined },
    prepared: p1,
    effects: [],
  }],
  ['idle while an update is in progress', updating, { type: 'idle' }, 'refused'],
  ['invalidate: Failed, nothing else changes', active, { type: 'invalidate', code: 'ImageDeleted', reason: 'gone' }, {
    record: { state: 'Failed', stateReasonCode: 'ImageDeleted', stateReason: 'gone', lastUpdateStatus: 'Successful', serving: rev1 },
    prepared: p1,
    effects: [],
  }],
  ['invalidate again for the same reason', failed, { type: 'invalidate', code: 'ImageDeleted', reason: 'gone' }, 'refused'],
  ['update of a Failed function goes through Pending, with no idle countdown', failed, { type: 'update', revision: rev2, at: 60 }, {
    record: { state: 'Pending', stateReasonCode: 'Updating', lastUpdateStatus: 'InProgress', latest: rev2, serving: rev1, lastModifiedTime: 60, preparing: { kind: 'update', revisionId: 2 } },
    prepared: p1,
    effects: [{ type: 'clearIdle' }, { type: 'prepare', kind: 'update' }],
  }],
  ['update of a Failed function prepared: it recovers', updatingFailed, { type: 'prepared', prepared: p2 }, {
    record: { state: 'Active', stateReasonCode: undefined, lastUpdateStatus: 'Successful', serving: rev2, latest: rev2 },
    prepared: p2,
    effects: [{ type: 'hold', prepared: p2 }, { type: 'armIdle' }, { type: 'letGo', prepared: p1 }],
  }],
  ['update of a Failed function fails: Failed again, latest back to what served', updatingFailed, { type: 'prepareFailed', code: 'Y', reason: 'r' }, {
    record: { state: 'Failed', stateReasonCode: 'Y', lastUpdateStatus: 'Failed', lastUpdateStatusReasonCode: 'Y', latest: rev1, serving: rev1, preparing: undefined },
    prepared: p1,
    effects: [],
  }],
  ['idle: Inactive, the serving hold let go, the serving revision still shown', active, { type: 'idle' }, {
    record: { state: 'Inactive', stateReasonCode: 'Idle', lastUpdateStatus: 'Successful', serving: rev1 },
    prepared: undefined,
    effects: [{ type: 'clearIdle' }, { type: 'letGo', prepared: p1 }],
  }],
  ['idle while Inactive', inactive, { type: 'idle' }, 'refused'],
  ['wake: Pending (Restoring), not an update', inactive, { type: 'wake' }, {
    record: { state: 'Pending', stateReasonCode: 'Restoring', lastUpdateStatus: 'Successful', preparing: { kind: 'wake', revisionId: 1 } },
    prepared: undefined,
    effects: [{ type: 'prepare', kind: 'wake' }],
  }],
  ['wake of an Active function', active, { type: 'wake' }, 'refused'],
  ['wake prepared: Active, lastUpdateStatus untouched', waking, { type: 'prepared', prepared: p1 }, {
    record: { state: 'Active', stateReasonCode: undefined, lastUpdateStatus: 'Successful', serving: rev1, preparing: undefined },
    prepared: p1,
    effects: [{ type: 'hold', prepared: p1 }, { type: 'armIdle' }],
  }],
  ['wake failed: stays Inactive with the reason', waking, { type: 'prepareFailed', code: 'Z', reason: 'r' }, {
    record: { state: 'Inactive', stateReasonCode: 'Z', lastUpdateStatus: 'Successful', preparing: undefined },
    prepared: undefined,
    effects: [],
  }],
  ['restore after a restart: Pending again', active, { type: 'restore' }, {
    record: { state: 'Pending', stateReasonCode: 'Restoring', stateReason: 'Function is being prepared again after localfc restarted', lastUpdateStatus: 'Successful', preparing: { kind: 'restore', revisionId: 1 } },
    prepared: p1,
    effects: [{ type: 'prepare', kind: 'restore' }],
  }],
  ['restore of a Failed function', failed, { type: 'restore' }, 'refused'],
  ['restore of an Inactive function', inactive, { type: 'restore' }, 'refused'],
  ['restored and prepared: Active, lastUpdateStatus as saved', restoring, { type: 'prepared', prepared: p1 }, {
    record: { state: 'Active', lastUpdateStatus: 'Successful', preparing: undefined },
    prepared: p1,
    effects: [{ type: 'hold', prepared: p1 }, { type: 'armIdle' }, { type: 'letGo', prepared: p1 }],
  }],
  ['restored mid-update and prepared: the update ends Successful', restoredMidUpdate, { type: 'prepared', prepared: p2 }, {
    record: { state: 'Active', lastUpdateStatus: 'Successful', lastUpdateStatusReasonCode: undefined, serving: rev2 },
    prepared: p2,
    effects: [{ type: 'hold', prepared: p2 }, { type: 'armIdle' }],
  }],
  ['restored mid-update and failed: the update failed too', restoredMidUpdate, { type: 'prepareFailed', code: 'X', reason: 'r' }, {
    record: { state: 'Failed', stateReasonCode: 'X', lastUpdateStatus: 'Failed', lastUpdateStatusReasonCode: 'X' },
    prepared: undefined,
    effects: [],
  }],
  ['prepared with nothing being prepared', active, { type: 'prepared', prepared: p2 }, 'refused'],
  ['prepareFailed with nothing being prepared', active, { type: 'prepareFailed', code: 'X', reason: 'r' }, 'refused'],
  ['invoked: only the idle countdown starts again', active, { type: 'invoked' }, {
    record: { state: 'Active', lastUpdateStatus: 'Successful', serving: rev1 },
    prepared: p1,
    effects: [{ type: 'armIdle' }],
  }],
  ['invoked while Inactive', inactive, { type: 'invoked' }, 'refused'],
];

describe('transition(): event → whole outcome', () => {
  for (const [name, before, event, expected] of cases) {
    it(`${name} (${before.record.state} + ${event.type})`, () => {
      const frozen = structuredClone(before.record);
      const out = transition(before, event);
      assert.deepEqual(before.record, frozen, 'the function given is not changed');
      if (expected === 'refused') {
        assert.equal(out.ok, false);
        return;
      }
      assert.ok(out.ok, out.ok ? '' : out.why);
      const got = Object.fromEntries(Object.keys(expected.record).map((k) => [k, out.record[k as keyof FunctionRecord]]));
      assert.deepEqual(got, expected.record);
      assert.equal(out.prepared, expected.prepared);
      assert.deepEqual(out.effects, expected.effects);
    });
  }

  it('an event that changes no field gives back the same record and says so (nothing to record or save)', () => {
    const out = transition(active, { type: 'invoked' });
    assert.ok(out.ok);
    assert.equal(out.changed, false);
    assert.equal(out.record, active.record);
    const changed = transition(active, { type: 'idle' });
    assert.ok(changed.ok && changed.changed);
  });

  // One record and one entry per function, for as long as it exists: an object that lost a property with `delete` is a
  // V8 dictionary several times the size of the same fields in fast mode (issue 16's 10,000-function memory row).
  it('clearing fields leaves the record and the entry in V8 fast mode (nothing deleted)', async () => {
    setFlagsFromString('--allow-natives-syntax');
    const fast = new Function('o', 'return %HasFastProperties(o)') as (o: object) => boolean;
    const served = after(updating, { type: 'prepared', prepared: p2 }, { type: 'invalidate', code: 'ImageDeleted', reason: 'gone' }, { type: 'update', revision: rev1, at: 70 });
    assert.equal('preparing' in active.record, false, 'preparing cleared');
    assert.equal('stateReasonCode' in after(served, { type: 'prepared', prepared: p1 }).record, false, 'the failure reason cleared');
    for (const lc of [active, served, after(served, { type: 'prepared', prepared: p1 })]) assert.ok(fast(lc.record), `the record after ${lc.record.state} is in fast mode`);

    const clock = new ManualClock(0);
    const entry = newEntry(creating.record, clock, Math.random, undefined);
    const dispatcher = new FunctionLifecycle({ clock, timing: { inactiveAfterMs: 1000 } as never, track: () => {}, retire: async () => {}, prepare: () => undefined });
    for (const event of [{ type: 'prepared', prepared: p1 }, { type: 'idle' }] as const) assert.ok(dispatcher.dispatch(entry, event).ok);
    assert.equal(entry.prepared, undefined, 'idle let go of the serving handle');
    assert.ok(fast(entry), 'the entry is in fast mode');
  });
});

