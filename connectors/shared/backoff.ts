/** Options for {@link backoffDelay}. */
export interface BackoffOptions {
  /** First delay in ms; default 500. */
  baseMs?: number;
  /** Upper bound on one delay in ms; default 30,000. */
  maxMs?: number;
  /** Source of randomness 0..1 (tests pass a fixed one); default Math.random. */
  random?: () => number;
}

/**
 * Exponential backoff with "full jitter" (AWS architecture blog): a uniform delay in
 * [0, min(max, base * 2^attempt)]. Jitter keeps many workers from retrying in lockstep.
 * `attempt` is 0 for the first retry.
 */
export function backoffDelay(attempt: number, options: BackoffOptions = {}): number {
  const base = options.baseMs ?? 500;
  const max = options.maxMs ?? 30_000;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt));
  return Math.floor(random() * ceiling);
}

/** A sleep that ends early (rejecting) when `signal` aborts. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (ms <= 0) return Promise.resolve();
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
