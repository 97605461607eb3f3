/**
 * The manual clock fires due timers in order and only when advanced.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { ManualClock, SystemClock, isoSeconds, moved, settle, sleep, trackClockWaits } from '../../src/clock.ts';

it('fires timers in due order, including timers set by timers, and lists pending ones', async () => {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  clock.setTimer(200, 'b', () => fired.push(`b@${clock.now()}`));
  clock.setTimer(100, 'a', () => {
    fired.push(`a@${clock.now()}`);
    clock.setTimer(50, 'a2', () => fired.push(`a2@${clock.now()}`));
  });
  const cancelled = clock.setTimer(120, 'x', () => fired.push('x'));
  clock.clearTimer(cancelled);
  assert.deepEqual(clock.pendingTimers().map((t) => t.label), ['a', 'b']);
  assert.equal(await clock.advance(99), 99);
  assert.deepEqual(fired, []);
  await clock.advance(1000);
  assert.deepEqual(fired, ['a@100', 'a2@150', 'b@200']);
  assert.equal(clock.now(), 1099);
  await assert.rejects(clock.advance(-1), RangeError);
});

it('formats FC timestamps without milliseconds', () => {
  assert.equal(isoSeconds(Date.UTC(2023, 3, 1, 8, 15, 27, 999)), '2023-04-01T08:15:27Z');
});

it('a deadline armed during an advance waits for the next advance; one armed outside fires when passed', async () => {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  // Like a timer trigger whose invocation arms its timeout: the work set off at 100 has had no time to answer.
  clock.setTimer(100, 'trigger', () => clock.setDeadline(50, 'set off by the advance', () => fired.push(`inner@${clock.now()}`)));
  clock.setDeadline(1000, 'armed before', () => fired.push(`outer@${clock.now()}`));
  await clock.advance(999);
  assert.deepEqual(fired, [], 'neither is due to fire yet: the inner one was armed during this advance');
  assert.deepEqual(clock.pendingTimers().map((t) => [t.label, t.dueAt]), [['set off by the advance', 150], ['armed before', 1000]]);
  await clock.advance(1);
  assert.deepEqual(fired, ['inner@999', 'outer@1000']);
});

it('sleeps report to their own tracker across tracked calls that start, overlap and end (the storage is off in between)', async () => {
  const clock = new ManualClock();
  const seen: string[] = [];
  const tracker = (name: string) => ({ enter: () => seen.push(`${name}+`), leave: () => seen.push(`${name}-`) });
  // one tracked call alone, then nothing tracked (an untracked sleep reports nowhere), then two overlapping ones
  const a = trackClockWaits(tracker('a'), async () => sleep(clock, 10, 'a'));
  await clock.advance(10);
  await a;
  const untracked = sleep(clock, 10, 'free');
  await clock.advance(10);
  await untracked;
  const b = trackClockWaits(tracker('b'), async () => {
    await Promise.resolve();
    await sleep(clock, 10, 'b1');
    await sleep(clock, 10, 'b2');
  });
  const c = trackClockWaits(tracker('c'), async () => sleep(clock, 5, 'c'));
  await settle();
  await clock.advance(5);
  await c; // c is over: b still reports its second sleep
  await clock.advance(5);
  await settle();
  await clock.advance(10);
  await b;
  assert.deepEqual(seen, ['a+', 'a-', 'c+', 'b+', 'c-', 'b-', 'b+', 'b-']);
  // a synchronous call that throws leaves nothing switched on
  assert.throws(() => trackClockWaits(tracker('d'), () => { throw new Error('boom'); }), /boom/);
  const e = trackClockWaits(tracker('e'), async () => sleep(clock, 1, 'e'));
  await clock.advance(1);
  await e;
  assert.deepEqual(seen.slice(-2), ['e+', 'e-']);
});

it('reschedule moves a pending timer later or earlier, and reports a timer that fired or was cleared (manual clock)', async () => {
  const clock = new ManualClock(0);
  const fired: string[] = [];
  const later = clock.setTimer(100, 'later', () => fired.push(`later@${clock.now()}`));
  const earlier = clock.setTimer(500, 'earlier', () => fired.push(`earlier@${clock.now()}`));
  await clock.advance(50);
  assert.equal(clock.reschedule(later, 100), true);
  assert.equal(clock.reschedule(earlier, 10), true);
  assert.deepEqual(clock.pendingTimers().map((t) => [t.label, t.dueAt]), [['earlier', 60], ['later', 150]]);
  await clock.advance(99);
  assert.deepEqual(fired, ['earlier@60'], 'not at its first due time, 100');
  await clock.advance(1);
  assert.deepEqual(fired, ['earlier@60', 'later@150']);
  assert.equal(clock.reschedule(later, 10), false, 'fired');
  const cleared = clock.setTimer(10, 'cleared', () => fired.push('cleared'));
  clock.clearTimer(cleared);
  assert.equal(clock.reschedule(cleared, 10), false, 'cleared');
  await clock.advance(1000);
  assert.deepEqual(fired, ['earlier@60', 'later@150']);
});

it('a countdown (moved, else a new timer) is armed, moved while pending, and arms a new one once it fired or was cleared (manual clock)', async () => {
  const clock = new ManualClock(0);
  const fired: number[] = [];
  const restart = (id: number | undefined) => (moved(clock, id, 100) ? id! : clock.setTimer(100, 'countdown', () => fired.push(clock.now())));
  const first = restart(undefined);
  await clock.advance(60);
  assert.equal(restart(first), first, 'pending: the same timer, moved on');
  assert.deepEqual(clock.pendingTimers().map((t) => [t.id, t.dueAt]), [[first, 160]]);
  await clock.advance(100);
  assert.deepEqual(fired, [160], 'once, at the moved deadline');
  const second = restart(first);
  assert.notEqual(second, first, 'fired: a new timer');
  clock.clearTimer(second);
  const third = restart(second);
  assert.notEqual(third, second, 'cleared: a new timer');
  await clock.advance(100);
  assert.deepEqual(fired, [160, 260]);
});

it('reschedule on the real clock: a timer moved earlier fires then, one moved later does not fire at its first due time', async () => {
  const clock = new SystemClock();
  const fired: string[] = [];
  let ran!: () => void;
  const done = new Promise<void>((r) => (ran = r));
  const hour = 3600_000;
  const moved = clock.setTimer(0, 'moved later', () => fired.push('moved later'));
  assert.equal(clock.reschedule(moved, hour), true);
  const soon = clock.setTimer(hour, 'moved earlier', () => {
    fired.push('moved earlier');
    ran();
  });
  assert.equal(clock.reschedule(soon, 0), true);
  // Node.js fires the 'moved later' timer's setTimeout first (armed first, same delay); it finds its time not come.
  // The clock's Node.js timers are unref'd (they must not keep a server's process alive): without a handle of its own
  // holding the event loop open, the test process may end before they fire.
  const holdLoopOpen = setInterval(() => {}, hour);
  try {
    await done;
  } finally {
    clearInterval(holdLoopOpen);
  }
  assert.deepEqual(fired, ['moved earlier']);
  const [pending] = clock.pendingTimers();
  assert.equal(pending?.label, 'moved later');
  assert.ok(pending.dueAt > Date.now() + hour / 2, 'still due an hour after it was moved');
  clock.dispose();
  assert.equal(clock.reschedule(moved, 0), false, 'disposed');
});

it('a scaled real clock scales timers (simulated delays), not deadlines (bounds on real work)', () => {
  const clock = new SystemClock(0.001);
  const before = Date.now();
  clock.setTimer(600_000, 'instance idle', () => {});
  clock.setDeadline(120_000, 'start-up timeout', () => {});
  const due = Object.fromEntries(clock.pendingTimers().map((t) => [t.label, t.dueAt - before]));
  assert.ok(due['instance idle']! <= 600 + 50, `10 min scaled by 0.001: ${due['instance idle']} ms`);
  assert.ok(due['start-up timeout']! >= 120_000, `120 s as is: ${due['start-up timeout']} ms`);
  clock.dispose();
});
