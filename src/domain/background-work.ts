/**
 * @module
 * Work that runs after its request has been answered (async-task attempts, timer-trigger firings), tracked so that
 * advancing the manual clock can wait until it has settled: each piece either done, or parked on a clock timer.
 */
import { trackClockWaits } from '../clock.ts';

/**
 * Real time after which quiesce() stops waiting for pieces busy off the clock (a slow handler on the process or docker
 * backend). Generous: on a loaded machine a cold start alone takes seconds, and a wait cut short leaves a test (or a
 * user's script) looking at state the advance has not finished producing.
 */
export const QUIESCE_CAP_MS = 30_000;

export class BackgroundWork {
  /** Each running piece and how many clock sleeps it sits in right now. */
  readonly #running = new Map<Promise<unknown>, { clockWaits: number }>();
  /** Resolvers of quiesce() loops, woken when a piece settles or enters/leaves a clock wait. */
  #waiters: Array<() => void> = [];

  /** @param capMs real time after which quiesce() stops waiting for pieces that are busy but not on the clock. */
  constructor(private readonly capMs = QUIESCE_CAP_MS) {}

  /** Runs `fn` in the background set; every sleep() in its async call tree is reported (see quiesce()). */
  run<T>(fn: () => Promise<T>): Promise<T> {
    const state = { clockWaits: 0 };
    const tracker = {
      enter: () => (state.clockWaits++, this.#changed()),
      leave: () => (state.clockWaits--, this.#changed()),
    };
    const work = trackClockWaits(tracker, fn);
    this.#running.set(work, state);
    void work.then(
      () => this.#settled(work),
      () => this.#settled(work),
    );
    return work;
  }

  /**
   * Waits until every piece is either done or parked on a clock timer. A parked piece (e.g. in a latency fault's
   * sleep) cannot finish until the clock moves, so waiting for it would only stall: with the manual clock,
   * clock/advance returns at once and the piece finishes on the advance that fires its timer. The real-time cap is a
   * safety net for pieces genuinely busy for long (a slow handler on the process or docker backend), or blocked on
   * something other than a clock sleep. Resolves to how many pieces were still busy off the clock (0 unless the cap
   * ended the wait).
   */
  async quiesce(): Promise<number> {
    let timedOut = false;
    let handle: NodeJS.Timeout | undefined;
    const cap = new Promise<void>((resolve) => {
      handle = setTimeout(() => ((timedOut = true), resolve()), this.capMs);
      handle.unref?.();
    });
    try {
      while (!timedOut && [...this.#running.values()].some((s) => s.clockWaits === 0)) {
        await Promise.race([new Promise<void>((resolve) => this.#waiters.push(resolve)), cap]);
      }
    } finally {
      clearTimeout(handle);
    }
    return [...this.#running.values()].filter((s) => s.clockWaits === 0).length;
  }

  #settled(work: Promise<unknown>): void {
    this.#running.delete(work);
    this.#changed();
  }

  #changed(): void {
    const waiters = this.#waiters;
    this.#waiters = [];
    for (const wake of waiters) wake();
  }
}

export interface ClockAdvanced {
  /** The clock's new time (ms since the epoch). */
  readonly nowMs: number;
  /**
   * Background pieces (async attempts, timer firings, health probes) still running off the clock when the wait's
   * real-time safety cap (QUIESCE_CAP_MS) ran out; 0 when everything the advance set off has settled or is parked on
   * a later timer.
   */
  readonly stillBusy: number;
}
