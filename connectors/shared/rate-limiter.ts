import { sleep } from './backoff.ts';

/** Options for {@link SlidingWindowLimiter}. */
export interface RateLimiterOptions {
  /** Requests allowed per rolling window; default from the CRM's row in CRM_LIMITS. */
  requestsPerWindow: number;
  /** The rolling window in ms (HubSpot: 10,000). */
  windowMs: number;
  /** Extra per-second caps by request kind, e.g. { search: 5 }. */
  perSecond?: Record<string, number>;
  /** Monotonic clock in ms; default performance.now. */
  now?: () => number;
  /** How to wait; default a timer. Tests with a fake clock pass a short tick. */
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
}

/**
 * A small per-connector rolling-window limiter. It counts its own request starts and also
 * listens to what the CRM says (`observe`): a lower advertised maximum, or nothing remaining,
 * holds new requests back. One instance per connector, so tenants never share a budget.
 */
export class SlidingWindowLimiter {
  readonly #windowMs: number;
  readonly #perSecond: Record<string, number>;
  readonly #now: () => number;
  readonly #sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
  #max: number;
  #starts: number[] = [];
  #kindStarts = new Map<string, number[]>();
  #blockedUntil = 0;

  constructor(options: RateLimiterOptions) {
    this.#max = options.requestsPerWindow;
    this.#windowMs = options.windowMs;
    this.#perSecond = options.perSecond ?? {};
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? sleep;
  }

  /** Wait until one more request of `kind` fits, then count it as started. */
  async acquire(kind = 'default', signal?: AbortSignal): Promise<void> {
    // Bounded: each pass either returns or sleeps until a slot frees up.
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#now();
      const wait = this.#waitMs(kind, now);
      if (wait <= 0) {
        this.#starts.push(now);
        const perKind = this.#perSecond[kind];
        if (perKind !== undefined) {
          const list = this.#kindStarts.get(kind) ?? [];
          list.push(now);
          this.#kindStarts.set(kind, list);
        }
        return;
      }
      await this.#sleep(Math.ceil(wait), signal);
    }
  }

  /** Hold every request back for `ms` (a 429 or a lock told us to wait). */
  pause(ms: number): void {
    this.#blockedUntil = Math.max(this.#blockedUntil, this.#now() + ms);
  }

  /** Feed the CRM's advertised limits (e.g. X-HubSpot-RateLimit-Max/-Remaining/-Interval-Milliseconds). */
  observe(seen: { max?: number | null; remaining?: number | null; intervalMs?: number | null }): void {
    const interval = seen.intervalMs ?? this.#windowMs;
    if (seen.max !== undefined && seen.max !== null && seen.max > 0 && interval === this.#windowMs) {
      this.#max = Math.min(this.#max, seen.max);
    }
    if (seen.remaining !== undefined && seen.remaining !== null && seen.remaining <= 0) {
      // The CRM's window is full even if ours is not (another app or worker shares it): wait
      // until our oldest counted start leaves the window, or a whole window when we know none.
      const now = this.#now();
      this.#prune(now);
      const oldest = this.#starts[0];
      this.#blockedUntil = Math.max(
        this.#blockedUntil,
        oldest === undefined ? now + interval : oldest + interval,
      );
    }
  }

  get maxPerWindow(): number {
    return this.#max;
  }

  #prune(now: number): void {
    while (this.#starts.length > 0 && (this.#starts[0] ?? 0) <= now - this.#windowMs) this.#starts.shift();
    for (const list of this.#kindStarts.values()) {
      while (list.length > 0 && (list[0] ?? 0) <= now - 1_000) list.shift();
    }
  }

  #waitMs(kind: string, now: number): number {
    this.#prune(now);
    let wait = this.#blockedUntil - now;
    if (this.#starts.length >= this.#max) {
      wait = Math.max(wait, (this.#starts[this.#starts.length - this.#max] ?? now) + this.#windowMs - now);
    }
    const perKind = this.#perSecond[kind];
    const list = this.#kindStarts.get(kind);
    if (perKind !== undefined && list !== undefined && list.length >= perKind) {
      wait = Math.max(wait, (list[list.length - perKind] ?? now) + 1_000 - now);
    }
    return wait;
  }
}
