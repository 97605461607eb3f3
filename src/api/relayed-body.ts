/**
 * @module
 * A web function's streamed answer on its way to the HTTP-trigger client: the backend writes into it (ResponseSink) as
 * the function's server answers, and its body stream is the client's response body. A slow client holds the backend
 * back (it stops reading the function's answer), and a client that goes away stops the call.
 */
import type { ResponseSink } from '../domain/ports/backend.ts';

export type StreamedHead = Parameters<ResponseSink['head']>[0];

/** Bytes held for a client that reads slower than the function writes before the function's answer is read no further. */
const HIGH_WATER_BYTES = 64 * 1024;

export class RelayedBody implements ResponseSink {
  /** Resolves with the status and headers once the function's answer turned out to be streamed. */
  readonly started: Promise<StreamedHead>;
  readonly body: ReadableStream<Uint8Array>;
  #start!: (head: StreamedHead) => void;
  #controller!: ReadableStreamDefaultController<Uint8Array>;
  #resume: (() => void) | undefined;
  #paused = false;
  #abort: (() => void) | undefined;
  #gone = false;

  /**
   * `cut`: breaks the client's connection, so that an answer that failed half-way does not look complete (without one,
   * as for an in-process request, the body stream errors).
   */
  constructor(private readonly cut?: () => void) {
    this.started = new Promise((resolve) => (this.#start = resolve));
    this.body = new ReadableStream<Uint8Array>({
      start: (controller) => void (this.#controller = controller),
      pull: () => {
        if (!this.#paused) return;
        this.#paused = false;
        this.#resume?.();
      },
      cancel: () => this.stop(),
    }, new ByteLengthQueuingStrategy({ highWaterMark: HIGH_WATER_BYTES }));
  }

  head(answer: StreamedHead): void {
    this.#start(answer);
  }

  write(chunk: Buffer): boolean {
    if (this.#gone) return true;
    this.#controller.enqueue(chunk);
    this.#paused = (this.#controller.desiredSize ?? 0) <= 0;
    return !this.#paused;
  }

  onDrain(resume: () => void): void {
    this.#resume = resume;
  }

  onAbort(abort: () => void): void {
    this.#abort = abort;
    if (this.#gone) abort();
  }

  /** The client went away, or is not to get the stream after all: the backend stops the call. */
  stop(): void {
    this.#gone = true;
    this.#abort?.();
  }

  /** The call ended: `ok`, the client gets the end of the body; else its connection is broken off. */
  finish(ok: boolean): void {
    if (this.#gone) return;
    this.#gone = true;
    if (ok) this.#controller.close();
    else if (this.cut) this.cut();
    else this.#controller.error(new Error("the function's answer broke off"));
  }
}
