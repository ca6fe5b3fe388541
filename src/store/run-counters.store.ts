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

/** RENAME each old key (KEYS 1, 3) to its new name (KEYS 2, 4) unless the new one exists. */
const ADOPT = `
for i = 1, #KEYS, 2 do
  if redis.call('exists', KEYS[i]) == 1 and redis.call('exists', KEYS[i + 1]) == 0 then
    redis.call('rename', KEYS[i], KEYS[i + 1])
  end
end
return 0
`;

/**
 * Monotonic run counters for Prometheus `_total` counters and the duration histogram, kept in
 * Redis so they survive restarts and cover every worker process. Runs are absorbed from the runs
 * list at scrape time, each exactly once (a sorted set of counted run ids, ZADD NX): counts stay
 * exact as long as a tenant finishes fewer than 50 runs between two scrapes.
 */
export class RunCountersStore {
  readonly #redis: RedisClient;
  readonly #prefix: string;
  readonly #adopted = new Set<string>();

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  /**
   * One hash tag per tenant (`{m:<tenant>}`), so the MULTI of `absorb` names keys of one slot on a
   * Redis Cluster. Not the tenant's own `{t:<tenant>}`: a tenant purge keeps its counters.
   */
  #keys(tenantId: string) {
    const base = `${this.#prefix}:admin:metrics:{m:${tenantId}}`;
    return { seen: `${base}:seen`, counters: `${base}:counters` };
  }

  /**
   * Counters kept before the hash tag (`<prefix>:admin:metrics:<tenant>:*`, one server only) move to
   * the tagged keys once per tenant and process, so an upgrade neither resets them nor counts the
   * runs it had seen again.
   */
  async #adoptUntagged(tenantId: string): Promise<void> {
    if (this.#adopted.has(tenantId)) return;
    if (!this.#redis.isCluster) {
      const old = `${this.#prefix}:admin:metrics:${tenantId}`;
      const k = this.#keys(tenantId);
      await this.#redis.eval(ADOPT, 4, `${old}:seen`, k.seen, `${old}:counters`, k.counters);
    }
    this.#adopted.add(tenantId);
  }

  /** Count the finished runs not counted yet (newest first, as the runs list holds them). */
  async absorb(
    tenantId: string,
    runs: readonly Record<string, unknown>[],
    durationOf: (run: Record<string, unknown>) => number,
  ): Promise<void> {
    await this.#adoptUntagged(tenantId);
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
    await this.#adoptUntagged(tenantId);
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
