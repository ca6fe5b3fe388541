import type { RedisClient } from './redis-client.ts';
import { execChecked } from './exec-checked.ts';
import type { TenantKeys } from './tenant-keys.ts';

/**
 * Where one digest (tenant, ISO week, recipient) stands. `sending` is held by one worker for one
 * request (`leaseUntil`, Redis time); `retry` may be taken again from `notBefore`; `delivered`,
 * `failed` (a 4xx or attempts used up) and `unknown` are final for the week.
 */
export interface DigestDeliveryState {
  state: 'sending' | 'retry' | 'delivered' | 'failed' | 'unknown';
  attempts: number;
  holder?: string;
  leaseUntil?: number;
  notBefore?: number;
  /** When the digest was first claimed (Redis time, ms): old ones are pruned. */
  createdAt?: number;
}

/** One attempt, as the delivery log shows it (newest first). */
export interface DigestAttemptRecord {
  at: string;
  deliveryId: string;
  week: string;
  recipient: string;
  attempt: number;
  /** The receiver's HTTP status; null on a network error or when no request was made. */
  status: number | null;
  outcome: 'delivered' | 'retry' | 'failed' | 'unknown';
  /** What went wrong, without the URL or the secret. */
  error: string | null;
  /** The wait before the next attempt, when one follows. */
  retryInMs: number | null;
}

export type DigestClaim =
  | { claimed: true; attempt: number }
  | { claimed: false; state: DigestDeliveryState; abandoned: boolean };

/** Delivery attempts kept in the log. */
const LOG_LIMIT = 1_000;
/** Delivery states are kept this long (a week's key is useless after it). */
const STATE_TTL_SECONDS = 35 * 86_400;

/** Delete the states first claimed before ARGV[1] ms ago (Redis time). */
const PRUNE = `
local t = redis.call('time')
local cutoff = tonumber(t[1]) * 1000 - tonumber(ARGV[1])
local all = redis.call('hgetall', KEYS[1])
local n = 0
for i = 1, #all, 2 do
  local s = cjson.decode(all[i + 1])
  if s.createdAt and tonumber(s.createdAt) < cutoff then
    redis.call('hdel', KEYS[1], all[i]); n = n + 1
  end
end
return n`;

/**
 * Claim a digest for one request. KEYS[1] the state hash; ARGV: delivery id, holder, lease ms,
 * max attempts. Returns {1, attempt} or {0, state json, abandoned}. A `sending` state whose lease
 * ran out belongs to a worker lost during its request: whether the receiver got it is unknown,
 * so it becomes `unknown` and is never resent (at most once).
 */
const CLAIM = `
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local raw = redis.call('hget', KEYS[1], ARGV[1])
local s = {state = 'retry', attempts = 0, createdAt = now}
if raw then s = cjson.decode(raw) end
if s.state == 'sending' and tonumber(s.leaseUntil) <= now then
  s.state = 'unknown'; s.holder = nil; s.leaseUntil = nil
  raw = cjson.encode(s)
  redis.call('hset', KEYS[1], ARGV[1], raw)
  return {0, raw, 1}
end
if s.state ~= 'retry' or (s.notBefore and tonumber(s.notBefore) > now) then return {0, raw, 0} end
if s.attempts >= tonumber(ARGV[4]) then
  s.state = 'failed'; s.notBefore = nil
  raw = cjson.encode(s)
  redis.call('hset', KEYS[1], ARGV[1], raw)
  return {0, raw, 0}
end
s.state = 'sending'; s.holder = ARGV[2]; s.leaseUntil = now + tonumber(ARGV[3]); s.notBefore = nil
s.attempts = s.attempts + 1
redis.call('hset', KEYS[1], ARGV[1], cjson.encode(s))
redis.call('expire', KEYS[1], ARGV[5])
return {1, s.attempts}`;

/**
 * Record an attempt's outcome if `holder` still holds the claim (else 0: another worker took
 * over, the outcome is not recorded). ARGV: delivery id, holder, next state, retry-in ms.
 */
const FINISH = `
local raw = redis.call('hget', KEYS[1], ARGV[1])
if not raw then return 0 end
local s = cjson.decode(raw)
if s.state ~= 'sending' or s.holder ~= ARGV[2] then return 0 end
local t = redis.call('time')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
s.state = ARGV[3]; s.holder = nil; s.leaseUntil = nil
if ARGV[3] == 'retry' then s.notBefore = now + tonumber(ARGV[4]) end
redis.call('hset', KEYS[1], ARGV[1], cjson.encode(s))
return 1`;

/**
 * The weekly digest's idempotency keys and delivery log (docs/DIGEST.md). Its keys share the
 * tenant's hash tag, so a tenant purge removes them.
 */
export class DigestStore {
  readonly #redis: RedisClient;
  readonly #states: string;
  readonly #log: string;

  constructor(redis: RedisClient, keys: Pick<TenantKeys, 'cursor'>) {
    this.#redis = redis;
    const base = keys.cursor.slice(0, -'cursor'.length);
    this.#states = `${base}digest:deliveries`;
    this.#log = `${base}digest:log`;
  }

  /** Take the digest `deliveryId` for one request, holding it `leaseMs` at most. */
  async claim(
    deliveryId: string,
    holder: string,
    leaseMs: number,
    maxAttempts: number,
  ): Promise<DigestClaim> {
    const out = (await this.#redis.eval(
      CLAIM,
      1,
      this.#states,
      deliveryId,
      holder,
      leaseMs,
      maxAttempts,
      STATE_TTL_SECONDS,
    )) as [number, number | string, number?];
    if (out[0] === 1) return { claimed: true, attempt: Number(out[1]) };
    return {
      claimed: false,
      state: JSON.parse(String(out[1])) as DigestDeliveryState,
      abandoned: out[2] === 1,
    };
  }

  async finish(
    deliveryId: string,
    holder: string,
    next: 'delivered' | 'retry' | 'failed',
    retryInMs = 0,
  ): Promise<boolean> {
    const ok = await this.#redis.eval(FINISH, 1, this.#states, deliveryId, holder, next, retryInMs);
    return ok === 1;
  }

  /**
   * Drop digests first claimed more than 35 days ago (the hash holds a few weeks of owners and
   * the team: bounded). The whole hash also expires 35 days after the last claim.
   */
  async prune(): Promise<number> {
    return (await this.#redis.eval(PRUNE, 1, this.#states, STATE_TTL_SECONDS * 1000)) as number;
  }

  async state(deliveryId: string): Promise<DigestDeliveryState | null> {
    const raw = await this.#redis.hget(this.#states, deliveryId);
    return raw === null ? null : (JSON.parse(raw) as DigestDeliveryState);
  }

  async states(): Promise<Record<string, DigestDeliveryState>> {
    const all = await this.#redis.hgetall(this.#states);
    return Object.fromEntries(Object.entries(all).map(([k, v]) => [k, JSON.parse(v) as DigestDeliveryState]));
  }

  async log(record: DigestAttemptRecord): Promise<void> {
    await execChecked(
      this.#redis
        .multi()
        .lpush(this.#log, JSON.stringify(record))
        .ltrim(this.#log, 0, LOG_LIMIT - 1),
    );
  }

  /** The delivery log, newest first. */
  async attempts(limit = 200): Promise<DigestAttemptRecord[]> {
    const raw = await this.#redis.lrange(this.#log, 0, limit - 1);
    return raw.map((r) => JSON.parse(r) as DigestAttemptRecord);
  }
}
