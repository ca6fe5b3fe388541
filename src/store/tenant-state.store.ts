import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type {
  Account,
  Activity,
  Contact,
  CrmAccount,
  Deal,
  HealthFieldValues,
  HealthResult,
  Owner,
  Pipeline,
  Target,
  QuarantinedRecord,
} from '../domain/index.ts';
import { redactSecrets } from '../shared/redact.ts';
import {
  decodeActivity,
  encodeActivity,
  type LedgerEntry,
  mergeLedger,
  packLedger,
  unpackLedger,
} from './activity-ledger.ts';
import { AlertReservations } from './alert-reservations.ts';
import { DigestStore } from './digest.store.ts';
import { EffectFence, type StepLease } from './effect-fence.ts';
import { execChecked } from './exec-checked.ts';
import { dealAlertFields, dealScopedKeys } from './deal-scoped-keys.ts';
import { FullSyncStore } from './full-sync.store.ts';
import { chunked } from './redis-chunks.ts';
import { ResultCodec } from './result-codec.ts';
import { appendScore, decodeHistory, encodeHistory, scoreAsOf } from './score-history.ts';
import { decodeDeal, encodeDeal } from './deal-codec.ts';
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
  /** The CRM account's record-page address and currency (absent in metadata stored before issue 18). */
  account?: CrmAccount;
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
  | 'pipelineHealth'
  | 'teamElements'
  | 'forecast'
  | 'whatChanged';

/** A cycle holds its tenant's lock at most this long without a step or a synced page refreshing it. */
const CYCLE_LOCK_TTL_MS = 2 * 60 * 60 * 1000;

/**
 * Drop the alert candidates document if it is this run's: it is `{"runId":"<id>",...}` (the score
 * step writes runId first), so its first bytes say whose it is without reading it all.
 */
const DROP_RUN_CANDIDATES = `
if redis.call('getrange', KEYS[1], 0, #ARGV[1] - 1) == ARGV[1] then return redis.call('del', KEYS[1]) end
return 0`;

/** Kept per deal for trends: [epoch ms, score], oldest first, at most this many. */
/** Quarantined records kept for inspection (all are counted). */
const MAX_QUARANTINE = 1_000;
const SCAN_CHUNK = 500;

function quarantineIdentity(q: QuarantinedRecord): string {
  if (q.recordId !== null) return `${q.objectType}:${q.recordId}`;
  return `${q.objectType}#${createHash('sha1')
    .update(JSON.stringify(q.raw) ?? '')
    .digest('hex')}`;
}

function parse<T>(value: string | null | undefined): T | null {
  return value === null || value === undefined ? null : (JSON.parse(value) as T);
}

/** Each result's history with its score appended (thinned: src/store/score-history.ts), by deal id. */
function historiesWith(
  results: readonly HealthResult[],
  stored: readonly (string | null)[],
  priorScores?: ReadonlyMap<string, number>,
): Record<string, string> {
  const out: Record<string, string> = {};
  results.forEach((r, j) => {
    const entry = {
      at: Date.parse(r.asOf),
      score: r.score,
      priorScore: priorScores?.get(r.dealId) ?? r.score,
    };
    out[r.dealId] = encodeHistory(appendScore(decodeHistory(stored[j] ?? null), entry));
  });
  return out;
}

/**
 * One tenant's state in Redis: cursor, deal snapshots, activity ledgers, results, score history,
 * last-written values, write intents, quarantine, alerts, model and run summaries.
 */
export class TenantStateStore {
  readonly keys: TenantKeys;
  readonly tenantId: string;
  /** How long the cycle lock lives without a refresh (configurable so tests can use short lifetimes). */
  readonly cycleLockTtlMs: number;
  /** The full sync in progress: begin or resume, and reconcile when it ends. */
  readonly fullSync: FullSyncStore;
  readonly #redis: Redis;
  readonly #resultCodec: ResultCodec;

  constructor(redis: Redis, prefix: string, tenantId: string, options: { cycleLockTtlMs?: number } = {}) {
    this.#redis = redis;
    this.tenantId = tenantId;
    this.keys = tenantKeys(prefix, tenantId);
    this.cycleLockTtlMs = options.cycleLockTtlMs ?? CYCLE_LOCK_TTL_MS;
    this.fullSync = new FullSyncStore(redis, this.keys, tenantId);
    this.#resultCodec = new ResultCodec(redis, this.keys.resultLegend);
  }

  async getCursor(): Promise<string | null> {
    return this.#redis.get(this.keys.cursor);
  }

  /** The effect fence of a step this worker holds (src/store/effect-fence.ts). */
  effectFence(lease: StepLease): EffectFence {
    return new EffectFence(this.#redis, this.keys, lease);
  }

  /** Set or clear (null: the next pull is a full sync) the cursor. */
  async setCursor(cursor: string | null): Promise<void> {
    if (cursor === null) await this.#redis.del(this.keys.cursor);
    else await this.#redis.set(this.keys.cursor, cursor);
  }

  /**
   * Store a page and move the cursor in one MULTI, so the cursor never passes data that was not
   * stored. Deals in the page get their activity ledger replaced by the page's activities; other
   * activities are merged into their deals' ledgers by id. `markSeen` (a full sync) adds the
   * page's deal ids to the full sync's seen set in the same transaction. Deleted deals leave every
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
    const existing: (Buffer | null)[] = [];
    const existingDeals: (string | null)[] = [];
    for (const chunk of chunked(mergeIds)) {
      existing.push(...(await this.#redis.hmgetBuffer(k.activities, ...chunk)));
      existingDeals.push(...(await this.#redis.hmget(k.deals, ...chunk)));
    }

    const tx = this.#redis.multi();
    // First in the transaction, so their replies (fields removed) are the first ones.
    const alertFields = page.deletedDealIds.flatMap((id) => dealAlertFields(this.tenantId, id));
    let alertCommands = 0;
    for (const chunk of chunked(alertFields)) {
      tx.hdel(k.alertsOpen, ...chunk);
      alertCommands += 1;
    }
    if (page.deals.length > 0) {
      tx.hset(k.deals, Object.fromEntries(page.deals.map((d) => [d.id, encodeDeal(d)])));
    }
    const ledgers: Record<string, Buffer> = {};
    for (const [dealId, entries] of incoming) {
      if (pageDeals.has(dealId)) {
        ledgers[dealId] = packLedger(mergeLedger([], entries));
      } else {
        const i = mergeIds.indexOf(dealId);
        // An activity of a deal we do not hold (not synced yet, or outside the pipelines) is not kept.
        if (existingDeals[i] === null || existingDeals[i] === undefined) continue;
        const stored = existing[i];
        ledgers[dealId] = packLedger(
          mergeLedger(stored === null || stored === undefined ? [] : unpackLedger(stored), entries),
        );
      }
    }
    if (Object.keys(ledgers).length > 0) tx.hset(k.activities, ledgers);
    if (page.contacts.length > 0) {
      tx.hset(k.contacts, Object.fromEntries(page.contacts.map((c) => [c.id, JSON.stringify(c)])));
    }
    if (page.accounts.length > 0) {
      tx.hset(k.accounts, Object.fromEntries(page.accounts.map((a) => [a.id, JSON.stringify(a)])));
    }
    for (const chunk of chunked(page.deletedDealIds)) {
      for (const key of dealScopedKeys(k)) tx.hdel(key, ...chunk);
    }
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
      for (const chunk of chunked(seen)) tx.sadd(k.syncSeen, ...chunk);
    }
    if (page.quarantined.length > 0) {
      for (const chunk of chunked(page.quarantined))
        tx.lpush(k.quarantine, ...chunk.map((q) => JSON.stringify(q)));
      tx.ltrim(k.quarantine, 0, MAX_QUARANTINE - 1);
      // Distinct records: the same bad record read again (resync, lookback) is counted once.
      tx.sadd(k.quarantineIds, ...page.quarantined.map(quarantineIdentity));
    }
    tx.set(k.cursor, page.cursor);
    const replies = await execChecked(tx);
    let alertsClosed = 0;
    for (let i = 0; i < alertCommands; i += 1) alertsClosed += Number(replies[i]);
    return {
      deals: page.deals.length,
      activities: page.activities.length,
      quarantined: page.quarantined.length,
      deleted: page.deletedDealIds.length,
      alertsClosed,
    };
  }

  async saveMetadata(metadata: StoredMetadata): Promise<void> {
    await this.#redis.set(this.keys.metadata, JSON.stringify(metadata));
  }

  async getMetadata(): Promise<StoredMetadata | null> {
    return parse<StoredMetadata>(await this.#redis.get(this.keys.metadata));
  }

  async dealCount(): Promise<number> {
    return this.#redis.hlen(this.keys.deals);
  }

  async getDeal(dealId: string): Promise<StoredDealRecord | null> {
    for await (const chunk of this.#readDeals([dealId])) return chunk[0] ?? null;
    return null;
  }

  /** The stored deal snapshots among these ids (without activities); ids not stored are absent. */
  async getDeals(dealIds: string[]): Promise<Map<string, Deal>> {
    const out = new Map<string, Deal>();
    for (const chunk of chunked(dealIds, SCAN_CHUNK)) {
      const values = await this.#redis.hmget(this.keys.deals, ...chunk);
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
      const [next, flat] = await this.#redis.hscan(this.keys.deals, cursor, 'COUNT', SCAN_CHUNK);
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
      const [next, flat] = await this.#redis.hscan(this.keys.deals, cursor, 'COUNT', SCAN_CHUNK);
      cursor = next;
      const deals: Deal[] = [];
      for (let i = 1; i < flat.length; i += 2) deals.push(decodeDeal(flat[i - 1]!, flat[i]!));
      if (deals.length > 0) yield deals;
    } while (cursor !== '0');
  }

  /** These deals with their activities, contacts and account, in chunks; ids not stored are skipped. */
  async *readDealRecords(ids: readonly string[]): AsyncGenerator<StoredDealRecord[]> {
    for (const chunk of chunked(ids, SCAN_CHUNK)) yield* this.#readDeals(chunk);
  }

  async *#readDeals(ids: string[]): AsyncGenerator<StoredDealRecord[]> {
    const [deals, ledgers] = await Promise.all([
      this.#redis.hmget(this.keys.deals, ...ids),
      this.#redis.hmgetBuffer(this.keys.activities, ...ids),
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
    const contacts = await this.#hmgetMap<Contact>(this.keys.contacts, [...contactIds]);
    const accounts = await this.#hmgetMap<Account>(this.keys.accounts, [...accountIds]);
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

  async #hmgetMap<T>(key: string, ids: string[]): Promise<Map<string, T>> {
    const out = new Map<string, T>();
    for (let i = 0; i < ids.length; i += SCAN_CHUNK) {
      const slice = ids.slice(i, i + SCAN_CHUNK);
      const values = await this.#redis.hmget(key, ...slice);
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
      const histories = await this.#redis.hmget(k.history, ...ids);
      const encoded = await this.#resultCodec.encode(chunk);
      const nextHistory = historiesWith(chunk, histories);
      await execChecked(
        this.#redis
          .multi()
          .hset(k.results, Object.fromEntries(chunk.map((r, j) => [r.dealId, encoded[j]!])))
          .hset(k.history, nextHistory),
      );
    }
  }

  /**
   * One chunk of a run's scoring (at most a few thousand deals): the results, each score appended
   * to its history, and the alert candidates they raised, in one transaction. A rerun after a
   * crash finds these deals already scored as of the run (their candidates already kept) and
   * gathers all of the run's candidates with `takeRunCandidates`.
   */
  async saveScoredChunk(
    results: HealthResult[],
    runId: string,
    candidates: unknown[],
    priorScores?: ReadonlyMap<string, number>,
  ): Promise<void> {
    if (results.length === 0) return;
    const k = this.keys;
    const ids = results.map((r) => r.dealId);
    const histories = await this.#redis.hmget(k.history, ...ids);
    const encoded = await this.#resultCodec.encode(results);
    const nextHistory = historiesWith(results, histories, priorScores);
    const tx = this.#redis
      .multi()
      .hset(k.results, Object.fromEntries(results.map((r, j) => [r.dealId, encoded[j]!])))
      .hset(k.history, nextHistory);
    const key = k.runCandidates(runId);
    for (const chunk of chunked(candidates)) tx.rpush(key, ...chunk.map((c) => JSON.stringify(c)));
    tx.pexpire(key, 7 * 86_400_000);
    await execChecked(tx);
  }

  /** Every alert candidate a run's scoring kept (see saveScoredChunk). */
  async runCandidates<T>(runId: string): Promise<T[]> {
    const key = this.keys.runCandidates(runId);
    const out: T[] = [];
    const batch = 5_000;
    for (let start = 0; ; start += batch) {
      const raw = await this.#redis.lrange(key, start, start + batch - 1);
      for (const r of raw) out.push(JSON.parse(r) as T);
      if (raw.length < batch) break;
    }
    return out;
  }

  async dropRunCandidates(runId: string): Promise<void> {
    await this.#redis.del(this.keys.runCandidates(runId));
  }

  async getResult(dealId: string): Promise<HealthResult | null> {
    const raw = await this.#redis.hget(this.keys.results, dealId);
    return raw === null ? null : ((await this.#resultCodec.decode([[dealId, raw]]))[0] ?? null);
  }

  async *iterateResults(): AsyncGenerator<HealthResult[]> {
    let cursor = '0';
    do {
      const [next, flat] = await this.#redis.hscan(this.keys.results, cursor, 'COUNT', SCAN_CHUNK);
      cursor = next;
      const stored: [string, string][] = [];
      for (let i = 1; i < flat.length; i += 2) stored.push([flat[i - 1]!, flat[i]!]);
      if (stored.length > 0) yield await this.#resultCodec.decode(stored);
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
      const values = await this.#redis.hmget(this.keys.history, ...slice);
      values.forEach((v, j) => {
        const found = scoreAsOf(decodeHistory(v), cutoff);
        if (found !== null) out.set(slice[j]!, { score: found.score });
      });
    }
    return out;
  }

  async getWritten(dealIds: string[]): Promise<Map<string, Partial<HealthFieldValues>>> {
    return this.#hmgetMap<Partial<HealthFieldValues>>(this.keys.written, dealIds);
  }

  /** Record values as written (merged into what was written before) and clear their intents. */
  async markWritten(values: Map<string, Partial<HealthFieldValues>>): Promise<void> {
    for (const ids of chunked([...values.keys()])) {
      const before = await this.getWritten(ids);
      const merged = Object.fromEntries(
        ids.map((id) => [id, JSON.stringify({ ...before.get(id), ...values.get(id) })]),
      );
      await execChecked(
        this.#redis
          .multi()
          .hset(this.keys.written, merged)
          .hdel(this.keys.writeIntents, ...ids),
      );
    }
  }

  /** Write intents: values about to be sent to the CRM, kept until the CRM confirms them. */
  async saveWriteIntents(values: Map<string, Partial<HealthFieldValues>>): Promise<void> {
    for (const chunk of chunked([...values])) {
      await this.#redis.hset(
        this.keys.writeIntents,
        Object.fromEntries(chunk.map(([id, v]) => [id, JSON.stringify(v)])),
      );
    }
  }

  async getWriteIntents(): Promise<Map<string, Partial<HealthFieldValues>>> {
    const all = await this.#redis.hgetall(this.keys.writeIntents);
    return new Map(Object.entries(all).map(([id, v]) => [id, JSON.parse(v) as Partial<HealthFieldValues>]));
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
      this.keys.effectClearedAt,
    )) as number;
    return since < 0 ? null : since;
  }

  async clearWriteIntents(dealIds: string[]): Promise<void> {
    for (const chunk of chunked(dealIds)) await this.#redis.hdel(this.keys.writeIntents, ...chunk);
  }

  /** Distinct bad records quarantined (by object type and id; records without an id by content). */
  async quarantineCount(): Promise<number> {
    return this.#redis.scard(this.keys.quarantineIds);
  }

  async quarantined(limit = 100): Promise<QuarantinedRecord[]> {
    const raw = await this.#redis.lrange(this.keys.quarantine, 0, limit - 1);
    return raw.map((r) => JSON.parse(r) as QuarantinedRecord);
  }

  /** Open alerts and the owners' daily cap (src/store/alert-reservations.ts). */
  alertReservations(): AlertReservations {
    return new AlertReservations(this.#redis, this.keys);
  }

  /** The weekly digest's idempotency keys and delivery log (src/store/digest.store.ts). */
  digest(): DigestStore {
    return new DigestStore(this.#redis, this.keys);
  }

  /** Open alerts: key -> task id, or "pending" while the task is being created. */
  async openAlerts(): Promise<Map<string, string>> {
    const open = await this.alertReservations().open();
    return new Map([...open].map(([key, r]) => [key, r.taskId ?? 'pending']));
  }

  /** Small JSON documents kept per tenant (model, norms, schema marker, alert candidates, training report). */
  async getJson<T>(key: JsonDocument): Promise<T | null> {
    return parse<T>(await this.#redis.get(this.keys[key]));
  }

  async setJson(key: JsonDocument, value: unknown): Promise<void> {
    await this.#redis.set(this.keys[key], JSON.stringify(value));
  }

  async getResults(dealIds: string[]): Promise<Map<string, HealthResult>> {
    const out = new Map<string, HealthResult>();
    for (const chunk of chunked(dealIds, SCAN_CHUNK)) {
      const values = await this.#redis.hmget(this.keys.results, ...chunk);
      const stored = chunk.flatMap((id, i) => (values[i] === null ? [] : [[id, values[i]!] as const]));
      for (const r of await this.#resultCodec.decode(stored)) out.set(r.dealId, r);
    }
    return out;
  }

  /**
   * Drop results (and pending intents) of deals that are no longer open or no longer exist.
   * Returns how many results there were to drop.
   */
  async removeResults(dealIds: string[]): Promise<number> {
    let removed = 0;
    for (const chunk of chunked(dealIds)) {
      const replies = await execChecked(
        this.#redis
          .multi()
          .hdel(this.keys.results, ...chunk)
          .hdel(this.keys.writeIntents, ...chunk),
      );
      removed += Number(replies[0] ?? 0);
    }
    return removed;
  }

  /** Which of these deals have a stored result (one HMGET per chunk, values not parsed). */
  async withResults(dealIds: string[]): Promise<string[]> {
    const out: string[] = [];
    for (const chunk of chunked(dealIds)) {
      const flags = await this.#redis.hmget(this.keys.results, ...chunk);
      flags.forEach((v, i) => {
        if (v !== null) out.push(chunk[i]!);
      });
    }
    return out;
  }

  /** One step's summary within a run (kept 7 days). */
  async recordStep(runId: string, step: string, summary: Record<string, unknown>): Promise<void> {
    const key = this.keys.runSteps(runId);
    await execChecked(
      this.#redis
        .multi()
        .hset(key, step, JSON.stringify(redactSecrets(summary)))
        .expire(key, 7 * 86_400),
    );
  }

  async runSteps(runId: string): Promise<Record<string, Record<string, unknown>>> {
    const all = await this.#redis.hgetall(this.keys.runSteps(runId));
    return Object.fromEntries(
      Object.entries(all).map(([k, v]) => [k, JSON.parse(v) as Record<string, unknown>]),
    );
  }

  /** Extend the cycle lock while a long step runs (only if `runId` still holds it). */
  async refreshCycleLock(runId: string, ttlMs: number = this.cycleLockTtlMs): Promise<boolean> {
    const script =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) else return 0 end";
    return (await this.#redis.eval(script, 1, this.keys.cycleLock, runId, ttlMs)) === 1;
  }

  /**
   * Keep the cycle lock (only if `runId` holds it) while a step waits until `until` (a CRM quota
   * reset, up to a day away), plus one lock lifetime after it for the step to resume and refresh it.
   * Never shortens the lock. Without this the lock lapses during the wait and the scheduler starts
   * more cycles that all wake at the reset together.
   */
  async holdCycleLockUntil(runId: string, until: number, now: number = Date.now()): Promise<boolean> {
    const ttlMs = Math.max(0, until - now) + this.cycleLockTtlMs;
    const script =
      "if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end if redis.call('pttl', KEYS[1]) < tonumber(ARGV[2]) then redis.call('pexpire', KEYS[1], ARGV[2]) end return 1";
    return (await this.#redis.eval(script, 1, this.keys.cycleLock, runId, ttlMs)) === 1;
  }

  /**
   * Record a finished run in the history (the last 50). The summary carries each step's counts and
   * error, so the run's working step hash is dropped in the same transaction (kept compact).
   */
  async recordRun(summary: Record<string, unknown>): Promise<void> {
    // Redacted before it is stored: an error text may carry a token a CRM echoed back.
    const tx = this.#redis
      .multi()
      .lpush(this.keys.runs, JSON.stringify(redactSecrets(summary)))
      .ltrim(this.keys.runs, 0, 49);
    if (typeof summary.runId === 'string') tx.del(this.keys.runSteps(summary.runId));
    await execChecked(tx);
    // The run's alert candidates (a copy per open deal with a warning, hundreds of bytes each)
    // only carry its score step to its alert step: gone once the run is recorded.
    if (typeof summary.runId === 'string') {
      const prefix = JSON.stringify({ runId: summary.runId }).slice(0, -1);
      await this.#redis.eval(DROP_RUN_CANDIDATES, 1, this.keys.alertCandidates, `${prefix},`);
    }
  }

  async runs(limit = 20): Promise<Record<string, unknown>[]> {
    return (await this.#redis.lrange(this.keys.runs, 0, limit - 1)).map(
      (r) => JSON.parse(r) as Record<string, unknown>,
    );
  }

  /** Take the tenant's cycle lock (at most one cycle at a time). Returns the holder's run id. */
  async acquireCycleLock(
    runId: string,
    ttlMs: number,
  ): Promise<{ acquired: boolean; holder: string | null }> {
    const ok = await this.#redis.set(this.keys.cycleLock, runId, 'PX', ttlMs, 'NX');
    if (ok === 'OK') return { acquired: true, holder: runId };
    return { acquired: false, holder: await this.#redis.get(this.keys.cycleLock) };
  }

  /** Release the lock only if `runId` still holds it (compare-and-delete in one script). */
  async releaseCycleLock(runId: string): Promise<boolean> {
    const script =
      "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end";
    return (await this.#redis.eval(script, 1, this.keys.cycleLock, runId)) === 1;
  }

  async cycleLockHolder(): Promise<string | null> {
    return this.#redis.get(this.keys.cycleLock);
  }

  /** Delete every key of this tenant (tenant removed). */
  async purge(): Promise<number> {
    const pattern = `${this.keys.cursor.slice(0, -'cursor'.length)}*`;
    let cursor = '0';
    let removed = 0;
    do {
      const [next, keys] = await this.#redis.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length > 0) removed += await this.#redis.del(...keys);
    } while (cursor !== '0');
    return removed;
  }
}
