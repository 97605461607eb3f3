/**
 * @module
 * The function-timeout deadlines of one instance's calls on the real clock, under one clock timer armed for the
 * earliest of them: a clock timer armed and cleared per call cost a warm invocation ≈ 15 µs of CPU at 32 connections
 * (docs/benchmarks.md, procpath2). The manual clock keeps one timer per call: its rule that a deadline armed during
 * an advance waits for the next advance is a rule per deadline.
 */
import type { Clock } from '../clock.ts';

/** One call's deadline as the group sees it. */
export interface GroupedDeadline {
  /** Clock time at which the call's timeout has passed. */
  readonly dueAt: number;
  /** Named in the group's timer label while it is the earliest. */
  readonly requestId: string;
  /** The timeout has passed: the call is stopped. */
  expire(): void;
}

export class DeadlineGroup {
  readonly #clock: Clock;
  /** Deadlines of calls still running whose backend asked to be told of the timeout. */
  readonly #pending = new Set<GroupedDeadline>();
  #timer: number | undefined = undefined;
  /** When the armed timer fires (Infinity: none armed). */
  #armedFor = Infinity;

  constructor(clock: Clock) {
    this.#clock = clock;
  }

  /** Tells `deadline` when it passes; the timer is moved only when it is due before the one armed. */
  watch(deadline: GroupedDeadline): void {
    this.#pending.add(deadline);
    if (deadline.dueAt < this.#armedFor) this.#arm(deadline);
  }

  /**
   * The call ended. The timer stays armed for the earliest one's time even when that call has ended (it then finds
   * nothing due and moves on to the next): a timer cleared and armed again per call is what the group saves. The last
   * call out takes the timer with it.
   */
  unwatch(deadline: GroupedDeadline): void {
    if (!this.#pending.delete(deadline) || this.#pending.size > 0 || this.#timer === undefined) return;
    this.#clock.clearTimer(this.#timer);
    this.#timer = undefined;
    this.#armedFor = Infinity;
  }

  #arm(deadline: GroupedDeadline): void {
    if (this.#timer !== undefined) this.#clock.clearTimer(this.#timer);
    this.#armedFor = deadline.dueAt;
    this.#timer = this.#clock.setDeadline(deadline.dueAt - this.#clock.now(), `invocation timeout ${deadline.requestId}`, () => this.#fire());
  }

  /** Stops every call whose time has passed, then arms the timer for the earliest left. */
  #fire(): void {
    this.#timer = undefined;
    this.#armedFor = Infinity;
    const now = this.#clock.now();
    let next: GroupedDeadline | undefined;
    for (const d of this.#pending) {
      if (d.dueAt <= now) {
        this.#pending.delete(d);
        d.expire();
      } else if (!next || d.dueAt < next.dueAt) next = d;
    }
    if (next && next.dueAt < this.#armedFor) this.#arm(next);
  }
}
