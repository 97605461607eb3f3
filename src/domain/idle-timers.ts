/**
 * @module
 * The idle countdown: a custom-container function with no invocation for `inactiveAfterMs` goes Inactive (the
 * dispatcher, told by `onIdle`, carries that out). FC documents the states, Inactive among them, for functions whose
 * resources it reserves, such as custom containers (its image cache is what an idle function loses); a code package
 * has no countdown. A function whose provision or scaling config keeps instances is not idle: its countdown starts
 * again when it runs out (docs/behaviour.md). Each invocation moves the one pending timer's deadline (clock.ts's moved) rather than
 * clearing it and arming another: the countdown is the same, the per-call cost a field write.
 */
import { moved } from '../clock.ts';
import type { FunctionEntry } from './function-entry.ts';
import type { FunctionServiceDeps } from './function-types.ts';
import { isContainer } from './model.ts';

export class IdleTimers {
  constructor(
    private readonly deps: Pick<FunctionServiceDeps, 'clock' | 'timing' | 'keepsInstances'>,
    /** Told when a function's countdown ran out. */
    private readonly onIdle: (entry: FunctionEntry) => void,
  ) {}

  /** (Re)starts the idle countdown; none when the idle period is zero or infinite, or for a code package. */
  arm(entry: FunctionEntry): void {
    const { clock, timing: { inactiveAfterMs } } = this.deps;
    if (!(inactiveAfterMs > 0) || !Number.isFinite(inactiveAfterMs)) return this.clear(entry);
    const record = entry.record;
    if (!isContainer((record.serving ?? record.latest).config)) return this.clear(entry);
    if (moved(clock, entry.idleTimer, inactiveAfterMs)) return;
    entry.idleTimer = clock.setTimer(inactiveAfterMs, `idle ${record.functionName}`, () => {
      entry.idleTimer = undefined;
      if (this.deps.keepsInstances?.(entry.record.functionName)) this.arm(entry);
      else this.onIdle(entry);
    });
  }

  clear(entry: FunctionEntry): void {
    if (entry.idleTimer !== undefined) this.deps.clock.clearTimer(entry.idleTimer);
    entry.idleTimer = undefined;
  }
}
