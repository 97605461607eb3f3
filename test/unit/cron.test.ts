/**
 * FC timer schedules: parsing (@every, six-field cron, CRON_TZ) and the next firing after a time, in UTC or a zone
 * across its daylight-saving changes.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { CronError, nextAfter, parseSchedule } from '../../src/domain/cron.ts';

const at = (iso: string): number => Date.parse(iso);
const iso = (ms: number | undefined): string | undefined => (ms === undefined ? undefined : new Date(ms).toISOString().replace('.000', ''));
/** The next `n` firings strictly after `from`. */
function firings(expr: string, from: string, n: number): Array<string | undefined> {
  const s = parseSchedule(expr);
  const out: Array<string | undefined> = [];
  let t: number | undefined = at(from);
  for (let i = 0; i < n && t !== undefined; i++) {
    t = nextAfter(s, t);
    out.push(iso(t));
  }
  return out;
}

it('@every takes Go durations in h, m and s', () => {
  assert.deepEqual(parseSchedule('@every 5m'), { kind: 'every', everyMs: 300_000 });
  assert.deepEqual(parseSchedule('@every 1h30m'), { kind: 'every', everyMs: 5_400_000 });
  assert.deepEqual(parseSchedule('@every 90s'), { kind: 'every', everyMs: 90_000 });
  assert.deepEqual(firings('@every 10m', '2024-01-01T00:00:00Z', 2), ['2024-01-01T00:10:00Z', '2024-01-01T00:20:00Z']);
  for (const bad of ['@every', '@every 0m', '@every 5', '@every 1d', '@every 1.5h', '@every m5']) assert.throws(() => parseSchedule(bad), CronError, bad);
});

it('fires every five minutes on the second 0', () => {
  assert.deepEqual(firings('0 0/5 * * * *', '2024-01-01T00:02:30Z', 3), ['2024-01-01T00:05:00Z', '2024-01-01T00:10:00Z', '2024-01-01T00:15:00Z']);
  assert.deepEqual(firings('0 */5 * * * *', '2024-01-01T00:55:00Z', 2), ['2024-01-01T01:00:00Z', '2024-01-01T01:05:00Z']);
});

it('is strictly after: a time on the schedule gives the next one', () => {
  assert.deepEqual(firings('0 0 * * * *', '2024-01-01T01:00:00Z', 1), ['2024-01-01T02:00:00Z']);
  assert.deepEqual(firings('0 0 * * * *', '2024-01-01T00:59:59.500Z', 1), ['2024-01-01T01:00:00Z']);
});

it('weekdays at 8:00 UTC, with day names and ranges', () => {
  // 2024-01-05 is a Friday.
  assert.deepEqual(firings('0 0 8 * * MON-FRI', '2024-01-05T09:00:00Z', 2), ['2024-01-08T08:00:00Z', '2024-01-09T08:00:00Z']);
  assert.deepEqual(firings('0 0 8 ? * mon-fri', '2024-01-05T07:00:00Z', 1), ['2024-01-05T08:00:00Z']);
  assert.deepEqual(firings('0 0 0 * * 0', '2024-01-01T00:00:00Z', 1), ['2024-01-07T00:00:00Z']);
  assert.deepEqual(firings('0 0 0 * * 7', '2024-01-01T00:00:00Z', 1), ['2024-01-07T00:00:00Z']);
});

it('lists, steps over ranges, month names and the end of a month', () => {
  assert.deepEqual(firings('15,45 10-20/5 9 * * *', '2024-01-01T00:00:00Z', 4), ['2024-01-01T09:10:15Z', '2024-01-01T09:10:45Z', '2024-01-01T09:15:15Z', '2024-01-01T09:15:45Z']);
  assert.deepEqual(firings('0 0 12 31 * ?', '2024-01-31T12:00:00Z', 2), ['2024-03-31T12:00:00Z', '2024-05-31T12:00:00Z']);
  assert.deepEqual(firings('0 30 6 1 JAN,jul *', '2024-02-01T00:00:00Z', 2), ['2024-07-01T06:30:00Z', '2025-01-01T06:30:00Z']);
  assert.deepEqual(firings('0 0 0 29 FEB *', '2024-03-01T00:00:00Z', 1), ['2028-02-29T00:00:00Z']);
});

it('ORs day-of-month and day-of-week when both are restricted, as cron does', () => {
  // The 15th (a Monday) or any Saturday.
  assert.deepEqual(firings('0 0 0 15 * SAT', '2024-01-10T00:00:00Z', 3), ['2024-01-13T00:00:00Z', '2024-01-15T00:00:00Z', '2024-01-20T00:00:00Z']);
});

it('never matching gives undefined', () => {
  assert.equal(nextAfter(parseSchedule('0 0 0 30 2 *'), at('2024-01-01T00:00:00Z')), undefined);
});

it('CRON_TZ: a zone evaluates on its wall clock; UTC zones are plain UTC', () => {
  assert.deepEqual(firings('CRON_TZ=Asia/Shanghai 0 0 8 * * *', '2024-01-01T00:00:00Z', 2), ['2024-01-02T00:00:00Z', '2024-01-03T00:00:00Z']);
  assert.equal((parseSchedule('CRON_TZ=UTC 0 0 8 * * *') as { timeZone?: string }).timeZone, undefined);
  assert.deepEqual(firings('CRON_TZ=UTC 0 0 8 * * *', '2024-01-01T00:00:00Z', 2), firings('0 0 8 * * *', '2024-01-01T00:00:00Z', 2));
  assert.throws(() => parseSchedule('CRON_TZ=Mars/Olympus 0 0 8 * * *'), /unknown time zone/);
});

it("FC's documented examples", () => {
  // 04:00 on the first of every month in UTC+8 (FC's CRON_TZ example): 20:00 UTC the day before.
  assert.deepEqual(firings('CRON_TZ=Asia/Shanghai 0 0 4 1 * *', '2024-01-15T00:00:00Z', 2), ['2024-01-31T20:00:00Z', '2024-02-29T20:00:00Z']);
  // Every five minutes; Monday, Wednesday and Friday; hours 10 to 12 UTC.
  assert.deepEqual(firings('0 0/5 * * * *', '2024-01-01T00:00:00Z', 2), ['2024-01-01T00:05:00Z', '2024-01-01T00:10:00Z']);
  assert.deepEqual(firings('0 0 10-12 ? * MON,WED,FRI', '2024-01-01T11:30:00Z', 3), ['2024-01-01T12:00:00Z', '2024-01-03T10:00:00Z', '2024-01-03T11:00:00Z']);
});

it('daylight-saving changes: a fixed time in the skipped hour fires once, just after it; a repeated time fires once; hourly fires every real hour', () => {
  // New York springs forward at 02:00 EST (07:00Z) on 2024-03-10: 02:30 does not exist, the firing is at 03:00 EDT
  // (07:00Z), never at 01:30 EST (06:30Z, an hour early).
  assert.deepEqual(firings('CRON_TZ=America/New_York 0 30 2 * * *', '2024-03-09T12:00:00Z', 3), ['2024-03-10T07:00:00Z', '2024-03-11T06:30:00Z', '2024-03-12T06:30:00Z']);
  // New York falls back at 02:00 EDT on 2024-11-03: 01:30 occurs twice and fires on the first (EDT, 05:30Z) only.
  assert.deepEqual(firings('CRON_TZ=America/New_York 0 30 1 * * *', '2024-11-02T12:00:00Z', 2), ['2024-11-03T05:30:00Z', '2024-11-04T06:30:00Z']);
  // Berlin falls back at 03:00 CEST (01:00Z) on 2024-10-27: the hourly schedule fires at 01:00Z too (02:00 CET).
  assert.deepEqual(firings('CRON_TZ=Europe/Berlin 0 0 * * * *', '2024-10-27T00:00:00Z', 3), ['2024-10-27T01:00:00Z', '2024-10-27T02:00:00Z', '2024-10-27T03:00:00Z']);
  // Berlin springs forward at 02:00 CET (01:00Z) on 2024-03-31: every real hour, with the wall clock jumping 02:00 → 03:00.
  assert.deepEqual(firings('CRON_TZ=Europe/Berlin 0 0 * * * *', '2024-03-31T00:00:00Z', 3), ['2024-03-31T01:00:00Z', '2024-03-31T02:00:00Z', '2024-03-31T03:00:00Z']);
  // A daily 09:00 follows the wall clock across the change: 14:00Z in winter, 13:00Z in summer.
  assert.deepEqual(firings('CRON_TZ=America/New_York 0 0 9 * * *', '2024-03-09T00:00:00Z', 2), ['2024-03-09T14:00:00Z', '2024-03-10T13:00:00Z']);
});

it('refuses what it does not understand, saying which field', () => {
  const cases: Array<[string, RegExp]> = [
    ['0 0 8 * *', /six fields/],
    ['0 0 8 * * * *', /six fields/],
    ['60 * * * * *', /seconds field '60'/],
    ['0 0 24 * * *', /hours/],
    ['0 0 0 0 * *', /day-of-month/],
    ['0 0 0 * 13 *', /month/],
    ['0 0 0 * * FUN', /day-of-week/],
    ['? * * * * *', /only allowed/],
    ['0 0 0 L * *', /day-of-month/],
    ['0 0 0 ? * 5#3', /not supported/],
    ['0 0 10-5 * * *', /backwards/],
    ['0 */0 * * * *', /step/],
    ['@daily', /not supported/],
    ['0 0 0 ? * 5L', /not in 0-7/],
    ['0 0 0 15W * ?', /not in 1-31/],
  ];
  for (const [expr, message] of cases) assert.throws(() => parseSchedule(expr), (e: unknown) => e instanceof CronError && message.test(e.message), expr);
});
