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
      // Deleted at 0, not kept: names come and go (tests create functions with unique names), and a key kept per name
      // ever invoked would grow for the life of the server.
      const left = (this.#inFlight.get(functionName) ?? 1) - 1;
      if (left > 0) this.#inFlight.set(functionName, left);
      else this.#inFlight.delete(functionName);
    };
  }

  inFlight(functionName: string): number {
    return this.#inFlight.get(functionName) ?? 0;
  }
}
