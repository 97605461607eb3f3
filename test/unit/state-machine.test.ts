/**
 * The transition table, event by event, with no clock and no HTTP.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { FunctionRecord, Revision } from '../../src/domain/model.ts';
import { transition, type StateEvent } from '../../src/domain/state-machine.ts';
import { sampleRevision } from '../helpers/fixtures.ts';

const rev: Revision = sampleRevision;
const blank: FunctionRecord = { functionName: 'f', functionId: 'id', functionArn: 'arn', createdTime: 0, lastModifiedTime: 0, state: 'Pending', lastUpdateStatus: 'InProgress', latest: rev, tags: [] };

function run(fn: FunctionRecord, ...events: StateEvent[]): FunctionRecord {
  for (const e of events) {
    const r = transition(fn, e);
    assert.ok(r.ok, `${e.type} refused: ${r.ok ? '' : r.why}`);
    fn = r.record;
  }
  return fn;
}

describe('state machine', () => {
  it('create → Pending/InProgress(Creating) → Active/Successful with reasons cleared', () => {
    const pending = run(blank, { type: 'create' });
    assert.equal(pending.state, 'Pending');
    assert.equal(pending.stateReasonCode, 'Creating');
    assert.equal(pending.lastUpdateStatus, 'InProgress');
    assert.deepEqual(pending.preparing, { kind: 'create', revisionId: 1 });
    const active = run(pending, { type: 'prepared' });
    assert.equal(active.state, 'Active');
    assert.equal(active.lastUpdateStatus, 'Successful');
    assert.equal(active.stateReasonCode, undefined);
    assert.equal(active.preparing, undefined);
  });

  it('create failure → Failed/Failed with the reason', () => {
    const failed = run(blank, { type: 'create' }, { type: 'prepareFailed', code: 'ImageAccessDenied', reason: 'denied' });
    assert.equal(failed.state, 'Failed');
    assert.equal(failed.lastUpdateStatus, 'Failed');
    assert.equal(failed.stateReasonCode, 'ImageAccessDenied');
  });

  it('update of an Active function stays Active; failure only marks lastUpdateStatus', () => {
    const active = run(blank, { type: 'create' }, { type: 'prepared' });
    const updating = run(active, { type: 'update' });
    assert.equal(updating.state, 'Active');
    assert.equal(updating.lastUpdateStatus, 'InProgress');
    assert.equal(transition(updating, { type: 'update' }).ok, false, 'no second update while one is in progress');
    assert.equal(transition(updating, { type: 'idle' }).ok, false, 'no idle while updating');
    const failed = run(updating, { type: 'prepareFailed', code: 'X', reason: 'r' });
    assert.equal(failed.state, 'Active');
    assert.equal(failed.lastUpdateStatus, 'Failed');
    assert.equal(failed.lastUpdateStatusReasonCode, 'X');
  });

  it('update of a Failed function goes through Pending and recovers', () => {
    const failed = run(blank, { type: 'create' }, { type: 'prepared' }, { type: 'invalidate', code: 'ImageDeleted', reason: 'gone' });
    assert.equal(failed.state, 'Failed');
    const pending = run(failed, { type: 'update' });
    assert.equal(pending.state, 'Pending');
    assert.equal(run(pending, { type: 'prepared' }).state, 'Active');
    assert.equal(run(pending, { type: 'prepareFailed', code: 'Y', reason: 'r' }).state, 'Failed');
  });

  it('idle → Inactive → wake → Pending(Restoring) → Active, or back to Inactive on failure', () => {
    const inactive = run(blank, { type: 'create' }, { type: 'prepared' }, { type: 'idle' });
    assert.equal(inactive.state, 'Inactive');
    assert.equal(inactive.stateReasonCode, 'Idle');
    const waking = run(inactive, { type: 'wake' });
    assert.equal(waking.stateReasonCode, 'Restoring');
    assert.equal(waking.lastUpdateStatus, 'Successful', 'waking is not an update');
    assert.equal(run(waking, { type: 'prepared' }).state, 'Active');
    assert.equal(run(waking, { type: 'prepareFailed', code: 'Z', reason: 'r' }).state, 'Inactive');
  });

  it('refuses events that make no sense in the current state', () => {
    assert.equal(transition(blank, { type: 'prepared' }).ok, false);
    assert.equal(transition(blank, { type: 'wake' }).ok, false);
    assert.equal(transition(blank, { type: 'idle' }).ok, false);
  });
});
