/**
 * @module
 * The idle countdown: a function with no invocation for `inactiveAfterMs` goes Inactive (the dispatcher, told by
 * `onIdle`, carries that out).
 */
import type { FunctionEntry } from './function-entry.ts';
import type { FunctionServiceDeps } from './function-types.ts';

export class IdleTimers {
  constructor(private readonly deps: Pick<FunctionServiceDeps, 'clock' | 'timing'>) {}

  /** (Re)starts the idle countdown; none when the idle period is zero or infinite. */
  arm(entry: FunctionEntry, onIdle: () => void): void {
    this.clear(entry);
    const { clock, timing: { inactiveAfterMs } } = this.deps;
    if (!(inactiveAfterMs > 0) || !Number.isFinite(inactiveAfterMs)) return;
    entry.idleTimer = clock.setTimer(inactiveAfterMs, `idle ${entry.record.functionName}`, () => {
      entry.idleTimer = undefined;
      onIdle();
    });
  }

  clear(entry: FunctionEntry): void {
    if (entry.idleTimer !== undefined) this.deps.clock.clearTimer(entry.idleTimer);
    entry.idleTimer = undefined;
  }
}
