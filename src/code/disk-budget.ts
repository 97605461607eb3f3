/**
 * @module
 * A per-server cap on the bytes unpacked code may occupy on disk: every extraction counts the bytes it actually writes
 * against it (not the sizes an archive declares), and gives them back when its directory is removed.
 */
export class DiskBudgetExceeded extends Error {
  override readonly name = 'DiskBudgetExceeded';
}

export class DiskBudget {
  #used = 0;

  constructor(readonly limitBytes: number) {}

  get usedBytes(): number {
    return this.#used;
  }

  /** A running account: take() as bytes are written, release() once, when they are deleted. */
  lease(): DiskLease {
    let held = 0;
    return {
      take: (bytes: number) => {
        if (this.#used + bytes > this.limitBytes) {
          throw new DiskBudgetExceeded(`unpacked code would use more than ${this.limitBytes} bytes of disk on this server (${this.#used} in use)`);
        }
        this.#used += bytes;
        held += bytes;
      },
      release: () => {
        this.#used -= held;
        held = 0;
      },
      get bytes() {
        return held;
      },
    };
  }
}

export interface DiskLease {
  take(bytes: number): void;
  release(): void;
  readonly bytes: number;
}
