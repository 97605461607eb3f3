/**
 * @module
 * The idle countdown: a function with no invocation for `inactiveAfterMs` goes Inactive (the dispatcher, told by
 * `onIdle`, carries that out). Each invocation moves the one pending timer's deadline (rearm) rather than
 * clearing it and arming another: the countdown is the same, the per-call cost a field write.
 */
import { rearm } from '../clock.ts';
import type { FunctionEntry } from './function-entry.ts';
import type { FunctionServiceDeps } from './function-types.ts';

export class IdleTimers {
  constructor(
    private readonly deps: Pick<FunctionServiceDeps, 'clock' | 'timing'>,
    /** Told when a function's countdown ran out. */
    private readonly onIdle: (entry: FunctionEntry) => void,
  ) {}

  /** (Re)starts the idle countdown; none when the idle period is zero or infinite. */
  arm(entry: FunctionEntry): void {
    const { clock, timing: { inactiveAfterMs } } = this.deps;
    if (!(inactiveAfterMs > 0) || !Number.isFinite(inactiveAfterMs)) return this.clear(entry);
    entry.idleTimer = rearm(clock, entry.idleTimer, inactiveAfterMs, `idle ${entry.record.functionName}`, () => {
      entry.idleTimer = undefined;
      this.onIdle(entry);
    });
  }

  clear(entry: FunctionEntry): void {
    if (entry.idleTimer !== undefined) this.deps.clock.clearTimer(entry.idleTimer);
    entry.idleTimer = undefined;
  }
}
