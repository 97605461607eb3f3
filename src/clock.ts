/**
 * @module
 * The one source of time: every delay in localfc is a timer on a Clock, so tests drive time instead of sleeping.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface TimerInfo {
  readonly id: number;
  readonly label: string;
  /** Clock time (ms since epoch) at which the timer fires. */
  readonly dueAt: number;
}

export interface Clock {
  readonly kind: 'real' | 'manual';
  /** Milliseconds since the epoch, in clock time. */
  now(): number;
  /** Runs `fn` after `ms` of clock time. The label shows up in the admin API's timer list. */
  setTimer(ms: number, label: string, fn: () => void): number;
  /**
   * A timer that bounds work running in real time (a start-up, an invocation, a health probe). On the real clock it is
   * real time, never scaled by timeScale: the work it bounds (a process starting, a handler running) takes real time
   * whatever the scale, so a scaled bound failed every healthy handler below a scale of ~0.1. On the manual clock a deadline armed while an advance is under way does not fire during that advance:
   * the work it bounds was set off by the advance (a timer trigger's invocation, a probe) and has had no time to
   * answer; the next advance fires it. Cleared with clearTimer.
   */
  setDeadline(ms: number, label: string, fn: () => void): number;
  clearTimer(id: number): void;
  /**
   * Moves a pending timer to fire `ms` from now (later or earlier); false when it is not pending any more (it fired or
   * was cleared). A deadline that moves with every call (an idle countdown, a freeze grace period) costs a field write
   * instead of a timer cleared and armed again per call.
   */
  reschedule(id: number, ms: number): boolean;
  pendingTimers(): TimerInfo[];
  /** Manual clocks only: move time forward, firing due timers in order. */
  advance(ms: number): Promise<number>;
  /**
   * Where time is heading: now(), except while a manual clock is advanced, when it is the end of that advance. A timer
   * that fires during an advance learns from it how much of a repeating schedule the jump covers (a bounded catch-up).
   */
  horizon(): number;
  /** Stops every timer (server shutdown). */
  dispose(): void;
}

/**
 * A countdown that each call restarts (an idle period, a freeze grace): moves the pending timer `id` to fire `ms` from
 * now; false when there is none to move (never armed, fired or cleared), and the caller arms a new one. Asked before
 * the new timer's label and callback are made: a call that only moves the timer makes neither (every invocation made
 * both, ~0.3 KB of its garbage: docs/benchmarks.md, hotpath3).
 */
export function moved(clock: Clock, id: number | undefined, ms: number): boolean {
  return id !== undefined && clock.reschedule(id, ms);
}

const MAX_TIMEOUT = 2 ** 31 - 1;

interface Entry extends TimerInfo {
  /** Moved by reschedule(). */
  dueAt: number;
  readonly fn: () => void;
  /** A deadline armed during this advance (its number) waits for the next one (Clock.setDeadline). */
  readonly armedIn?: number;
}

/**
 * Real time; `scale` shrinks every delay (0.01 makes a 5 s preparation take 50 ms) while now() stays wall-clock time.
 * Deadlines (bounds on real work) are not scaled.
 */
export class SystemClock implements Clock {
  readonly kind = 'real' as const;
  readonly #timers = new Map<number, { readonly label: string; dueAt: number; readonly fn: () => void; handle: NodeJS.Timeout }>();
  #nextId = 1;

  constructor(private readonly scale = 1) {
    if (!(scale >= 0)) throw new RangeError(`time scale must be >= 0, got ${scale}`);
  }

  now(): number {
    return Date.now();
  }

  setTimer(ms: number, label: string, fn: () => void): number {
    return this.#add(ms * this.scale, label, fn);
  }

  #add(realMs: number, label: string, fn: () => void): number {
    const id = this.#nextId++;
    const timer = { label, dueAt: Date.now() + Math.max(0, realMs), fn, handle: undefined as unknown as NodeJS.Timeout };
    this.#timers.set(id, timer);
    timer.handle = this.#arm(id, timer.dueAt);
    return id;
  }

  /**
   * The Node.js timer behind a clock timer. It re-checks the due time when it fires: setTimeout holds at most ~24.8 days
   * (14 days idle × a scale > 1 is re-armed in steps), and a timer moved later (reschedule) is re-armed for the rest.
   */
  #arm(id: number, dueAt: number): NodeJS.Timeout {
    const handle = setTimeout(() => {
      const t = this.#timers.get(id);
      if (!t) return;
      if (Date.now() < t.dueAt) {
        t.handle = this.#arm(id, t.dueAt);
        return;
      }
      this.#timers.delete(id);
      t.fn();
    }, Math.min(MAX_TIMEOUT, Math.max(0, dueAt - Date.now())));
    handle.unref?.();
    return handle;
  }

  setDeadline(ms: number, label: string, fn: () => void): number {
    return this.#add(ms, label, fn);
  }

  clearTimer(id: number): void {
    const t = this.#timers.get(id);
    if (t) clearTimeout(t.handle);
    this.#timers.delete(id);
  }

  reschedule(id: number, ms: number): boolean {
    const t = this.#timers.get(id);
    if (!t) return false;
    const dueAt = Date.now() + Math.max(0, ms * this.scale);
    // Later: the Node.js timer fires as armed and re-arms itself for the rest. Earlier: it is armed anew.
    if (dueAt < t.dueAt) {
      clearTimeout(t.handle);
      t.handle = this.#arm(id, dueAt);
    }
    t.dueAt = dueAt;
    return true;
  }

  pendingTimers(): TimerInfo[] {
    return [...this.#timers].map(([id, t]) => ({ id, label: t.label, dueAt: t.dueAt })).sort((a, b) => a.dueAt - b.dueAt);
  }

  horizon(): number {
    return Date.now();
  }

  advance(): Promise<number> {
    return Promise.reject(new Error('the real clock cannot be advanced; start localfc with the manual clock (LOCALFC_CLOCK=manual)'));
  }

  dispose(): void {
    for (const t of this.#timers.values()) clearTimeout(t.handle);
    this.#timers.clear();
  }
}

/** Time stands still until advance() is called; due timers then fire in order, each followed by a settle of pending promises. */
export class ManualClock implements Clock {
  readonly kind = 'manual' as const;
  readonly #timers = new Map<number, Entry>();
  #now: number;
  #nextId = 1;
  #advancing: Promise<number> = Promise.resolve(0);
  /** The end of the advance under way (or of the last one). */
  #target = 0;
  /** The number of the advance under way (0: none), for deadlines armed during it. */
  #underWay = 0;
  #advances = 0;

  constructor(start = Date.UTC(2024, 0, 1)) {
    this.#now = start;
  }

  now(): number {
    return this.#now;
  }

  setTimer(ms: number, label: string, fn: () => void): number {
    const id = this.#nextId++;
    this.#timers.set(id, { id, label, dueAt: this.#now + Math.max(0, ms), fn });
    return id;
  }

  setDeadline(ms: number, label: string, fn: () => void): number {
    const id = this.setTimer(ms, label, fn);
    if (this.#underWay) this.#timers.set(id, { ...this.#timers.get(id)!, armedIn: this.#underWay });
    return id;
  }

  clearTimer(id: number): void {
    this.#timers.delete(id);
  }

  reschedule(id: number, ms: number): boolean {
    const t = this.#timers.get(id);
    if (!t) return false;
    t.dueAt = this.#now + Math.max(0, ms);
    return true;
  }

  pendingTimers(): TimerInfo[] {
    return [...this.#timers.values()]
      .map(({ id, label, dueAt }) => ({ id, label, dueAt }))
      .sort((a, b) => a.dueAt - b.dueAt || a.id - b.id);
  }

  /** Advances are serialised so two concurrent callers see one consistent timeline. Resolves to the new now(). */
  advance(ms: number): Promise<number> {
    if (!(ms >= 0) || !Number.isFinite(ms)) return Promise.reject(new RangeError(`cannot advance the clock by ${ms} ms`));
    this.#advancing = this.#advancing.then(() => this.#advance(ms));
    return this.#advancing;
  }

  horizon(): number {
    return Math.max(this.#now, this.#target);
  }

  async #advance(ms: number): Promise<number> {
    const target = this.#now + ms;
    this.#target = target;
    this.#underWay = ++this.#advances;
    try {
      await settle();
      for (;;) {
        const next = this.#nextDue(target);
        if (!next) break;
        this.#timers.delete(next.id);
        this.#now = Math.max(this.#now, next.dueAt);
        next.fn();
        // Timer callbacks start async work (preparation, hooks); let it run before the next timer fires.
        await settle();
      }
      this.#now = target;
      await settle();
      return this.#now;
    } finally {
      this.#underWay = 0;
    }
  }

  #nextDue(target: number): Entry | undefined {
    let best: Entry | undefined;
    for (const t of this.#timers.values()) {
      if (t.armedIn === this.#underWay) continue;
      if (t.dueAt <= target && (!best || t.dueAt < best.dueAt || (t.dueAt === best.dueAt && t.id < best.id))) best = t;
    }
    return best;
  }

  dispose(): void {
    this.#timers.clear();
  }
}

/** Told when work running under trackClockWaits() starts and stops waiting in sleep(). */
export interface ClockWaitTracker {
  enter(): void;
  leave(): void;
}

// Async context rather than a parameter: the sleeps sit deep in the invocation path (admission, cold start), which
// should not have to thread a tracker through every call.
const clockWaits = new AsyncLocalStorage<ClockWaitTracker>();

/** Tracked calls not settled yet: the storage is switched off while there are none (see trackClockWaits). */
let tracked = 0;

/**
 * Runs `fn` so that every sleep() in its async call tree reports to `tracker` (see AsyncTaskService.quiesce). While
 * an AsyncLocalStorage is enabled, Node 20 runs a hook for every promise the process creates (a few per cent of an
 * InvokeFunction's CPU), so it is enabled only while a tracked call runs: once none does, no sleep has a tracker to
 * report to (a settled piece has left BackgroundWork's set), and disabling changes nothing but the cost.
 */
export function trackClockWaits<T>(tracker: ClockWaitTracker, fn: () => T): T {
  tracked++;
  let result: T;
  try {
    result = clockWaits.run(tracker, fn);
  } catch (e) {
    untrack();
    throw e;
  }
  if (result instanceof Promise) result.then(untrack, untrack);
  else untrack();
  return result;
}

function untrack(): void {
  if (--tracked === 0) clockWaits.disable();
}

/** Waits `ms` of clock time (a manual clock waits until advanced). */
export function sleep(clock: Clock, ms: number, label: string): Promise<void> {
  const tracker = clockWaits.getStore();
  tracker?.enter();
  return new Promise((resolve) =>
    clock.setTimer(ms, label, () => {
      tracker?.leave();
      resolve();
    }),
  );
}

/** Lets chains of already-resolved promises and immediate I/O callbacks run to completion. */
export async function settle(rounds = 5): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise<void>((resolve) => setImmediate(resolve));
}

/** FC's timestamp format: ISO-8601 UTC without milliseconds, e.g. 2023-04-01T08:15:27Z. */
export function isoSeconds(ms: number): string {
  let s = isoCache.get(ms);
  if (s === undefined) {
    s = `${new Date(ms).toISOString().slice(0, -5)}Z`; // toISOString always ends in `.sssZ`
    if (isoCache.size >= 1024) isoCache.clear();
    isoCache.set(ms, s);
  }
  return s;
}
// GetFunction renders the same few timestamps on every call; formatting a Date each time showed in its CPU profile.
const isoCache = new Map<number, string>();
