/**
 * @module
 * Active → Inactive: a function with no invocation for `inactiveAfterMs` goes Inactive and lets go of its serving code.
 */
import type { PreparedRevision } from './ports/backend.ts';
import { type FunctionEntry, applyEvent, dropServing } from './function-entry.ts';
import type { FunctionServiceDeps } from './function-types.ts';

export interface IdleTimersDeps extends Pick<FunctionServiceDeps, 'clock' | 'timing'> {
  readonly retire: (prepared: PreparedRevision) => Promise<void>;
}

export class IdleTimers {
  constructor(private readonly deps: IdleTimersDeps) {}

  /** (Re)starts the idle countdown; none when the idle period is zero or infinite. */
  arm(entry: FunctionEntry): void {
    this.clear(entry);
    const { clock, timing: { inactiveAfterMs } } = this.deps;
    if (!(inactiveAfterMs > 0) || !Number.isFinite(inactiveAfterMs)) return;
    entry.idleTimer = clock.setTimer(inactiveAfterMs, `idle ${entry.record.functionName}`, () => {
      delete entry.idleTimer;
      if (!applyEvent(entry, { type: 'idle' }, clock)) return;
      // Versions keep their code while Inactive; only the serving hold is let go.
      const last = dropServing(entry);
      if (last) void this.deps.retire(last);
    });
  }

  clear(entry: FunctionEntry): void {
    if (entry.idleTimer !== undefined) this.deps.clock.clearTimer(entry.idleTimer);
    delete entry.idleTimer;
  }
}
