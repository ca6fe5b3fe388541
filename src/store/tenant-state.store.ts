import type { Redis } from 'ioredis';
import type { Account } from '../domain/account.ts';
import type { Activity } from '../domain/activity.ts';
import type { Contact } from '../domain/contact.ts';
import type { Deal } from '../domain/deal.ts';
import type { HealthFieldValues } from '../domain/health-fields.ts';
import type { HealthResult } from '../domain/health-result.ts';
import type { Owner, Pipeline, Target } from '../domain/pipeline.ts';
import type { QuarantinedRecord } from '../domain/quarantined-record.ts';
import { redactSecrets } from '../shared/redact.ts';
import { decodeActivity, encodeActivity, type LedgerEntry, mergeLedger } from './activity-ledger.ts';
import { type TenantKeys, tenantKeys } from './tenant-keys.ts';

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
}

/** Everything stored about one deal, ready for the scoring engine's compileDeal. */
export interface StoredDealRecord {
  deal: Deal;
  activities: Activity[];
  contacts: Contact[];
  account: Account | null;
}

export type JsonDocument =
  | 'model'
  | 'norms'
  | 'schema'
  | 'alertCandidates'
  | 'trainingReport'
  | 'pipelineHealth';

/** A cycle holds its tenant's lock at most this long without a step or a synced page refreshing it. */
export const CYCLE_LOCK_TTL_MS = 2 * 60 * 60 * 1000;

/** Kept per deal for trends: [epoch ms, score], oldest first, at most this many. */
const MAX_HISTORY = 60;
/** Quarantined records kept for inspection (all are counted). */
const MAX_QUARANTINE = 1_000;
const SCAN_CHUNK = 500;

function parse<T>(value: string | null | undefined): T | null {
  return value === null || value === undefined ? null : (JSON.parse(value) as T);
}

/**
 * One tenant's state in Redis: cursor, deal snapshots, activity ledgers, results, score history,
 * last-written values, write intents, quarantine, alerts, model and run summaries.
 */
export class TenantStateStore {
  readonly keys: TenantKeys;
  readonly tenantId: string;
  private readonly redis: Redis;

  constructor(redis: Redis, prefix: string, tenantId: string) {
    this.redis = redis;
    this.tenantId = tenantId;
    this.keys = tenantKeys(prefix, tenantId);
  }

  async getCursor(): Promise<string | null> {
    return this.redis.get(this.keys.cursor);
  }

  /** Set or clear (null: the next pull is a full sync) the cursor. */
  async setCursor(cursor: string | null): Promise<void> {
    if (cursor === null) await this.redis.del(this.keys.cursor);
    else await this.redis.set(this.keys.cursor, cursor);
  }

  /**
   * Store a page and move the cursor in one MULTI, so the cursor never passes data that was not
   * stored. Deals in the page get their activity ledger replaced by the page's activities; other
   * activities are merged into their deals' ledgers by id.
   */
  async savePage(
    page: StoredPage,
  ): Promise<{ deals: number; activities: number; quarantined: number; deleted: number }> {
    const k = this.keys;
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
    const existing = mergeIds.length > 0 ? await this.redis.hmget(k.activities, ...mergeIds) : [];
    const existingDeals = mergeIds.length > 0 ? await this.redis.hmget(k.deals, ...mergeIds) : [];

    const tx = this.redis.multi();
    if (page.deals.length > 0) {
      tx.hset(k.deals, Object.fromEntries(page.deals.map((d) => [d.id, JSON.stringify(d)])));
    }
    const ledgers: Record<string, string> = {};
    for (const [dealId, entries] of incoming) {
      if (pageDeals.has(dealId)) {
        ledgers[dealId] = JSON.stringify(mergeLedger([], entries));
      } else {
        const i = mergeIds.indexOf(dealId);
        // An activity of a deal we do not hold (not synced yet, or outside the pipelines) is not kept.
        if (existingDeals[i] === null || existingDeals[i] === undefined) continue;
        ledgers[dealId] = JSON.stringify(mergeLedger(parse<LedgerEntry[]>(existing[i]) ?? [], entries));
      }
    }
    if (Object.keys(ledgers).length > 0) tx.hset(k.activities, ledgers);
    if (page.contacts.length > 0) {
      tx.hset(k.contacts, Object.fromEntries(page.contacts.map((c) => [c.id, JSON.stringify(c)])));
    }
    if (page.accounts.length > 0) {
      tx.hset(k.accounts, Object.fromEntries(page.accounts.map((a) => [a.id, JSON.stringify(a)])));
    }
    if (page.deletedDealIds.length > 0) {
      for (const key of [k.deals, k.activities, k.results, k.history, k.written, k.writeIntents]) {
        tx.hdel(key, ...page.deletedDealIds);
      }
    }
    if (page.quarantined.length > 0) {
      tx.lpush(k.quarantine, ...page.quarantined.map((q) => JSON.stringify(q)));
      tx.ltrim(k.quarantine, 0, MAX_QUARANTINE - 1);
      tx.incrby(k.quarantineCount, page.quarantined.length);
    }
    tx.set(k.cursor, page.cursor);
    const replies = await tx.exec();
    const failed = replies?.find(([err]) => err !== null);
    if (failed) throw failed[0];
    return {
      deals: page.deals.length,
      activities: page.activities.length,
      quarantined: page.quarantined.length,
      deleted: page.deletedDealIds.length,
    };
  }

  async saveMetadata(metadata: StoredMetadata): Promise<void> {
    await this.redis.set(this.keys.metadata, JSON.stringify(metadata));
  }

  async getMetadata(): Promise<StoredMetadata | null> {
    return parse<StoredMetadata>(await this.redis.get(this.keys.metadata));
  }

  async dealCount(): Promise<number> {
    return this.redis.hlen(this.keys.deals);
  }

  async getDeal(dealId: string): Promise<StoredDealRecord | null> {
    for await (const chunk of this.readDeals([dealId])) return chunk[0] ?? null;
    return null;
  }

  /** The stored deal snapshots among these ids (without activities); ids not stored are absent. */
  async getDeals(dealIds: string[]): Promise<Map<string, Deal>> {
    return this.hmgetMap<Deal>(this.keys.deals, dealIds);
  }

  /** Every stored deal with its activities, contacts and account, in chunks (memory stays flat). */
  async *iterateDeals(): AsyncGenerator<StoredDealRecord[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.deals, cursor, 'COUNT', SCAN_CHUNK);
      cursor = next;
      const ids: string[] = [];
      for (let i = 0; i < flat.length; i += 2) ids.push(flat[i]!);
      if (ids.length > 0) yield* this.readDeals(ids);
    } while (cursor !== '0');
  }

  private async *readDeals(ids: string[]): AsyncGenerator<StoredDealRecord[]> {
    const [deals, ledgers] = await Promise.all([
      this.redis.hmget(this.keys.deals, ...ids),
      this.redis.hmget(this.keys.activities, ...ids),
    ]);
    const parsed: { deal: Deal; ledger: LedgerEntry[] }[] = [];
    deals.forEach((raw, i) => {
      const deal = parse<Deal>(raw);
      if (deal) parsed.push({ deal, ledger: parse<LedgerEntry[]>(ledgers[i]) ?? [] });
    });
    const contactIds = new Set<string>();
    const accountIds = new Set<string>();
    for (const { deal, ledger } of parsed) {
      for (const c of deal.contacts) contactIds.add(c.contactId);
      for (const e of ledger) for (const c of e[12]) contactIds.add(c);
      if (deal.accountId !== null) accountIds.add(deal.accountId);
    }
    const contacts = await this.hmgetMap<Contact>(this.keys.contacts, [...contactIds]);
    const accounts = await this.hmgetMap<Account>(this.keys.accounts, [...accountIds]);
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

  private async hmgetMap<T>(key: string, ids: string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    for (let i = 0; i < ids.length; i += SCAN_CHUNK) {
      const slice = ids.slice(i, i + SCAN_CHUNK);
      const values = await this.redis.hmget(key, ...slice);
      values.forEach((v, j) => {
        const parsed = parse<T>(v);
        if (parsed !== null) out.set(slice[j]!, parsed);
      });
    }
    return out;
  }

  /** Save the latest results and append each score to its deal's bounded history. */
  async saveResults(results: HealthResult[]): Promise<void> {
    if (results.length === 0) return;
    const k = this.keys;
    for (let i = 0; i < results.length; i += SCAN_CHUNK) {
      const chunk = results.slice(i, i + SCAN_CHUNK);
      const ids = chunk.map((r) => r.dealId);
      const histories = await this.redis.hmget(k.history, ...ids);
      const nextHistory: Record<string, string> = {};
      chunk.forEach((r, j) => {
        const at = Date.parse(r.asOf);
        const history = (parse<[number, number][]>(histories[j]) ?? []).filter(([t]) => t !== at);
        history.push([at, r.score]);
        history.sort((a, b) => a[0] - b[0]);
        nextHistory[r.dealId] = JSON.stringify(history.slice(-MAX_HISTORY));
      });
      await this.redis
        .multi()
        .hset(k.results, Object.fromEntries(chunk.map((r) => [r.dealId, JSON.stringify(r)])))
        .hset(k.history, nextHistory)
        .exec();
    }
  }

  async getResult(dealId: string): Promise<HealthResult | null> {
    return parse<HealthResult>(await this.redis.hget(this.keys.results, dealId));
  }

  async *iterateResults(): AsyncGenerator<HealthResult[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.redis.hscan(this.keys.results, cursor, 'COUNT', SCAN_CHUNK);
      cursor = next;
      const out: HealthResult[] = [];
      for (let i = 1; i < flat.length; i += 2) out.push(JSON.parse(flat[i]!) as HealthResult);
      if (out.length > 0) yield out;
    } while (cursor !== '0');
  }

  /**
   * Each deal's score from about a week before `asOf` (the latest at least 6.5 days older), for
   * the trend; deals without one are absent.
   */
  async previousScores(dealIds: string[], asOf: number): Promise<Map<string, { score: number }>> {
    const out = new Map<string, { score: number }>();
    const cutoff = asOf - 6.5 * 86_400_000;
    for (let i = 0; i < dealIds.length; i += SCAN_CHUNK) {
      const slice = dealIds.slice(i, i + SCAN_CHUNK);
      const values = await this.redis.hmget(this.keys.history, ...slice);
      values.forEach((v, j) => {
        const history = parse<[number, number][]>(v) ?? [];
        let found: number | null = null;
        for (const [t, score] of history) if (t <= cutoff) found = score;
        if (found !== null) out.set(slice[j]!, { score: found });
      });
    }
    return out;
  }

  async getWritten(dealIds: string[]): Promise<Map<string, Partial<HealthFieldValues>>> {
    return this.hmgetMap<Partial<HealthFieldValues>>(this.keys.written, dealIds);
  }

  /** Record values as written (merged into what was written before) and clear their intents. */
  async markWritten(values: Map<string, Partial<HealthFieldValues>>): Promise<void> {
    if (values.size === 0) return;
    const ids = [...values.keys()];
    const before = await this.getWritten(ids);
    const merged = Object.fromEntries(
      ids.map((id) => [id, JSON.stringify({ ...before.get(id), ...values.get(id) })]),
    );
    await this.redis
      .multi()
      .hset(this.keys.written, merged)
      .hdel(this.keys.writeIntents, ...ids)
      .exec();
  }

  /** Write intents: values about to be sent to the CRM, kept until the CRM confirms them. */
  async saveWriteIntents(values: Map<string, Partial<HealthFieldValues>>): Promise<void> {
    if (values.size === 0) return;
    await this.redis.hset(
      this.keys.writeIntents,
      Object.fromEntries([...values].map(([id, v]) => [id, JSON.stringify(v)])),
    );
  }

  async getWriteIntents(): Promise<Map<string, Partial<HealthFieldValues>>> {
    const all = await this.redis.hgetall(this.keys.writeIntents);
    return new Map(Object.entries(all).map(([id, v]) => [id, JSON.parse(v) as Partial<HealthFieldValues>]));
  }

  async clearWriteIntents(dealIds: string[]): Promise<void> {
    if (dealIds.length > 0) await this.redis.hdel(this.keys.writeIntents, ...dealIds);
  }

  async quarantineCount(): Promise<number> {
    return Number((await this.redis.get(this.keys.quarantineCount)) ?? 0);
  }

  async quarantined(limit = 100): Promise<QuarantinedRecord[]> {
    const raw = await this.redis.lrange(this.keys.quarantine, 0, limit - 1);
    return raw.map((r) => JSON.parse(r) as QuarantinedRecord);
  }

  /**
   * Reserve an alert key before its task is created. Returns false when the alert is already
   * open (reserved or created), so a rerun or a second worker never raises it twice.
   */
  async reserveAlert(key: string): Promise<boolean> {
    return (await this.redis.hsetnx(this.keys.alertsOpen, key, 'pending')) === 1;
  }

  async confirmAlert(key: string, taskId: string): Promise<void> {
    await this.redis.hset(this.keys.alertsOpen, key, taskId);
  }

  async releaseAlert(key: string): Promise<void> {
    await this.redis.hdel(this.keys.alertsOpen, key);
  }

  /** Open alerts: key -> task id, or "pending" while the task is being created. */
  async openAlerts(): Promise<Map<string, string>> {
    return new Map(Object.entries(await this.redis.hgetall(this.keys.alertsOpen)));
  }

  /** Count one alert against an owner's daily cap; returns the count including this one. */
  async countAlertForOwner(day: string, ownerId: string): Promise<number> {
    const key = this.keys.alertCap(day);
    const [[, count]] = (await this.redis
      .multi()
      .hincrby(key, ownerId, 1)
      .expire(key, 3 * 86_400)
      .exec()) as [[Error | null, number], unknown];
    return count;
  }

  /** Small JSON documents kept per tenant (model, norms, schema marker, alert candidates, training report). */
  async getJson<T>(key: JsonDocument): Promise<T | null> {
    return parse<T>(await this.redis.get(this.keys[key]));
  }

  async setJson(key: JsonDocument, value: unknown): Promise<void> {
    await this.redis.set(this.keys[key], JSON.stringify(value));
  }

  async getResults(dealIds: string[]): Promise<Map<string, HealthResult>> {
    return this.hmgetMap<HealthResult>(this.keys.results, dealIds);
  }

  /** Drop results (and pending intents) of deals that are no longer open or no longer exist. */
  async removeResults(dealIds: string[]): Promise<void> {
    if (dealIds.length === 0) return;
    await this.redis
      .multi()
      .hdel(this.keys.results, ...dealIds)
      .hdel(this.keys.writeIntents, ...dealIds)
      .exec();
  }

  /** One step's summary within a run (kept 7 days). */
  async recordStep(runId: string, step: string, summary: Record<string, unknown>): Promise<void> {
    const key = this.keys.runSteps(runId);
    await this.redis
      .multi()
      .hset(key, step, JSON.stringify(redactSecrets(summary)))
      .expire(key, 7 * 86_400)
      .exec();
  }

  async runSteps(runId: string): Promise<Record<string, Record<string, unknown>>> {
    const all = await this.redis.hgetall(this.keys.runSteps(runId));
    return Object.fromEntries(
      Object.entries(all).map(([k, v]) => [k, JSON.parse(v) as Record<string, unknown>]),
    );
  }

  /** Extend the cycle lock while a long step runs (only if `runId` still holds it). */
  async refreshCycleLock(runId: string, ttlMs: number = CYCLE_LOCK_TTL_MS): Promise<boolean> {
    const script =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    return (await this.redis.eval(script, 1, this.keys.cycleLock, runId, ttlMs)) === 1;
  }

  async recordRun(summary: Record<string, unknown>): Promise<void> {
    await this.redis
      .multi()
      // Redacted before it is stored: an error text may carry a token a CRM echoed back.
      .lpush(this.keys.runs, JSON.stringify(redactSecrets(summary)))
      .ltrim(this.keys.runs, 0, 49)
      .exec();
  }

  async runs(limit = 20): Promise<Record<string, unknown>[]> {
    return (await this.redis.lrange(this.keys.runs, 0, limit - 1)).map(
      (r) => JSON.parse(r) as Record<string, unknown>,
    );
  }

  /** Take the tenant's cycle lock (at most one cycle at a time). Returns the holder's run id. */
  async acquireCycleLock(
    runId: string,
    ttlMs: number,
  ): Promise<{ acquired: boolean; holder: string | null }> {
    const ok = await this.redis.set(this.keys.cycleLock, runId, 'PX', ttlMs, 'NX');
    if (ok === 'OK') return { acquired: true, holder: runId };
    return { acquired: false, holder: await this.redis.get(this.keys.cycleLock) };
  }

  /** Release the lock only if `runId` still holds it (compare-and-delete in one script). */
  async releaseCycleLock(runId: string): Promise<boolean> {
    const script =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    return (await this.redis.eval(script, 1, this.keys.cycleLock, runId)) === 1;
  }

  async cycleLockHolder(): Promise<string | null> {
    return this.redis.get(this.keys.cycleLock);
  }

  /** Delete every key of this tenant (tenant removed). */
  async purge(): Promise<number> {
    const pattern = `${this.keys.cursor.slice(0, -'cursor'.length)}*`;
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await this.redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) removed += await this.redis.del(...keys);
    } while (cursor !== '0');
    return removed;
  }
}
