/**
 * @module
 * A bounded text buffer of a process's output that can hand back "what arrived since offset N". localfc adds lines of
 * its own (`[localfc] …`: where the code runs, restarts, health changes) for the instance's log; what is quoted to the
 * function's caller (an error's last lines, an invocation's `x-fc-log-result`) is the function's output without them.
 */

/** How each line localfc writes into an instance's log starts. */
export const OWN_LINE = '[localfc] ';

/** `text` without localfc's own lines: the function's output only. */
export function withoutOwnLines(text: string): string {
  if (!text.includes(OWN_LINE)) return text;
  return text
    .split('\n')
    .filter((l) => !l.startsWith(OWN_LINE))
    .join('\n');
}

export class LogRing {
  #buf = '';
  /** Characters ever appended: a monotonically increasing offset. */
  #total = 0;

  /** Told each text appended (request-logs.ts, while calls share the instance). */
  onAppend: ((text: string) => void) | undefined;

  constructor(private readonly maxChars = 256 * 1024) {}

  append(text: string): void {
    this.onAppend?.(text);
    this.#buf += text;
    this.#total += text.length;
    if (this.#buf.length > this.maxChars) this.#buf = this.#buf.slice(this.#buf.length - this.maxChars);
  }

  /** The current end offset, to pass to since() later. */
  get offset(): number {
    return this.#total;
  }

  /** What was appended after `offset` (as far as it is still held). */
  since(offset: number): string {
    const start = this.#total - this.#buf.length;
    return this.#buf.slice(Math.max(0, offset - start));
  }

  /** The last `n` lines the function printed (localfc's own lines left out: this is quoted in error messages). */
  tail(n: number): string {
    return this.#buf
      .split('\n')
      .filter((l) => l.trim() !== '' && !l.startsWith(OWN_LINE))
      .slice(-n)
      .join('\n');
  }

  text(): string {
    return this.#buf;
  }
}
