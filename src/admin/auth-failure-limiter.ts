/**
 * Failed-authentication rate limiting per client address: after `limit` failures within
 * `windowMs`, every request from that address is answered 429 until the window has passed since
 * its last failure, so a token cannot be guessed at line speed. In memory, per process.
 */
export class AuthFailureLimiter {
  readonly #failures = new Map<string, number[]>();

  readonly #limit: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(limit: number, windowMs: number, now: () => number = Date.now) {
    this.#limit = limit;
    this.#windowMs = windowMs;
    this.#now = now;
  }

  /** Milliseconds until `client` may try again, or 0 when it is not blocked. */
  retryAfterMs(client: string): number {
    const recent = this.#recent(client);
    if (recent.length < this.#limit) return 0;
    return Math.max(0, recent[recent.length - 1]! + this.#windowMs - this.#now());
  }

  fail(client: string): void {
    const recent = this.#recent(client);
    recent.push(this.#now());
    this.#failures.set(client, recent.slice(-this.#limit));
    // Bound the map: forget the oldest addresses beyond 10,000.
    if (this.#failures.size > 10_000) {
      const oldest = this.#failures.keys().next().value;
      if (oldest !== undefined) this.#failures.delete(oldest);
    }
  }

  #recent(client: string): number[] {
    const cutoff = this.#now() - this.#windowMs;
    return (this.#failures.get(client) ?? []).filter((t) => t > cutoff);
  }
}
