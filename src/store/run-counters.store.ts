import type { RedisClient } from './redis-client.ts';

/** Upper bounds (seconds) of the run-duration histogram buckets. */
export const RUN_DURATION_BUCKETS = [10, 30, 60, 300, 900, 3600] as const;
/** Run ids remembered per tenant as already counted (more than the 50 runs kept). */
const SEEN_KEPT = 500;

export interface RunCounters {
  runs: Record<string, number>;
  apiCalls: number;
  rateLimited: number;
  duration: { buckets: Record<string, number>; sum: number; count: number };
}

/**
 * Monotonic run counters for Prometheus `_total` counters and the duration histogram, kept in
 * Redis so they survive restarts and cover every worker process. Runs are absorbed from the runs
 * list at scrape time, each exactly once (a sorted set of counted run ids, ZADD NX): counts stay
 * exact as long as a tenant finishes fewer than 50 runs between two scrapes.
 */
export class RunCountersStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  #keys(tenantId: string) {
    const base = `${this.#prefix}:admin:metrics:${tenantId}`;
    return { seen: `${base}:seen`, counters: `${base}:counters` };
  }

  /** Count the finished runs not counted yet (newest first, as the runs list holds them). */
  async absorb(
    tenantId: string,
    runs: readonly Record<string, unknown>[],
    durationOf: (run: Record<string, unknown>) => number,
  ): Promise<void> {
    const k = this.#keys(tenantId);
    for (const run of [...runs].reverse()) {
      if (typeof run.runId !== 'string') continue;
      const at = typeof run.finishedAt === 'string' ? Date.parse(run.finishedAt) || 0 : 0;
      if ((await this.#redis.zadd(k.seen, 'NX', at, run.runId)) !== 1) continue;
      const seconds = durationOf(run);
      const tx = this.#redis
        .multi()
        .hincrby(k.counters, `runs:${String(run.status ?? 'unknown')}`, 1)
        .hincrby(k.counters, 'api_calls', typeof run.apiCalls === 'number' ? run.apiCalls : 0)
        .hincrby(k.counters, 'rate_limited', typeof run.rateLimited === 'number' ? run.rateLimited : 0)
        .hincrbyfloat(k.counters, 'duration_sum', seconds)
        .hincrby(k.counters, 'duration_count', 1);
      for (const le of RUN_DURATION_BUCKETS) if (seconds <= le) tx.hincrby(k.counters, `bucket:${le}`, 1);
      await tx.zremrangebyrank(k.seen, 0, -SEEN_KEPT - 1).exec();
    }
  }

  async read(tenantId: string): Promise<RunCounters> {
    const all = await this.#redis.hgetall(this.#keys(tenantId).counters);
    const out: RunCounters = {
      runs: {},
      apiCalls: 0,
      rateLimited: 0,
      duration: { buckets: {}, sum: 0, count: 0 },
    };
    for (const [field, value] of Object.entries(all)) {
      const n = Number(value);
      if (field.startsWith('runs:')) out.runs[field.slice(5)] = n;
      else if (field.startsWith('bucket:')) out.duration.buckets[field.slice(7)] = n;
      else if (field === 'api_calls') out.apiCalls = n;
      else if (field === 'rate_limited') out.rateLimited = n;
      else if (field === 'duration_sum') out.duration.sum = n;
      else if (field === 'duration_count') out.duration.count = n;
    }
    return out;
  }
}
