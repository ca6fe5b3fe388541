import type { RedisClient } from './redis-client.ts';
import { AppError } from '../shared/app-error.ts';
import { luaScript } from './lua-script.ts';

/**
 * A read-then-write made atomic against other workers. The caller reads hash fields, computes in
 * Node what Lua cannot (deflated ledgers, JSON with JavaScript's number precision), and applies its
 * writes in one script that first checks that every field it read still holds what it read. If one
 * changed (another worker wrote between the read and the write), nothing is written and the caller
 * reads again (`untilApplied`). Optimistic concurrency per field, like WATCH but without a
 * connection of its own: WATCH belongs to a connection, and a worker's steps share theirs (any EXEC
 * on it would silently drop the watch).
 *
 * KEYS: every key the write names. ARGV: the number of guards, each guard (key index, field,
 * '0' absent | '1' equal to the value | '2' present, value), then each command (name, key index,
 * argument count, arguments; the name 'hdel-if-equal' deletes each (field, value) pair's field only
 * if it still holds that value). Returns the commands' replies, or nil when a guard failed.
 */
const GUARDED_WRITE = `
local a = 2
for _ = 1, tonumber(ARGV[1]) do
  local v = redis.call('hget', KEYS[tonumber(ARGV[a])], ARGV[a + 1])
  local mode = ARGV[a + 2]
  if mode == '0' then
    if v then return false end
  elseif mode == '2' then
    if not v then return false end
  elseif v ~= ARGV[a + 3] then
    return false
  end
  a = a + 4
end
local out = {}
while a <= #ARGV do
  local n = tonumber(ARGV[a + 2])
  local key = KEYS[tonumber(ARGV[a + 1])]
  local reply = 0
  if ARGV[a] == 'hdel-if-equal' then
    for j = a + 3, a + 2 + n, 2 do
      if redis.call('hget', key, ARGV[j]) == ARGV[j + 1] then reply = reply + redis.call('hdel', key, ARGV[j]) end
    end
  else
    reply = redis.call(ARGV[a], key, unpack(ARGV, a + 3, a + 2 + n))
  end
  out[#out + 1] = type(reply) == 'table' and 1 or reply
  a = a + 3 + n
end
return out`;

/** Arguments per command in the script (Lua's unpack has a stack limit of a few thousand). */
const ARGS_PER_COMMAND = 1_000;
/** A writer that lost this many times in a row to other writers gives up (retried with backoff). */
const MAX_ATTEMPTS = 50;

type Value = string | Buffer;

/** One guarded write: the fields it read (guards) and the commands to run if none of them changed. */
export class GuardedWrite {
  readonly #keys: string[] = [];
  readonly #guards: (Value | number)[] = [];
  readonly #commands: (Value | number)[] = [];
  #count = 0;

  /** The field must still hold `value` (null: must still be absent). */
  expect(key: string, field: string, value: Value | null): void {
    this.#guards.push(this.#key(key), field, value === null ? '0' : '1', value ?? '');
  }

  /** The field must still exist (whatever its value) or, with `present` false, still not exist. */
  expectPresence(key: string, field: string, present: boolean): void {
    this.#guards.push(this.#key(key), field, present ? '2' : '0', '');
  }

  /**
   * Queue a command on one key. Variadic arguments are split into several commands of at most
   * ARGS_PER_COMMAND (keeping `group` arguments together: 2 for field-value pairs). Returns the
   * positions of their replies.
   */
  call(name: string, key: string, args: readonly (Value | number)[], group = 1): number[] {
    const at: number[] = [];
    const size = ARGS_PER_COMMAND - (ARGS_PER_COMMAND % group);
    for (let i = 0; i === 0 || i < args.length; i += size) {
      const slice = args.slice(i, i + size);
      this.#commands.push(name, this.#key(key), slice.length, ...slice);
      at.push(this.#count);
      this.#count += 1;
    }
    return at;
  }

  /** HSET of many fields (split as needed); nothing when there are none. */
  hset(key: string, entries: Iterable<readonly [string, Value]>): void {
    const flat = [...entries].flat();
    if (flat.length > 0) this.call('hset', key, flat, 2);
  }

  /** HDEL of many fields (split as needed); returns the positions of the replies (fields removed). */
  hdel(key: string, fields: readonly string[]): number[] {
    return fields.length === 0 ? [] : this.call('hdel', key, fields);
  }

  /**
   * Delete each field only if it still holds the given value (a value someone else stored since
   * stays); not a guard: the rest of the write goes through either way.
   */
  hdelIfEqual(key: string, entries: Iterable<readonly [string, Value]>): void {
    const flat = [...entries].flat();
    if (flat.length > 0) this.call('hdel-if-equal', key, flat, 2);
  }

  /** Run it: the commands' replies, or null when a field it read changed (nothing was written). */
  async apply(redis: RedisClient): Promise<unknown[] | null> {
    const guards = this.#guards.length / 4;
    const run = luaScript<unknown[] | null>(redis, 'phGuardedWrite', GUARDED_WRITE);
    return run(this.#keys, [guards, this.#guards, this.#commands]);
  }

  #key(key: string): number {
    const at = this.#keys.indexOf(key);
    return (at >= 0 ? at : this.#keys.push(key) - 1) + 1;
  }
}

/**
 * Read, compute and apply a guarded write until no other writer got in between: `attempt` reads
 * afresh each time and returns the replies, or null when its guards failed.
 */
export async function untilApplied<T>(what: string, attempt: () => Promise<T | null>): Promise<T> {
  for (let i = 0; i < MAX_ATTEMPTS; i += 1) {
    const done = await attempt();
    if (done !== null) return done;
  }
  throw new AppError('REDIS_CONTENDED', `Other workers kept changing ${what}; not written`);
}
