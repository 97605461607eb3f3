/**
 * @module
 * Driving an in-process localfc's manual clock from a test.
 */
import type { RunningLocalfc } from '../../src/server.ts';

/** Moves the manual clock and waits for the preparations that fell due. */
export async function advanceClock(fc: RunningLocalfc, ms: number): Promise<void> {
  await fc.localfc.clock.advance(ms);
  await fc.localfc.functions.quiesce();
}
