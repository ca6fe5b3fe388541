import type { FenceDurability } from './effect-fence.ts';
import { AlertsStore } from './alerts.store.ts';
import { DigestStore } from './digest.store.ts';
import { FullSyncStore } from './full-sync.store.ts';
import { LiveOutcomesStore } from './live-outcomes.store.ts';
import { ResultsStore } from './results.store.ts';
import { RunsStore } from './runs.store.ts';
import { StoredDealsStore } from './stored-deals.store.ts';
import { SyncStateStore } from './sync-state.store.ts';
import { TenantDocumentsStore } from './tenant-documents.store.ts';
import { masterNodes, type RedisClient } from './redis-client.ts';
import { type TenantKeys, tenantKeys } from './tenant-keys.ts';
import { WrittenValuesStore } from './written-values.store.ts';

/**
 * One tenant's state in Redis, one store per concern over the shared key layout
 * (src/store/tenant-keys.ts: every key in the tenant's hash slot). Each store is small enough to
 * reason about its atomicity on its own; the read-then-write sequences among them are guarded
 * writes or scripts (src/store/guarded-write.ts).
 */
export class TenantStateStore {
  readonly keys: TenantKeys;
  readonly tenantId: string;
  /** Cursor, pulled pages, metadata and quarantine: what the sync writes. */
  readonly sync: SyncStateStore;
  /** The full sync in progress: begin or resume, and reconcile when it ends. */
  readonly fullSync: FullSyncStore;
  /** The stored deals with their activities, contacts and account, as the steps read them. */
  readonly deals: StoredDealsStore;
  /** Health results and score history. */
  readonly results: ResultsStore;
  /** Values last written to the CRM and write intents. */
  readonly written: WrittenValuesStore;
  /** Open alerts (reservations), the owners' daily cap and the run's alert candidates. */
  readonly alerts: AlertsStore;
  /** Cycle lock, step summaries, run history and step leases. */
  readonly runs: RunsStore;
  /** Model, norms, schema marker and the other small JSON documents. */
  readonly documents: TenantDocumentsStore;
  /** Closed deals against their live scores (live accuracy). */
  readonly liveOutcomes: LiveOutcomesStore;
  /** The weekly digest's claims and delivery log (src/store/digest.store.ts). */
  readonly digests: DigestStore;
  readonly #redis: RedisClient;

  constructor(
    redis: RedisClient,
    prefix: string,
    tenantId: string,
    options: { cycleLockTtlMs?: number; fenceDurability?: FenceDurability } = {},
  ) {
    this.#redis = redis;
    this.tenantId = tenantId;
    this.keys = tenantKeys(prefix, tenantId);
    this.sync = new SyncStateStore(redis, this.keys, tenantId);
    this.fullSync = new FullSyncStore(redis, this.keys, tenantId);
    this.deals = new StoredDealsStore(redis, this.keys);
    this.results = new ResultsStore(redis, this.keys);
    this.written = new WrittenValuesStore(redis, this.keys);
    this.alerts = new AlertsStore(redis, this.keys);
    this.runs = new RunsStore(redis, this.keys, options);
    this.documents = new TenantDocumentsStore(redis, this.keys);
    this.liveOutcomes = new LiveOutcomesStore(redis, this.keys);
    this.digests = new DigestStore(redis, this.keys);
  }

  /** Delete every key of this tenant (tenant removed). */
  async purge(): Promise<number> {
    const pattern = `${this.keys.cursor.slice(0, -'cursor'.length)}*`;
    let removed = 0;
    // SCAN reaches one node: on a cluster, every master is scanned (the tenant's keys share one
    // slot, but which master holds it is the cluster's business).
    for (const node of await masterNodes(this.#redis)) {
      let cursor = '0';
      do {
        const [next, keys] = await node.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
        cursor = next;
        if (keys.length > 0) removed += await this.#redis.del(...keys);
      } while (cursor !== '0');
    }
    return removed;
  }
}
