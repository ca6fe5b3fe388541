import type { RedisClient } from './redis-client.ts';

type Arg = string | Buffer | number;
/** ioredis flattens array arguments one level: long argument lists go as arrays, never spread on the stack. */
export type LuaScript<T> = (keys: readonly string[], args: readonly (Arg | readonly Arg[])[]) => Promise<T>;

/**
 * A Lua script as an ioredis command on this client (defined once per client): sent as EVALSHA,
 * and as EVAL again by ioredis when Redis does not have it (restarted, flushed, another node).
 */
export function luaScript<T>(redis: RedisClient, name: string, lua: string): LuaScript<T> {
  const client = redis as unknown as Record<string, ((...args: unknown[]) => Promise<T>) | undefined>;
  if (client[name] === undefined) redis.defineCommand(name, { lua });
  const run = client[name]!;
  return (keys, args) => run.call(redis, keys.length, keys, ...args);
}
