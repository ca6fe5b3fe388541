import { localDayNumber } from '../../domain/index.ts';

/** Options for {@link HubSpotRateLimiter}; `null` turns a limit off. */
export interface HubSpotRateLimits {
  /** Requests per rolling 10 seconds per app and account. Default 190 (Professional/Enterprise); null = off. */
  tenSecondly: number | null;
  /** Requests per day per account. Default 625,000 (Professional); null = off. */
  daily: number | null;
  /** Search requests per rolling second per account. Default 5; null = off. */
  searchPerSecond: number | null;
}

export const DEFAULT_HUBSPOT_RATE_LIMITS: HubSpotRateLimits = {
  tenSecondly: 190,
  daily: 625_000,
  searchPerSecond: 5,
};

export type RateDecision =
  | { allowed: true; headers: Record<string, string> }
  | {
      allowed: false;
      policyName: 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY';
      headers: Record<string, string>;
    };

const TEN_SECONDS = 10_000;

/** A rolling window: the last `limit` accepted request times in a ring. */
class RollingWindow {
  readonly #times: Float64Array;
  #head = 0;
  readonly #windowMs: number;

  constructor(limit: number, windowMs: number) {
    this.#times = new Float64Array(limit).fill(Number.NEGATIVE_INFINITY);
    this.#windowMs = windowMs;
  }

  get limit(): number {
    return this.#times.length;
  }

  /** True when one more request fits (the oldest of the last `limit` has left the window). */
  fits(now: number): boolean {
    return this.#times.length > 0 && this.#times[this.#head]! <= now - this.#windowMs;
  }

  take(now: number): void {
    this.#times[this.#head] = now;
    this.#head = (this.#head + 1) % this.#times.length;
  }

  used(now: number): number {
    let used = 0;
    for (const t of this.#times) if (t > now - this.#windowMs) used++;
    return used;
  }
}

/**
 * HubSpot's limits: a rolling ten-second window per app/account, a daily quota per account and the
 * search endpoints' own per-second limit. A refused request does not use quota.
 * - The daily quota resets at midnight in the account's time zone ("The daily limits reset at
 *   midnight based on the time zone setting of the HubSpot account", developers.hubspot.com/apisbytier).
 * - OAuth calls have no daily limit and get no `X-HubSpot-RateLimit-Daily*` headers (changelog "Rate
 *   limit headers will now appear for OAuth authenticated calls"): `oauth` requests skip the daily quota.
 * Limits can be changed at run time with {@link configure}.
 */
export class HubSpotRateLimiter {
  #limits: HubSpotRateLimits;
  readonly #timeZone: string;
  #tenSecondly: RollingWindow | null = null;
  #search: RollingWindow | null = null;
  #dailyUsed = 0;
  #day = Number.NaN;

  constructor(limits: HubSpotRateLimits, timeZone = 'UTC') {
    this.#limits = limits;
    this.#timeZone = timeZone;
    this.configure(limits);
  }

  get limits(): HubSpotRateLimits {
    return { ...this.#limits };
  }

  configure(limits: Partial<HubSpotRateLimits>): void {
    this.#limits = { ...this.#limits, ...limits };
    const { tenSecondly, searchPerSecond } = this.#limits;
    this.#tenSecondly = tenSecondly === null ? null : new RollingWindow(tenSecondly, TEN_SECONDS);
    this.#search = searchPerSecond === null ? null : new RollingWindow(searchPerSecond, 1000);
  }

  /** Set today's usage (e.g. to test the DAILY limit without making 625,000 calls). */
  setDailyUsage(used: number, now: number): void {
    this.#rollDay(now);
    this.#dailyUsed = used;
  }

  dailyUsage(now: number): number {
    this.#rollDay(now);
    return this.#dailyUsed;
  }

  /**
   * Decide one API request; `search` requests also meet the per-second search limit; `oauth`
   * requests (OAuth access tokens) have no daily limit.
   */
  check(now: number, search: boolean, oauth = false): RateDecision {
    this.#rollDay(now);
    const { daily } = this.#limits;
    if (!oauth && daily !== null && this.#dailyUsed >= daily) {
      return { allowed: false, policyName: 'DAILY', headers: this.#headers(now, false, oauth) };
    }
    if (search) {
      // Search responses carry no rate-limit headers in HubSpot.
      if (this.#search && !this.#search.fits(now))
        return { allowed: false, policyName: 'SECONDLY', headers: {} };
      this.#search?.take(now);
      if (!oauth) this.#dailyUsed++;
      return { allowed: true, headers: {} };
    }
    if (this.#tenSecondly && !this.#tenSecondly.fits(now)) {
      return {
        allowed: false,
        policyName: 'TEN_SECONDLY_ROLLING',
        headers: this.#headers(now, false, oauth),
      };
    }
    this.#tenSecondly?.take(now);
    if (!oauth) this.#dailyUsed++;
    return { allowed: true, headers: this.#headers(now, false, oauth) };
  }

  /** The rate-limit headers as of now; `exhausted` reports no remaining ten-secondly quota (injected bursts). */
  headers(now: number, exhausted = false, oauth = false): Record<string, string> {
    this.#rollDay(now);
    return this.#headers(now, exhausted, oauth);
  }

  #headers(now: number, exhausted = false, oauth = false): Record<string, string> {
    const headers: Record<string, string> = {};
    if (this.#tenSecondly) {
      const remaining = exhausted ? 0 : Math.max(0, this.#tenSecondly.limit - this.#tenSecondly.used(now));
      headers['X-HubSpot-RateLimit-Max'] = String(this.#tenSecondly.limit);
      headers['X-HubSpot-RateLimit-Remaining'] = String(remaining);
      headers['X-HubSpot-RateLimit-Interval-Milliseconds'] = String(TEN_SECONDS);
    }
    if (this.#limits.daily !== null && !oauth) {
      headers['X-HubSpot-RateLimit-Daily'] = String(this.#limits.daily);
      headers['X-HubSpot-RateLimit-Daily-Remaining'] = String(
        Math.max(0, this.#limits.daily - this.#dailyUsed),
      );
    }
    return headers;
  }

  #rollDay(now: number): void {
    const day = localDayNumber(now, this.#timeZone);
    if (day !== this.#day) {
      this.#day = day;
      this.#dailyUsed = 0;
    }
  }
}
