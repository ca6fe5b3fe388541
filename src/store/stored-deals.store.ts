import type { RedisClient } from './redis-client.ts';
import type { Account, Activity, Contact, Deal } from '../domain/index.ts';
import { decodeActivity, type LedgerEntry, unpackLedger } from './activity-ledger.ts';
import { decodeDeal } from './deal-codec.ts';
import { hmgetJson } from './json-hash.ts';
import { chunked, READ_CHUNK } from './redis-chunks.ts';
import type { TenantKeys } from './tenant-keys.ts';

/** Everything stored about one deal, ready for the scoring engine's compileDeal. */
export interface StoredDealRecord {
  deal: Deal;
  activities: Activity[];
  contacts: Contact[];
  account: Account | null;
}

/**
 * The stored deals as the score, write-back and train steps read them: snapshots joined with their
 * activity ledgers, contacts and account, in chunks so memory stays flat. Read only (the sync
 * writes them, src/store/sync-state.store.ts).
 */
export class StoredDealsStore {
  readonly #redis: RedisClient;
  readonly #keys: TenantKeys;

  constructor(redis: RedisClient, keys: TenantKeys) {
    this.#redis = redis;
    this.#keys = keys;
  }

  async dealCount(): Promise<number> {
    return this.#redis.hlen(this.#keys.deals);
  }

  async getDeal(dealId: string): Promise<StoredDealRecord | null> {
    for await (const chunk of this.#readDeals([dealId])) return chunk[0] ?? null;
    return null;
  }

  /** The stored deal snapshots among these ids (without activities); ids not stored are absent. */
  async getDeals(dealIds: string[]): Promise<Map<string, Deal>> {
    const out = new Map<string, Deal>();
    for (const chunk of chunked(dealIds, READ_CHUNK)) {
      const values = await this.#redis.hmget(this.#keys.deals, ...chunk);
      values.forEach((raw, i) => {
        if (raw !== null) out.set(chunk[i]!, decodeDeal(chunk[i]!, raw));
      });
    }
    return out;
  }

  /** Every stored deal with its activities, contacts and account, in chunks (memory stays flat). */
  async *iterateDeals(): AsyncGenerator<StoredDealRecord[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.#redis.hscan(this.#keys.deals, cursor, 'COUNT', READ_CHUNK);
      cursor = next;
      const ids: string[] = [];
      for (let i = 0; i < flat.length; i += 2) ids.push(flat[i]!);
      if (ids.length > 0) yield* this.#readDeals(ids);
    } while (cursor !== '0');
  }

  /** Every stored deal snapshot alone (no activities, contacts or account), in chunks: a cheap pass. */
  async *iterateDealSnapshots(): AsyncGenerator<Deal[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.#redis.hscan(this.#keys.deals, cursor, 'COUNT', READ_CHUNK);
      cursor = next;
      const deals: Deal[] = [];
      for (let i = 1; i < flat.length; i += 2) deals.push(decodeDeal(flat[i - 1]!, flat[i]!));
      if (deals.length > 0) yield deals;
    } while (cursor !== '0');
  }

  /** These deals with their activities, contacts and account, in chunks; ids not stored are skipped. */
  async *readDealRecords(ids: readonly string[]): AsyncGenerator<StoredDealRecord[]> {
    for (const chunk of chunked(ids, READ_CHUNK)) yield* this.#readDeals(chunk);
  }

  async *#readDeals(ids: string[]): AsyncGenerator<StoredDealRecord[]> {
    const [deals, ledgers] = await Promise.all([
      this.#redis.hmget(this.#keys.deals, ...ids),
      this.#redis.hmgetBuffer(this.#keys.activities, ...ids),
    ]);
    const parsed: { deal: Deal; ledger: LedgerEntry[] }[] = [];
    deals.forEach((raw, i) => {
      const deal = raw === null ? null : decodeDeal(ids[i]!, raw);
      const ledger = ledgers[i];
      if (deal)
        parsed.push({ deal, ledger: ledger === null || ledger === undefined ? [] : unpackLedger(ledger) });
    });
    const contactIds = new Set<string>();
    const accountIds = new Set<string>();
    for (const { deal, ledger } of parsed) {
      for (const c of deal.contacts) contactIds.add(c.contactId);
      for (const e of ledger) for (const c of e[12]) contactIds.add(c);
      if (deal.accountId !== null) accountIds.add(deal.accountId);
    }
    const contacts = await hmgetJson<Contact>(this.#redis, this.#keys.contacts, [...contactIds]);
    const accounts = await hmgetJson<Account>(this.#redis, this.#keys.accounts, [...accountIds]);
    yield parsed.map(({ deal, ledger }) => {
      const own = new Set(deal.contacts.map((c) => c.contactId));
      for (const e of ledger) for (const c of e[12]) own.add(c);
      return {
        deal,
        activities: ledger.map((e) => decodeActivity(e, deal.id)),
        contacts: [...own].flatMap((id) => {
          const c = contacts.get(id);
          return c ? [c] : [];
        }),
        account: deal.accountId === null ? null : (accounts.get(deal.accountId) ?? null),
      };
    });
  }
}
