import type { RateWindow, SharedRateBudget } from '../../src/shared/shared-rate-budget.ts';
import { sleep } from './backoff.ts';
import type { SlidingWindowLimiter } from './rate-limiter.ts';

/** What the HTTP layers need of a limiter (the local one, or the local one plus the shared budget). */
export interface CallLimiter {
  acquire(kind?: string, signal?: AbortSignal): Promise<() => void>;
  pause(ms: number): void;
  observe(seen: { max?: number | null; remaining?: number | null; intervalMs?: number | null }): void;
}

export interface SharedLimiterOptions {
  local: SlidingWindowLimiter;
  budget: SharedRateBudget;
  /** The CRM account (e.g. "hubspot:<portal id>"), resolved once on first use. */
  account: () => Promise<string>;
  /** The account's rolling window (its max follows what the CRM advertises, as the local limiter's). */
  windowMs: number;
  /** Extra per-second windows by request kind, e.g. { search: 5 }. */
  perSecond?: Record<string, number>;
}

/**
 * The connector's own limiter first (this process, this tenant), then the account's shared budget
 * (every process and tenant on the same CRM account), so that together they stay under the CRM's
 * account limit.
 */
export class SharedLimiter implements CallLimiter {
  readonly #o: SharedLimiterOptions;
  #account: Promise<string> | null = null;

  constructor(options: SharedLimiterOptions) {
    this.#o = options;
  }

  async acquire(kind = 'default', signal?: AbortSignal): Promise<() => void> {
    const settleLocal = await this.#o.local.acquire(kind, signal);
    try {
      this.#account ??= this.#o.account().catch((err: unknown) => {
        this.#account = null;
        throw err;
      });
      // The lookup is shared by every caller: a cancelled caller stops waiting for it (a lookup the
      // CRM never answers otherwise held a cancelled job, and a stopping worker, until its deadline).
      const account = await untilAborted(this.#account, signal);
      const windows: RateWindow[] = [
        { name: 'burst', max: this.#o.local.maxPerWindow, windowMs: this.#o.windowMs },
      ];
      const perKind = this.#o.perSecond?.[kind];
      if (perKind !== undefined) windows.push({ name: kind, max: perKind, windowMs: 1_000 });
      for (;;) {
        signal?.throwIfAborted();
        const r = await this.#o.budget.reserve(account, windows);
        if (r.waitMs <= 0) {
          return () => {
            settleLocal();
            r.settle();
          };
        }
        await sleep(r.waitMs, signal);
      }
    } catch (err) {
      settleLocal();
      throw err;
    }
  }

  pause(ms: number): void {
    this.#o.local.pause(ms);
  }

  observe(seen: { max?: number | null; remaining?: number | null; intervalMs?: number | null }): void {
    this.#o.local.observe(seen);
  }
}

/** `promise`, or a rejection with the signal's reason as soon as `signal` aborts. */
function untilAborted<T>(promise: Promise<T>, signal: AbortSignal | undefined): Promise<T> {
  if (signal === undefined) return promise;
  signal.throwIfAborted();
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(signal.reason);
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (err: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(err);
      },
    );
  });
}
