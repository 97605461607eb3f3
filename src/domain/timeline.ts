/**
 * @module
 * How much of a function's history is kept. A busy function's invocations, faults and instance starts (its marks)
 * would push its state history out of a plain last-N window, and the state history is what a failed CI run is read
 * for: so transitions are kept apart from the marks' cap (up to TRANSITIONS_KEPT of them), and the marks are capped at
 * MARKS_SHOWN. One array in time order, as before: an idle function's entry costs no more than it did.
 */
import type { TimelineEntry } from './model.ts';

/** A timeline shows its newest MARKS_SHOWN entries that are not transitions, and every transition it kept. */
export const MARKS_SHOWN = 500;
/** Transitions kept however busy the function (a function updated hundreds of times drops its oldest ones). */
export const TRANSITIONS_KEPT = 1_000;
/** The oldest marks are dropped once per TRIM_EVERY entries added rather than one per entry. */
const TRIM_EVERY = MARKS_SHOWN / 4;

export function addEntry(timeline: TimelineEntry[], t: TimelineEntry): void {
  timeline.push(t);
  // Trimming when the length reaches a multiple of TRIM_EVERY: the trim leaves a multiple of it (below), so the next
  // trim is TRIM_EVERY entries later, however many transitions there are.
  if (timeline.length > MARKS_SHOWN && timeline.length % TRIM_EVERY === 0) trim(timeline);
}

function trim(timeline: TimelineEntry[]): void {
  let transitions = 0;
  for (const t of timeline) if (t.kind === 'transition') transitions++;
  const keptTransitions = Math.min(transitions, TRANSITIONS_KEPT);
  // MARKS_SHOWN marks and up to TRIM_EVERY - 1 more, so that the kept length is a multiple of TRIM_EVERY.
  const keptMarks = MARKS_SHOWN + ((TRIM_EVERY - (keptTransitions % TRIM_EVERY)) % TRIM_EVERY);
  const marks = timeline.length - transitions;
  if (marks <= keptMarks && transitions <= keptTransitions) return;
  let dropMarks = Math.max(0, marks - keptMarks);
  let dropTransitions = transitions - keptTransitions;
  let kept = 0;
  for (const t of timeline) {
    if (t.kind === 'transition' ? dropTransitions-- > 0 : dropMarks-- > 0) continue;
    timeline[kept++] = t;
  }
  timeline.length = kept;
}

/** The timeline with every transition and the newest `marks` other entries, in time order; a copy. */
export function recentEntries(timeline: readonly TimelineEntry[], marks = MARKS_SHOWN): TimelineEntry[] {
  if (timeline.length <= marks) return timeline.slice();
  let skip = 0;
  for (const t of timeline) if (t.kind !== 'transition') skip++;
  skip -= marks;
  if (skip <= 0) return timeline.slice();
  const out: TimelineEntry[] = [];
  for (const t of timeline) {
    if (t.kind !== 'transition' && skip-- > 0) continue;
    out.push(t);
  }
  return out;
}
