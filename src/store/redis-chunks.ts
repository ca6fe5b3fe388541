/**
 * Variadic Redis commands (HMGET, HDEL, SADD, LPUSH, ...) take their arguments on the JavaScript
 * stack when spread (`...ids`): around 150,000 arguments throw `RangeError: Maximum call stack size
 * exceeded`, and huge commands block Redis. Every variadic call goes through chunks of this size.
 */
const VARIADIC_CHUNK = 1_000;

/** Consecutive slices of at most `size` items. */
export function* chunked<T>(items: readonly T[], size: number = VARIADIC_CHUNK): Generator<T[]> {
  for (let i = 0; i < items.length; i += size) yield items.slice(i, i + size);
}

/** Fields read per round trip when reading values back (HMGET, HSCAN COUNT): memory stays flat. */
export const READ_CHUNK = 500;
