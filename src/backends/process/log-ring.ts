/**
 * @module
 * A bounded text buffer of a process's output that can hand back "what arrived since offset N".
 */
export class LogRing {
  #buf = '';
  /** Characters ever appended: a monotonically increasing offset. */
  #total = 0;

  constructor(private readonly maxChars = 256 * 1024) {}

  append(text: string): void {
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

  /** The last `n` lines. */
  tail(n: number): string {
    return this.#buf.split('\n').filter((l) => l.trim() !== '').slice(-n).join('\n');
  }

  text(): string {
    return this.#buf;
  }
}
