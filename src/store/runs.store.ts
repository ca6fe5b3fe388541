import type { RedisClient } from './redis-client.ts';
import { redactSecrets } from '../shared/redact.ts';
import { EffectFence, type FenceDurability, type StepLease } from './effect-fence.ts';
import { luaScript } from './lua-script.ts';
import type { TenantKeys } from './tenant-keys.ts';

/** A cycle holds its tenant's lock at most this long without a step or a synced page refreshing it. */
const CYCLE_LOCK_TTL_MS = 2 * 60 * 60 * 1000;

/**
 * Drop the run's kept alert candidates: the list headed by its run id, and a legacy document
 * `{"runId":"<id>",...}` (written before 2026-12-08; its first bytes say whose it is).
 * KEYS: the legacy document, the kept list. ARGV: the document's prefix, the run id.
 */
const DROP_RUN_CANDIDATES = `
if redis.call('getrange', KEYS[1], 0, #ARGV[1] - 1) == ARGV[1] then redis.call('del', KEYS[1]) end
if redis.call('lindex', KEYS[2], 0) == ARGV[2] then redis.call('del', KEYS[2]) end
return 0`;

/** KEYS: the cycle lock. ARGV: run id, TTL (ms). Returns the holder: the run id when acquired. */
const ACQUIRE_CYCLE_LOCK = `
if redis.call('set', KEYS[1], ARGV[1], 'PX', ARGV[2], 'NX') then return ARGV[1] end
return redis.call('get', KEYS[1])`;

/** Runs kept in the history. */
const MAX_RUNS = 50;

/**
 * Record a run once: a finalize that runs again after recording it (a crash before its job
 * completed) finds the run in the history and changes nothing (its steps are gone by then). The
 * run's cycle lock is freed in the same script, so no one sees the run recorded and its lock held
 * (a cycle started then would join the finished run instead of starting).
 * KEYS: the runs list, the run's step hash, the cycle lock (when it has an id).
 * ARGV: the record, `"runId":"<id>"`, the run id.
 */
const RECORD_RUN = `
if ARGV[3] and redis.call('get', KEYS[3]) == ARGV[3] then redis.call('del', KEYS[3]) end
if ARGV[2] then
  for _, r in ipairs(redis.call('lrange', KEYS[1], 0, ${MAX_RUNS - 1})) do
    if string.find(r, ARGV[2], 1, true) then return 0 end
  end
end
redis.call('lpush', KEYS[1], ARGV[1])
redis.call('ltrim', KEYS[1], 0, ${MAX_RUNS - 1})
if KEYS[2] then redis.call('del', KEYS[2]) end
return 1`;

/** KEYS: the runs list, the run's step hash. ARGV: `"runId":"<id>"`, step, summary, TTL (s). */
const RECORD_STEP = `
for _, r in ipairs(redis.call('lrange', KEYS[1], 0, ${MAX_RUNS - 1})) do
  if string.find(r, ARGV[1], 1, true) then return 0 end
end
redis.call('hset', KEYS[2], ARGV[2], ARGV[3])
redis.call('expire', KEYS[2], ARGV[4])
return 1`;

/**
 * A tenant's runs: the cycle lock (one cycle at a time; every change is a compare-and-set script on
 * the holder's run id), each step's summary while the run goes on, the history of finished runs,
 * and the step leases that fence a step's CRM effects.
 */
export class RunsStore {
  /** How long the cycle lock lives without a refresh (configurable so tests can use short lifetimes). */
  readonly cycleLockTtlMs: number;
  readonly #redis: RedisClient;
  readonly #keys: TenantKeys;

  readonly #fenceDurability: FenceDurability | undefined;

  constructor(
    redis: RedisClient,
    keys: TenantKeys,
    options: { cycleLockTtlMs?: number; fenceDurability?: FenceDurability } = {},
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.cycleLockTtlMs = options.cycleLockTtlMs ?? CYCLE_LOCK_TTL_MS;
    this.#fenceDurability = options.fenceDurability;
  }

  /** Take the tenant's cycle lock (at most one cycle at a time). Returns the holder's run id. */
  async acquireCycleLock(
    runId: string,
    ttlMs: number,
  ): Promise<{ acquired: boolean; holder: string | null }> {
    // One script: the holder read is the one that refused (a lock freed in between is not "null").
    const holder = await luaScript<string | null>(
      this.#redis,
      'phAcquireCycleLock',
      ACQUIRE_CYCLE_LOCK,
    )([this.#keys.cycleLock], [runId, ttlMs]);
    return holder === runId ? { acquired: true, holder } : { acquired: false, holder };
  }

  /** Extend the cycle lock while a long step runs (only if `runId` still holds it). */
  async refreshCycleLock(runId: string, ttlMs: number = this.cycleLockTtlMs): Promise<boolean> {
    const script =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    return (await this.#redis.eval(script, 1, this.#keys.cycleLock, runId, ttlMs)) === 1;
  }

  /**
   * Keep the cycle lock (only if `runId` holds it) while a step waits until `until` (a CRM quota
   * reset, up to a day away), plus one lock lifetime after it for the step to resume and refresh it.
   * Never shortens the lock. Without this the lock lapses during the wait and the scheduler starts
   * more cycles that all wake at the reset together.
   */
  async holdCycleLockUntil(runId: string, until: number, now: number = Date.now()): Promise<boolean> {
    const ttlMs = Math.max(0, until - now) + this.cycleLockTtlMs;
    const script =
      "if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end if redis.call('pttl', KEYS[1]) < tonumber(ARGV[2]) then redis.call('pexpire', KEYS[1], ARGV[2]) end return 1";
    return (await this.#redis.eval(script, 1, this.#keys.cycleLock, runId, ttlMs)) === 1;
  }

  /** Release the lock only if `runId` still holds it (compare-and-delete in one script). */
  async releaseCycleLock(runId: string): Promise<boolean> {
    const script =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    return (await this.#redis.eval(script, 1, this.#keys.cycleLock, runId)) === 1;
  }

  async cycleLockHolder(): Promise<string | null> {
    return this.#redis.get(this.#keys.cycleLock);
  }

  /** The effect fence of a step this worker holds (src/store/effect-fence.ts). */
  effectFence(lease: StepLease): EffectFence {
    return new EffectFence(this.#redis, this.#keys, lease, this.#fenceDurability);
  }

  /**
   * One step's summary within a run (kept 7 days), unless the run is recorded already: a worker
   * that lost its step and finishes late must not bring back the hash the record dropped.
   */
  async recordStep(runId: string, step: string, summary: Record<string, unknown>): Promise<void> {
    const run = luaScript<number>(this.#redis, 'phRecordStep', RECORD_STEP);
    await run(
      [this.#keys.runs, this.#keys.runSteps(runId)],
      [`"runId":${JSON.stringify(runId)}`, step, JSON.stringify(redactSecrets(summary)), 7 * 86_400],
    );
  }

  async runSteps(runId: string): Promise<Record<string, Record<string, unknown>>> {
    const all = await this.#redis.hgetall(this.#keys.runSteps(runId));
    return Object.fromEntries(
      Object.entries(all).map(([k, v]) => [k, JSON.parse(v) as Record<string, unknown>]),
    );
  }

  /**
   * Record a finished run in the history (the last 50). The summary carries each step's counts and
   * error, so the run's working step hash is dropped in the same script (kept compact); a run is recorded once.
   */
  async recordRun(summary: Record<string, unknown>): Promise<void> {
    // Redacted before it is stored: an error text may carry a token a CRM echoed back.
    const record = JSON.stringify(redactSecrets(summary));
    const run = luaScript<number>(this.#redis, 'phRecordRun', RECORD_RUN);
    if (typeof summary.runId === 'string') {
      await run(
        [this.#keys.runs, this.#keys.runSteps(summary.runId), this.#keys.cycleLock],
        [record, `"runId":${JSON.stringify(summary.runId)}`, summary.runId],
      );
    } else await run([this.#keys.runs], [record]);
    // The run's alert candidates (a copy per open deal with a warning, hundreds of bytes each)
    // only carry its score step to its alert step: gone once the run is recorded.
    if (typeof summary.runId === 'string') {
      const prefix = JSON.stringify({ runId: summary.runId }).slice(0, -1);
      await this.#redis.eval(
        DROP_RUN_CANDIDATES,
        2,
        this.#keys.alertCandidates,
        this.#keys.alertCandidateList,
        `${prefix},`,
        summary.runId,
      );
    }
  }

  async recent(limit = 20): Promise<Record<string, unknown>[]> {
    return (await this.#redis.lrange(this.#keys.runs, 0, limit - 1)).map(
      (r) => JSON.parse(r) as Record<string, unknown>,
    );
  }
}
