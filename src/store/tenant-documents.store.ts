import type { RedisClient } from './redis-client.ts';
import { parseJson } from './json-hash.ts';
import type { TenantKeys } from './tenant-keys.ts';

/** Small JSON documents kept per tenant, each under its own key (written whole, never merged). */
export type JsonDocument =
  | 'model'
  | 'norms'
  | 'schema'
  | 'alertCandidates'
  | 'trainingReport'
  | 'pipelineHealth'
  | 'teamElements'
  | 'forecast'
  | 'modelLog'
  | 'liveAccuracy'
  | 'whatChanged';

/** The tenant's documents: model, norms, schema marker, alert candidates, training report, views. */
export class TenantDocumentsStore {
  readonly #redis: RedisClient;
  readonly #keys: TenantKeys;

  constructor(redis: RedisClient, keys: TenantKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  /** Small JSON documents kept per tenant (model, norms, schema marker, alert candidates, training report). */
  async getJson<T>(key: JsonDocument): Promise<T | null> {
    return parseJson<T>(await this.#redis.get(this.#keys[key]));
  }

  async setJson(key: JsonDocument, value: unknown): Promise<void> {
    await this.#redis.set(this.#keys[key], JSON.stringify(value));
  }
}
