/**
 * @module
 * Driving an in-process localfc's manual clock from a test.
 */
import type { ClockAdvanced } from '../../src/domain/background-work.ts';
import type { RunningLocalfc } from '../../src/server.ts';

/**
 * Moves the manual clock and waits for what the advance set off (preparations, async attempts, timer firings, health
 * probes): the same wait as POST /_localfc/clock/advance. Tests never call `clock.advance` on the internals directly.
 */
export function advanceClock(fc: RunningLocalfc, ms: number): Promise<ClockAdvanced> {
  return fc.localfc.advanceClock(ms);
}
