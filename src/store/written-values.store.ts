import type { RedisClient } from './redis-client.ts';
import type { HealthFieldValues } from '../domain/index.ts';
import { GuardedWrite, untilApplied } from './guarded-write.ts';
import { hmgetJson, parseJson } from './json-hash.ts';
import { chunked } from './redis-chunks.ts';
import type { TenantKeys } from './tenant-keys.ts';

/**
 * What the CRM holds of each deal's health fields as far as we know: the values last written, and
 * write intents (values about to be sent, kept until the CRM confirms them, so a crash never
 * writes twice). Recording written values merges into what was there: a guarded write. Intents are
 * stored by the step's effect fence (src/store/effect-fence.ts), which also stamps each clearance.
 */
export class WrittenValuesStore {
  readonly #redis: RedisClient;
  readonly #keys: TenantKeys;

  constructor(redis: RedisClient, keys: TenantKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async getWritten(dealIds: string[]): Promise<Map<string, Partial<HealthFieldValues>>> {
    return hmgetJson<Partial<HealthFieldValues>>(this.#redis, this.#keys.written, dealIds);
  }

  /**
   * Record values as written (merged into what was written before) and clear their intents (only
   * intents of these values: one a successor stored since stays). The merge goes through only if
   * no other worker recorded values of these deals since the read.
   */
  async markWritten(values: Map<string, Partial<HealthFieldValues>>): Promise<void> {
    const k = this.#keys;
    for (const ids of chunked([...values.keys()])) {
      await untilApplied('written values', async () => {
        const before = await this.#redis.hmget(k.written, ...ids);
        const w = new GuardedWrite();
        ids.forEach((id, i) => {
          w.expect(k.written, id, before[i] ?? null);
        });
        w.hset(
          k.written,
          ids.map((id, i) => [id, JSON.stringify({ ...parseJson<object>(before[i]), ...values.get(id) })]),
        );
        w.hdelIfEqual(
          k.writeIntents,
          ids.map((id) => [id, JSON.stringify(values.get(id))]),
        );
        return w.apply(this.#redis);
      });
    }
  }

  /** Write intents: values about to be sent to the CRM, kept until the CRM confirms them. */
  async saveWriteIntents(values: Map<string, Partial<HealthFieldValues>>): Promise<void> {
    for (const chunk of chunked([...values])) {
      await this.#redis.hset(
        this.#keys.writeIntents,
        Object.fromEntries(chunk.map(([id, v]) => [id, JSON.stringify(v)])),
      );
    }
  }

  async getWriteIntents(): Promise<Map<string, Partial<HealthFieldValues>>> {
    const all = await this.#redis.hgetall(this.#keys.writeIntents);
    return new Map(Object.entries(all).map(([id, v]) => [id, JSON.parse(v) as Partial<HealthFieldValues>]));
  }

  /**
   * Clear the intents of values that were not written (failed, or found not landed), only where the
   * intent still holds those values: a worker that lost its step must not clear its successor's.
   */
  async clearWriteIntents(values: Map<string, Partial<HealthFieldValues>>): Promise<void> {
    for (const chunk of chunked([...values])) {
      const w = new GuardedWrite();
      w.hdelIfEqual(
        this.#keys.writeIntents,
        chunk.map(([id, v]) => [id, JSON.stringify(v)]),
      );
      await w.apply(this.#redis);
    }
  }

  /**
   * Milliseconds (Redis clock) since a fence last cleared a CRM batch: a batch cleared then may
   * still be on its way (see SEND_WINDOW_MS); null when none is recorded.
   */
  async msSinceEffectCleared(): Promise<number | null> {
    const since = (await this.#redis.eval(
      `local at = redis.call('get', KEYS[1])
if not at then return -1 end
local t = redis.call('time')
return tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000) - tonumber(at)`,
      1,
      this.#keys.effectClearedAt,
    )) as number;
    return since < 0 ? null : since;
  }
}
