import type { RedisClient } from './redis-client.ts';
import { chunked, READ_CHUNK } from './redis-chunks.ts';

/** A stored JSON value, or null when the field or key is absent. */
export function parseJson<T>(value: string | null | undefined): T | null {
  return value === null || value === undefined ? null : (JSON.parse(value) as T);
}

/** These fields of a hash of JSON values, parsed, in chunks; absent fields are left out. */
export async function hmgetJson<T>(
  redis: RedisClient,
  key: string,
  ids: readonly string[],
): Promise<Map<string, T>> {
  const out = new Map<string, T>();
  for (const slice of chunked(ids, READ_CHUNK)) {
    const values = await redis.hmget(key, ...slice);
    values.forEach((v, j) => {
      const parsed = parseJson<T>(v);
      if (parsed !== null) out.set(slice[j]!, parsed);
    });
  }
  return out;
}
