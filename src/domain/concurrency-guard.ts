/**
 * @module
 * Reserved concurrency: counts in-flight invocations per function and refuses one more than the function reserves.
 * InvocationService takes a slot at admission and gives it back when the invocation ends, however it ends.
 */
import { errors } from './errors.ts';
import type { AdmissionGuard } from './invocations.ts';

export class ReservedConcurrencyGuard implements AdmissionGuard {
  readonly #inFlight = new Map<string, number>();

  /** `reserved(name)` is the function's reservedConcurrency, or undefined for no limit. */
  constructor(private readonly reserved: (functionName: string) => number | undefined) {}

  acquire(functionName: string): () => void {
    const limit = this.reserved(functionName);
    const running = this.#inFlight.get(functionName) ?? 0;
    if (limit !== undefined && running >= limit) throw errors.reservedConcurrencyExceeded(functionName, limit);
    this.#inFlight.set(functionName, running + 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      // Kept at 0 rather than deleted: a function called again and again would delete and insert its key each time.
      this.#inFlight.set(functionName, Math.max(0, (this.#inFlight.get(functionName) ?? 1) - 1));
    };
  }

  inFlight(functionName: string): number {
    return this.#inFlight.get(functionName) ?? 0;
  }
}
