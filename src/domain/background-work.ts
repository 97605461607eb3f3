/**
 * @module
 * Work that runs after its request has been answered (async-task attempts, timer-trigger firings), tracked so that
 * advancing the manual clock can wait until it has settled: each piece either done, or parked on a clock timer.
 */
import { trackClockWaits } from '../clock.ts';

export class BackgroundWork {
  /** Each running piece and how many clock sleeps it sits in right now. */
  readonly #running = new Map<Promise<unknown>, { clockWaits: number }>();
  /** Resolvers of quiesce() loops, woken when a piece settles or enters/leaves a clock wait. */
  #waiters: Array<() => void> = [];

  /** @param capMs real time after which quiesce() stops waiting for pieces that are busy but not on the clock. */
  constructor(private readonly capMs = 2000) {}

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
   * something other than a clock sleep.
   */
  async quiesce(): Promise<void> {
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
