import { createHash } from 'node:crypto';
import type { RedisClient } from './redis-client.ts';
import type {
  Account,
  Activity,
  Contact,
  CrmAccount,
  Deal,
  Owner,
  Pipeline,
  QuarantinedRecord,
  Target,
} from '../domain/index.ts';
import {
  encodeActivity,
  type LedgerEntry,
  mergeLedger,
  packLedger,
  unpackLedger,
} from './activity-ledger.ts';
import { encodeDeal } from './deal-codec.ts';
import { dealAlertFields, dealScopedKeys } from './deal-scoped-keys.ts';
import { GuardedWrite, untilApplied } from './guarded-write.ts';
import { parseJson } from './json-hash.ts';
import { chunked } from './redis-chunks.ts';
import type { TenantKeys } from './tenant-keys.ts';

/** A page of pulled records as the store takes it (structurally the connector's SyncPage). */
export interface StoredPage {
  deals: Deal[];
  activities: Activity[];
  contacts: Contact[];
  accounts: Account[];
  deletedDealIds: string[];
  quarantined: QuarantinedRecord[];
  cursor: string;
}

export interface StoredMetadata {
  pipelines: Pipeline[];
  owners: Owner[];
  targets: Target[];
  /** The CRM account's record-page address and currency (absent in metadata stored before issue 18). */
  account?: CrmAccount;
}

/** Quarantined records kept for inspection (all are counted). */
const MAX_QUARANTINE = 1_000;

function quarantineIdentity(q: QuarantinedRecord): string {
  if (q.recordId !== null) return `${q.objectType}:${q.recordId}`;
  return `${q.objectType}#${createHash('sha1')
    .update(JSON.stringify(q.raw) ?? '')
    .digest('hex')}`;
}

/**
 * What a sync writes: the cursor, each pulled page (deal snapshots, activity ledgers, contacts,
 * accounts, deletions, quarantined records) with the cursor in one script, and the CRM's metadata.
 * The one read-then-write, merging activities into stored ledgers, is a guarded write.
 */
export class SyncStateStore {
  readonly #redis: RedisClient;
  readonly #keys: TenantKeys;
  readonly #tenantId: string;

  constructor(redis: RedisClient, keys: TenantKeys, tenantId: string) {
    this.#redis = redis;
    this.#keys = keys;
    this.#tenantId = tenantId;
  }

  async getCursor(): Promise<string | null> {
    return this.#redis.get(this.#keys.cursor);
  }

  /** Set or clear (null: the next pull is a full sync) the cursor. */
  async setCursor(cursor: string | null): Promise<void> {
    if (cursor === null) await this.#redis.del(this.#keys.cursor);
    else await this.#redis.set(this.#keys.cursor, cursor);
  }

  /**
   * Store a page and move the cursor in one script, so the cursor never passes data that was not
   * stored. Deals in the page get their activity ledger replaced by the page's activities; other
   * activities are merged into their deals' ledgers by id. `markSeen` (a full sync) adds the
   * page's deal ids to the full sync's seen set in the same script. Deleted deals leave every
   * deal-scoped hash and their open alerts (`alertsClosed` counts those).
   */
  async savePage(
    page: StoredPage,
    options: { markSeen?: boolean } = {},
  ): Promise<{
    deals: number;
    activities: number;
    quarantined: number;
    deleted: number;
    alertsClosed: number;
  }> {
    const k = this.#keys;
    const pageDeals = new Set(page.deals.map((d) => d.id));
    const incoming = new Map<string, LedgerEntry[]>();
    for (const activity of page.activities) {
      const entry = encodeActivity(activity);
      for (const dealId of activity.dealIds) {
        const list = incoming.get(dealId);
        if (list) list.push(entry);
        else incoming.set(dealId, [entry]);
      }
    }
    for (const id of pageDeals) if (!incoming.has(id)) incoming.set(id, []);
    const mergeIds = [...incoming.keys()].filter((id) => !pageDeals.has(id));
    // First in the script, so their replies (fields removed) are the first ones.
    const alertFields = page.deletedDealIds.flatMap((id) => dealAlertFields(this.#tenantId, id));

    // Deals in the page: their ledgers are replaced, nothing read.
    const pageLedgers: [string, Buffer][] = [...pageDeals].map((id) => [
      id,
      packLedger(mergeLedger([], incoming.get(id)!)),
    ]);
    // Merging into stored ledgers reads them first: the write goes through only if no other worker
    // changed those ledgers, or stored or deleted those deals, since the read (else read again).
    const replies = await untilApplied('activity ledgers', async () => {
      const existing: (Buffer | null)[] = [];
      const existingDeals: (string | null)[] = [];
      for (const chunk of chunked(mergeIds)) {
        existing.push(...(await this.#redis.hmgetBuffer(k.activities, ...chunk)));
        existingDeals.push(...(await this.#redis.hmget(k.deals, ...chunk)));
      }
      const w = new GuardedWrite();
      const alertReplies = w.hdel(k.alertsOpen, alertFields);
      w.hset(
        k.deals,
        page.deals.map((d) => [d.id, encodeDeal(d)]),
      );
      const ledgers = [...pageLedgers];
      mergeIds.forEach((dealId, i) => {
        const stored = existing[i] ?? null;
        w.expect(k.activities, dealId, stored);
        const held = existingDeals[i] !== null && existingDeals[i] !== undefined;
        w.expectPresence(k.deals, dealId, held);
        // An activity of a deal we do not hold (not synced yet, or outside the pipelines) is not kept.
        if (!held) return;
        const entries = incoming.get(dealId)!;
        ledgers.push([dealId, packLedger(mergeLedger(stored === null ? [] : unpackLedger(stored), entries))]);
      });
      w.hset(k.activities, ledgers);
      w.hset(
        k.contacts,
        page.contacts.map((c) => [c.id, JSON.stringify(c)]),
      );
      w.hset(
        k.accounts,
        page.accounts.map((a) => [a.id, JSON.stringify(a)]),
      );
      for (const key of dealScopedKeys(k)) w.hdel(key, page.deletedDealIds);
      if (options.markSeen === true) {
        // A deal that failed validation still exists in the CRM: keep its last good snapshot.
        const seen = [
          ...pageDeals,
          ...page.quarantined.flatMap((q) =>
            (q.objectType === 'deals' || q.objectType === 'Opportunity') && q.recordId !== null
              ? [q.recordId]
              : [],
          ),
        ];
        if (seen.length > 0) w.call('sadd', k.syncSeen, seen);
      }
      if (page.quarantined.length > 0) {
        w.call(
          'lpush',
          k.quarantine,
          page.quarantined.map((q) => JSON.stringify(q)),
        );
        w.call('ltrim', k.quarantine, [0, MAX_QUARANTINE - 1]);
        // Distinct records: the same bad record read again (resync, lookback) is counted once.
        w.call('sadd', k.quarantineIds, page.quarantined.map(quarantineIdentity));
      }
      w.call('set', k.cursor, [page.cursor]);
      const applied = await w.apply(this.#redis);
      return applied && alertReplies.map((at) => applied[at]);
    });
    let alertsClosed = 0;
    for (const removed of replies) alertsClosed += Number(removed);
    return {
      deals: page.deals.length,
      activities: page.activities.length,
      quarantined: page.quarantined.length,
      deleted: page.deletedDealIds.length,
      alertsClosed,
    };
  }

  async saveMetadata(metadata: StoredMetadata): Promise<void> {
    await this.#redis.set(this.#keys.metadata, JSON.stringify(metadata));
  }

  async getMetadata(): Promise<StoredMetadata | null> {
    return parseJson<StoredMetadata>(await this.#redis.get(this.#keys.metadata));
  }

  /** Distinct bad records quarantined (by object type and id; records without an id by content). */
  async quarantineCount(): Promise<number> {
    return this.#redis.scard(this.#keys.quarantineIds);
  }

  async quarantined(limit = 100): Promise<QuarantinedRecord[]> {
    const raw = await this.#redis.lrange(this.#keys.quarantine, 0, limit - 1);
    return raw.map((r) => JSON.parse(r) as QuarantinedRecord);
  }
}
