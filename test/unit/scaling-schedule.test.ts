import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ScheduleError, compilePolicies, lastFiring, nextChangeAfter, parseTime, targetAt } from '../../src/domain/scaling-schedule.ts';

const T = (iso: string) => Date.parse(iso);
const dayShift = compilePolicies([
  { name: 'up', scheduleExpression: 'cron(0 0 9 * * *)', target: 3 },
  { name: 'down', scheduleExpression: 'cron(0 0 18 * * *)', target: 1 },
]);

describe('scheduled scaling policies: which target applies at t', () => {
  it('a raise at 09:00 and a fall at 18:00 hold until the other fires', () => {
    assert.equal(targetAt(dayShift, 1, T('2024-01-02T08:59:59Z')), 1);
    assert.equal(targetAt(dayShift, 1, T('2024-01-02T09:00:00Z')), 3);
    assert.equal(targetAt(dayShift, 1, T('2024-01-02T17:59:59Z')), 3);
    assert.equal(targetAt(dayShift, 1, T('2024-01-02T18:00:00Z')), 1);
    assert.equal(targetAt(dayShift, 1, T('2024-01-03T03:00:00Z')), 1);
  });

  it('next change: the next firing of any policy', () => {
    assert.equal(nextChangeAfter(dayShift, T('2024-01-02T08:00:00Z')), T('2024-01-02T09:00:00Z'));
    assert.equal(nextChangeAfter(dayShift, T('2024-01-02T09:00:00Z')), T('2024-01-02T18:00:00Z'));
    assert.equal(nextChangeAfter(dayShift, T('2024-01-02T18:00:00Z')), T('2024-01-03T09:00:00Z'));
  });

  it('outside [startTime, endTime) the base applies; endTime is a change', () => {
    const p = compilePolicies([{ name: 'w', scheduleExpression: 'cron(0 0 9 * * *)', target: 5, startTime: '2024-01-02T00:00:00Z', endTime: '2024-01-03T12:00:00Z' }]);
    assert.equal(targetAt(p, 0, T('2024-01-01T10:00:00Z')), 0, 'before startTime');
    assert.equal(targetAt(p, 0, T('2024-01-02T08:00:00Z')), 0, 'after startTime, before the first firing');
    assert.equal(targetAt(p, 0, T('2024-01-02T09:00:00Z')), 5);
    assert.equal(targetAt(p, 0, T('2024-01-03T11:59:59Z')), 5);
    assert.equal(targetAt(p, 0, T('2024-01-03T12:00:00Z')), 0, 'from endTime on');
    assert.equal(nextChangeAfter(p, T('2024-01-03T10:00:00Z')), T('2024-01-03T12:00:00Z'));
    assert.equal(nextChangeAfter(p, T('2024-01-03T12:00:00Z')), undefined);
    assert.equal(nextChangeAfter(p, T('2023-12-30T00:00:00Z')), T('2024-01-02T09:00:00Z'), 'first firing at or after startTime');
  });

  it('when a policy ends, the one that fired before it applies again', () => {
    const p = compilePolicies([
      { name: 'base', scheduleExpression: 'cron(0 0 0 * * *)', target: 2 },
      { name: 'burst', scheduleExpression: 'at(2024-01-02T10:00:00Z)', target: 8, endTime: '2024-01-02T11:00:00Z' },
    ]);
    assert.equal(targetAt(p, 0, T('2024-01-02T10:30:00Z')), 8);
    assert.equal(targetAt(p, 0, T('2024-01-02T11:00:00Z')), 2);
  });

  it('timeZone reads cron fields and times without an offset on that wall clock', () => {
    const p = compilePolicies([{ name: 'sh', scheduleExpression: 'cron(0 0 9 * * *)', target: 4, timeZone: 'Asia/Shanghai', endTime: '2024-01-05 00:00:00' }]);
    assert.equal(lastFiring(p[0]!, T('2024-01-02T02:00:00Z')), T('2024-01-02T01:00:00Z'), '09:00 in Shanghai is 01:00 UTC');
    assert.equal(p[0]!.end, T('2024-01-04T16:00:00Z'));
    assert.equal(parseTime('2024-03-10T10:10:10Z', 'Asia/Shanghai', 'x'), T('2024-03-10T10:10:10Z'), 'an explicit Z wins');
  });

  it('bare six-field cron and @every (counted from startTime) are accepted too', () => {
    const p = compilePolicies([{ name: 'e', scheduleExpression: '@every 1h', target: 2, startTime: '2024-01-01T00:30:00Z' }]);
    assert.equal(lastFiring(p[0]!, T('2024-01-01T02:10:00Z')), T('2024-01-01T01:30:00Z'));
    assert.equal(nextChangeAfter(p, T('2024-01-01T02:10:00Z')), T('2024-01-01T02:30:00Z'));
    assert.equal(compilePolicies([{ name: 'b', scheduleExpression: '0 30 * * * *', target: 1 }]).length, 1);
  });

  it('invalid expressions, times and zones are refused naming the policy; incomplete entries are left out', () => {
    assert.throws(() => compilePolicies([{ name: 'x', scheduleExpression: 'cron(0 9 * * *)', target: 1 }]), (e: Error) => e instanceof ScheduleError && /\(x\).*six fields/.test(e.message));
    assert.throws(() => compilePolicies([{ name: 'y', scheduleExpression: 'at(tomorrow)', target: 1 }]), ScheduleError);
    assert.throws(() => compilePolicies([{ name: 'z', scheduleExpression: 'cron(0 0 9 * * *)', target: 1, timeZone: 'Mars/Base' }]), ScheduleError);
    assert.throws(() => compilePolicies([{ name: 'w', scheduleExpression: 'cron(0 0 9 * * *)', target: 1, startTime: '2024-01-02T00:00:00Z', endTime: '2024-01-01T00:00:00Z' }]), ScheduleError);
    assert.deepEqual(compilePolicies([{ name: 'stored-only' }]), []);
  });
});
