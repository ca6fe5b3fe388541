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
  /** One entry per request in the window; `t` moves from its start to its end when it settles. */
  #entries: { t: number }[] = [];
  #kindEntries = new Map<string, { t: number }[]>();
  #blockedUntil = 0;

  constructor(options: RateLimiterOptions) {
    this.#max = options.requestsPerWindow;
    this.#windowMs = options.windowMs;
    this.#perSecond = options.perSecond ?? {};
    this.#now = options.now ?? (() => performance.now());
    this.#sleep = options.sleep ?? sleep;
  }

  /**
   * Wait until one more request of `kind` fits, then count it. Call the returned function when
   * the response arrived: the request then counts from that moment, because the CRM counts it
   * from its arrival, somewhere between our start and our end (uneven latency otherwise lets two
   * requests land closer together at the CRM than they left here, and earns a 429).
   */
  async acquire(kind = 'default', signal?: AbortSignal): Promise<() => void> {
    // Bounded: each pass either returns or sleeps until a slot frees up.
    for (;;) {
      signal?.throwIfAborted();
      const now = this.#now();
      const wait = this.#waitMs(kind, now);
      if (wait <= 0) {
        const entry = { t: now };
        this.#entries.push(entry);
        if (this.#perSecond[kind] !== undefined) {
          const list = this.#kindEntries.get(kind) ?? [];
          list.push(entry);
          this.#kindEntries.set(kind, list);
        }
        return () => {
          entry.t = Math.max(entry.t, this.#now());
        };
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
      // until our oldest counted request leaves the window, or a whole window when we know none.
      const now = this.#now();
      const times = this.#times(this.#entries, now, this.#windowMs);
      const oldest = times[0];
      this.#blockedUntil = Math.max(
        this.#blockedUntil,
        oldest === undefined ? now + interval : oldest + interval,
      );
    }
  }

  get maxPerWindow(): number {
    return this.#max;
  }

  /** Times of the entries still inside the window, oldest first (dropping the rest). */
  #times(entries: { t: number }[], now: number, windowMs: number): number[] {
    let write = 0;
    for (const e of entries) if (e.t > now - windowMs) entries[write++] = e;
    entries.length = write;
    return entries.map((e) => e.t).sort((a, b) => a - b);
  }

  #waitMs(kind: string, now: number): number {
    let wait = this.#blockedUntil - now;
    const times = this.#times(this.#entries, now, this.#windowMs);
    if (times.length >= this.#max) {
      wait = Math.max(wait, (times[times.length - this.#max] ?? now) + this.#windowMs - now);
    }
    const perKind = this.#perSecond[kind];
    const list = this.#kindEntries.get(kind);
    if (perKind !== undefined && list !== undefined) {
      const kindTimes = this.#times(list, now, 1_000);
      if (kindTimes.length >= perKind) {
        wait = Math.max(wait, (kindTimes[kindTimes.length - perKind] ?? now) + 1_000 - now);
      }
    }
    return wait;
  }
}
