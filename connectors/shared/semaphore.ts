/** At most `limit` holders at a time; the rest wait in FIFO order. */
export class Semaphore {
  readonly #limit: number;
  #held = 0;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#limit = Math.max(1, limit);
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    if (this.#held >= this.#limit) await new Promise<void>((resolve) => this.#waiting.push(resolve));
    else this.#held += 1;
    try {
      return await fn();
    } finally {
      const next = this.#waiting.shift();
      // Hand the slot straight to the next waiter, or give it back.
      if (next) next();
      else this.#held -= 1;
    }
  }
}
