/**
 * A busy function keeps its state history: the timeline's cap drops the oldest invocation, fault and instance marks,
 * never a transition (up to TRANSITIONS_KEPT), and stays bounded however many entries come.
 */
import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { FunctionRecord, Revision, TimelineEntry } from '../../src/domain/model.ts';
import { MARKS_SHOWN, TRANSITIONS_KEPT, addEntry, recentEntries } from '../../src/domain/timeline.ts';
import { DELETED_ENTRIES_KEPT, DeletedHistory } from '../../src/domain/deleted-history.ts';

const mark = (at: number): TimelineEntry => ({ at, kind: 'invocation', event: 'invoked' });
const transition = (at: number): TimelineEntry => ({ at, kind: 'transition', event: 'update', state: 'Active' });

it('keeps every transition among thousands of invocations, the newest marks, in time order', () => {
  const timeline: TimelineEntry[] = [];
  const transitions: number[] = [];
  let longest = 0;
  for (let at = 0; at < 20_000; at++) {
    // A transition now and then (a deploy, a fault that failed it), early ones included.
    if (at % 97 === 0) {
      addEntry(timeline, transition(at));
      transitions.push(at);
    } else addEntry(timeline, mark(at));
    longest = Math.max(longest, timeline.length);
  }
  const shown = recentEntries(timeline);
  assert.deepEqual(shown.filter((t) => t.kind === 'transition').map((t) => t.at), transitions);
  const marks = shown.filter((t) => t.kind !== 'transition').map((t) => t.at);
  assert.equal(marks.length, MARKS_SHOWN);
  assert.deepEqual(marks, Array.from({ length: 20_000 }, (_, at) => at).filter((at) => at % 97 !== 0).slice(-MARKS_SHOWN));
  assert.deepEqual(shown.map((t) => t.at), [...shown.map((t) => t.at)].sort((a, b) => a - b));
  // Bounded: the kept transitions, the shown marks and less than two batches before a trim.
  assert.ok(longest <= transitions.length + MARKS_SHOWN + MARKS_SHOWN / 2, `${longest}`);
});

it('a page takes fewer marks and still every transition; transitions past their own cap drop the oldest', () => {
  const timeline: TimelineEntry[] = [];
  for (let at = 0; at < 3_000; at++) addEntry(timeline, at % 2 ? mark(at) : transition(at));
  const page = recentEntries(timeline, 20);
  assert.equal(page.filter((t) => t.kind === 'transition').length, TRANSITIONS_KEPT);
  assert.deepEqual(page.filter((t) => t.kind !== 'transition').map((t) => t.at), Array.from({ length: 20 }, (_, i) => 2_961 + 2 * i));
  assert.equal(page.find((t) => t.kind === 'transition')?.at, 3_000 - 2 * TRANSITIONS_KEPT);
});

it('an idle function: a few entries, untouched', () => {
  const timeline: TimelineEntry[] = [];
  addEntry(timeline, transition(0));
  addEntry(timeline, mark(1));
  assert.deepEqual(recentEntries(timeline), timeline);
  assert.notEqual(recentEntries(timeline), timeline);
});

it('deleted functions\' timelines stay within their entry budget, the oldest deletion forgotten first', () => {
  const history = new DeletedHistory();
  const record = { functionName: 'f', state: 'Active', lastUpdateStatus: 'Successful' } as unknown as FunctionRecord;
  const shown = { config: { runtime: 'nodejs20' }, codeChecksum: 'c' } as unknown as Revision;
  const busy = Array.from({ length: 600 }, (_, at) => mark(at));
  for (let i = 0; i < 400; i++) history.keep({ ...record, functionName: `f${i}` }, shown, i, busy);
  const kept = history.list();
  assert.ok(kept.length * 600 <= DELETED_ENTRIES_KEPT, `${kept.length}`);
  assert.equal(kept.at(-1)?.functionName, 'f399');
  assert.equal(kept[0]?.functionName, `f${400 - kept.length}`);
  history.clear();
  assert.deepEqual(history.list(), []);
});
