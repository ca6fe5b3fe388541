import type { RedisClient } from './redis-client.ts';

/** How long an idempotency key is remembered. */
const IDEMPOTENCY_TTL_S = 24 * 3600;
const PENDING = '__pending__';

/**
 * Idempotency keys of "run now" requests: the first request with a key claims it and records the
 * run it started; a repeat (a client retrying after a timeout or an outage) gets that run back
 * instead of starting another. Keys live in `<prefix>:admin:idem:<tenantId>:<key>` for 24 hours.
 */
export class IdempotencyStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  #key(tenantId: string, key: string): string {
    return `${this.#prefix}:admin:idem:${tenantId}:${key}`;
  }

  /** `claimed` when this request owns the key; else the run id recorded for it (null while pending). */
  async claim(
    tenantId: string,
    key: string,
  ): Promise<{ claimed: true } | { claimed: false; runId: string | null }> {
    const k = this.#key(tenantId, key);
    if ((await this.#redis.set(k, PENDING, 'EX', IDEMPOTENCY_TTL_S, 'NX')) === 'OK') return { claimed: true };
    const value = await this.#redis.get(k);
    return { claimed: false, runId: value === null || value === PENDING ? null : value };
  }

  async complete(tenantId: string, key: string, runId: string): Promise<void> {
    await this.#redis.set(this.#key(tenantId, key), runId, 'EX', IDEMPOTENCY_TTL_S);
  }

  /** The request failed before starting a run: free the key for a retry. */
  async release(tenantId: string, key: string): Promise<void> {
    await this.#redis.del(this.#key(tenantId, key));
  }
}
