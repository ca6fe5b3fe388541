import type { RedisClient } from './redis-client.ts';
import type { HealthFieldValues } from '../domain/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { TenantKeys } from './tenant-keys.ts';

/** The step a worker holds: the BullMQ job id and the lock token BullMQ gave this worker for it. */
export interface StepLease {
  jobId: string;
  token: string;
}

/**
 * How many replicas must hold a fence's write (intents, clearance stamp) before its batch is sent,
 * and how long to wait for them (Redis WAIT). 0 replicas: no wait.
 */
export interface FenceDurability {
  replicas: number;
  timeoutMs: number;
}

/** Leases outlive any step; they only need to be gone eventually. */
const LEASE_TTL_MS = 86_400_000;

/** Stamps, in Redis time, that a batch was cleared to be sent (a successor waits for it to land). */
const STAMP_CLEARED = `
local t = redis.call('time')
redis.call('set', KEYS[3], tostring(tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)), 'PX', 86400000)`;

/** Intents are stored only while the caller still owns the step (one atomic script). */
const SAVE_INTENTS = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do redis.call('hset', KEYS[2], ARGV[i], ARGV[i + 1]) end
${STAMP_CLEARED}
return 1`;

/** The caller still owns the step and every reservation is still what it read (one atomic script). */
const CHECK_RESERVATIONS = `
if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end
for i = 2, #ARGV, 2 do
  if redis.call('hget', KEYS[2], ARGV[i]) ~= ARGV[i + 1] then return -1 end
end
${STAMP_CLEARED}
return 1`;

/**
 * Fences a step's CRM effects (STYLE.md #12). A worker that takes a step claims it with its BullMQ
 * lock token; before each effect batch it proves, in one Redis script together with the write
 * intents or alert reservations the batch acts on, that the claim is still its own. A worker that
 * lost its lock (a pause, CPU starvation) and was replaced finds another token there and stops
 * with STEP_LOCK_LOST before the batch.
 *
 * The claim lives in the tenant's hash slot, not in BullMQ's lock key (`{prefix}:cycle:<id>:lock`),
 * so the check and the state it guards are one single-slot script, also on Redis Cluster. BullMQ
 * hands a stalled job to a new worker only after the old lock expired, and the new worker claims
 * before any effect, so "the claim holds my token" implies "no other worker has started this step".
 * What no fence can cover: a pause between a passed check and the bytes leaving the socket; the
 * successor's recovery (intent read-back, task look-up) narrows that to one in-flight batch.
 */
export class EffectFence {
  readonly #redis: RedisClient;
  readonly #keys: TenantKeys;
  readonly #lease: StepLease;
  readonly #durability: FenceDurability;

  constructor(
    redis: RedisClient,
    keys: TenantKeys,
    lease: StepLease,
    durability: FenceDurability = { replicas: 0, timeoutMs: 0 },
  ) {
    this.#redis = redis;
    this.#keys = keys;
    this.#lease = lease;
    this.#durability = durability;
  }

  /**
   * Run a fence script and, with `durability.replicas`, WAIT on the same node (one pipeline: a
   * keyless WAIT follows the script's slot on a cluster) until that many replicas acknowledged it.
   * Replication is asynchronous: a failover can lose a write the master acknowledged ("Write
   * safety", https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/), and
   * intents lost that way make a successor write their batch again. Too few replicas: the batch is
   * not sent (REDIS_NOT_REPLICATED, retried).
   */
  async #fenced(script: string, keys: string[], args: (string | number)[]): Promise<unknown> {
    const { replicas, timeoutMs } = this.#durability;
    if (replicas === 0) return this.#redis.eval(script, keys.length, ...keys, ...args);
    const results = await this.#redis
      .pipeline()
      .eval(script, keys.length, ...keys, ...args)
      .call('WAIT', replicas, timeoutMs)
      .exec();
    const [scriptError, scriptResult] = results?.[0] ?? [new Error('no answer to the fence')];
    if (scriptError) throw scriptError;
    const [waitError, acknowledged] = results?.[1] ?? [new Error('no answer to WAIT')];
    if (waitError) throw waitError;
    // A fence that refused (lost step) makes no effect either way: report that, not the replicas.
    if (scriptResult === 1 && (acknowledged as number) < replicas) {
      throw new AppError(
        'REDIS_NOT_REPLICATED',
        `The fence of job ${this.#lease.jobId} reached ${acknowledged} of ${replicas} replicas within ${timeoutMs} ms; batch not sent`,
        { details: { jobId: this.#lease.jobId, acknowledged, replicas } },
      );
    }
    return scriptResult;
  }

  /** Take the step over (called when BullMQ hands the job to this worker, before any effect). */
  async claim(): Promise<void> {
    await this.#redis.set(this.#keys.stepLease(this.#lease.jobId), this.#lease.token, 'PX', LEASE_TTL_MS);
  }

  /** Store write intents for one batch, only if this worker still owns the step; else STEP_LOCK_LOST. */
  async saveWriteIntents(values: Map<string, Partial<HealthFieldValues>>): Promise<void> {
    const args = [...values].flatMap(([id, v]) => [id, JSON.stringify(v)]);
    const ok = await this.#fenced(
      SAVE_INTENTS,
      [this.#keys.stepLease(this.#lease.jobId), this.#keys.writeIntents, this.#keys.effectClearedAt],
      [this.#lease.token, ...args],
    );
    if (ok !== 1) throw this.#lost('write intents');
  }

  /**
   * Prove ownership of the step and that each alert reservation still holds the value this worker
   * read (nobody confirmed or released it meanwhile) before creating their tasks.
   */
  async checkAlertReservations(expected: Map<string, string>): Promise<void> {
    const args = [...expected].flat();
    const ok = await this.#fenced(
      CHECK_RESERVATIONS,
      [this.#keys.stepLease(this.#lease.jobId), this.#keys.alertsOpen, this.#keys.effectClearedAt],
      [this.#lease.token, ...args],
    );
    if (ok === 0) throw this.#lost('alert tasks');
    if (ok !== 1) {
      throw new AppError(
        'STEP_LOCK_LOST',
        'An alert reservation changed under this worker; not creating its task',
        {
          details: { jobId: this.#lease.jobId },
        },
      );
    }
  }

  #lost(what: string): AppError {
    return new AppError(
      'STEP_LOCK_LOST',
      `Job ${this.#lease.jobId} is owned by another worker now; ${what} not sent`,
      { details: { jobId: this.#lease.jobId } },
    );
  }
}
