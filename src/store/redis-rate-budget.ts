import { randomUUID } from 'node:crypto';
import type { RedisClient } from './redis-client.ts';
import type { RateWindow, SharedRateBudget } from '../shared/shared-rate-budget.ts';

/**
 * A sliding log per window (a sorted set of request times), checked and filled in one Lua script so
 * that processes racing for the last slot cannot both take it. Times come from Redis (TIME), one
 * clock for every process, whatever their own clocks say. A reservation's time moves to its answer's
 * arrival on `settle` (as the CRM counts it).
 */
const RESERVE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local wait = 0
for i, key in ipairs(KEYS) do
  local max = tonumber(ARGV[2 * i - 1])
  local win = tonumber(ARGV[2 * i])
  redis.call('ZREMRANGEBYSCORE', key, '-inf', now - win)
  local n = redis.call('ZCARD', key)
  if n >= max then
    local edge = redis.call('ZRANGE', key, n - max, n - max, 'WITHSCORES')
    local w = tonumber(edge[2]) + win - now
    if w > wait then wait = w end
  end
end
if wait > 0 then return wait end
local member = ARGV[#ARGV]
for i, key in ipairs(KEYS) do
  redis.call('ZADD', key, now, member)
  redis.call('PEXPIRE', key, tonumber(ARGV[2 * i]) + 1000)
end
return 0
`;

const SETTLE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for _, key in ipairs(KEYS) do redis.call('ZADD', key, 'XX', 'GT', now, ARGV[1]) end
return 0
`;

/** The Redis-backed {@link SharedRateBudget}: keys `{prefix}:rate:{account}:{window}`. */
export class RedisRateBudget implements SharedRateBudget {
  readonly #redis: RedisClient;
  readonly #prefix: string;

  constructor(redis: RedisClient, prefix: string) {
    this.#redis = redis;
    this.#prefix = prefix;
  }

  async reserve(
    account: string,
    windows: readonly RateWindow[],
  ): Promise<{ waitMs: number; settle: () => void }> {
    // One hash tag per account: the keys of one reservation live in one slot (Redis Cluster).
    const keys = windows.map((w) => `${this.#prefix}:rate:{${account}}:${w.name}`);
    const member = randomUUID();
    const args = [...windows.flatMap((w) => [w.max, w.windowMs]), member];
    const waitMs = Number(await this.#redis.eval(RESERVE, keys.length, ...keys, ...args));
    if (waitMs > 0) return { waitMs, settle: () => {} };
    return {
      waitMs: 0,
      settle: () => {
        // Best effort: a lost settle leaves the reservation at its start time (slightly early).
        this.#redis.eval(SETTLE, keys.length, ...keys, member).catch(() => {});
      },
    };
  }
}
