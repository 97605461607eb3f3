/**
 * @module
 * Which of an instance's output lines belong to which of the calls it runs, for each call's log tail
 * (`x-fc-log-result`). A call that runs alone owns all its instance prints meanwhile. While several share the instance
 * (`instanceConcurrency` > 1), each line goes to the call whose request id it names, as FC's custom-runtime spec asks
 * servers to print it ("include x-fc-request-id in your logs to correlate log entries with invocations"; its
 * `FC Invoke Start/End RequestId` lines); a line that names none is nobody's (the instance log keeps it).
 * docs/behaviour.md, "Log tail of requests that share an instance".
 */
import type { LogRing } from './log-ring.ts';

interface Call {
  /** What was attributed to it while others ran. */
  readonly parts: string[];
  /** Set while it runs alone: everything from this offset of the ring is its own. */
  from: number | undefined;
}

export class RequestLogs {
  readonly #calls = new Map<string, Call>();
  /** The start of a line not yet ended while several calls run. */
  #partial = '';

  constructor(private readonly ring: LogRing) {}

  /** A call with this request id starts on the instance. */
  begin(requestId: string): void {
    const alone = this.#calls.size === 0;
    if (this.#calls.size === 1) this.#share();
    this.#calls.set(requestId, { parts: [], from: alone ? this.ring.offset : undefined });
  }

  /** What belongs to the call so far. */
  of(requestId: string): string {
    const c = this.#calls.get(requestId);
    if (!c) return '';
    const own = c.parts.join('');
    return c.from === undefined ? own : own + this.ring.since(c.from);
  }

  /** The call has ended (what belongs to it is read before, with of()): the one left, if one is, owns the instance's output again. */
  end(requestId: string): void {
    if (!this.#calls.delete(requestId)) return;
    if (this.#calls.size === 1) {
      const [last] = this.#calls.values() as IterableIterator<Call>;
      last!.parts.push(this.#partial);
      last!.from = this.ring.offset;
      this.#partial = '';
      this.ring.onAppend = undefined;
    }
  }

  /** A second call starts: the first keeps what it printed alone, and lines are attributed from here on. */
  #share(): void {
    const [first] = this.#calls.values() as IterableIterator<Call>;
    const alone = this.ring.since(first!.from!);
    const cut = alone.lastIndexOf('\n') + 1;
    first!.parts.push(alone.slice(0, cut));
    first!.from = undefined;
    this.#partial = alone.slice(cut);
    this.ring.onAppend = (text) => this.#route(text);
  }

  #route(text: string): void {
    const lines = (this.#partial + text).split('\n');
    this.#partial = lines.pop()!;
    for (const line of lines) {
      for (const [id, c] of this.#calls) {
        if (line.includes(id)) {
          c.parts.push(`${line}\n`);
          break;
        }
      }
    }
  }
}
