/**
 * @module
 * The fast routes' answers are written together once the event loop has run the I/O callbacks of its turn (in a
 * setImmediate), not each as soon as it is ready. Every answer written to a loopback or LAN client that is idle waiting
 * for it costs the kernel a wake-up of that client inside our write(2) (in this VM, an inter-processor interrupt and a
 * reschedule): under load a turn handles about ten requests, and written one by one each of them could wake the client
 * again, where written together the first wakes it and the rest find it awake. Measured on bare node:http serving
 * GetFunction's body with 15 µs of work per request (32 connections, 3 rounds): 58-64 µs of CPU per request written at
 * once, 46-60 written together (docs/benchmarks.md, hotpath 2026-12-01 05:45). One request alone waits for nothing: its
 * turn has no other callback.
 */

/** Writes queued during one event-loop turn, run in the order queued in that turn's check phase. */
export class AnswerBatch {
  #writes: Array<() => void> = [];

  readonly #flush = (): void => {
    const writes = this.#writes;
    this.#writes = [];
    for (const write of writes) {
      try {
        write();
      } catch (err) {
        // The other answers are still written; the error surfaces as it would have from the request listener.
        queueMicrotask(() => {
          throw err;
        });
      }
    }
  };

  defer(write: () => void): void {
    if (this.#writes.length === 0) setImmediate(this.#flush);
    this.#writes.push(write);
  }
}
