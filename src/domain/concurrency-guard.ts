/**
 * @module
 * Reserved concurrency: counts in-flight invocations per function and refuses one more than the function reserves.
 * InvocationService takes a slot at admission and gives it back when the invocation ends, however it ends.
 */
import { errors } from './errors.ts';
import type { AdmissionGuard } from './invocations.ts';

/**
 * How many functions keep a count of 0 once their calls ended. Deleting the key at 0 and adding it again on the next
 * call made the Map reallocate its table on nearly every invocation (~0.5 KB of garbage each, in a heap profile of the
 * simulated InvokeFunction); past this many names, a count of 0 is deleted, so names that come and go (tests create
 * functions with unique names) do not grow it for the life of the server.
 */
const ZEROS_KEPT = 256;

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
      const left = (this.#inFlight.get(functionName) ?? 1) - 1;
      if (left > 0 || this.#inFlight.size <= ZEROS_KEPT) this.#inFlight.set(functionName, left);
      else this.#inFlight.delete(functionName);
    };
  }

  inFlight(functionName: string): number {
    return this.#inFlight.get(functionName) ?? 0;
  }

  /** How many functions the guard keeps a count for (those with calls in flight, and up to ZEROS_KEPT at 0). */
  get tracked(): number {
    return this.#inFlight.size;
  }
}
