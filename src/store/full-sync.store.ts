import type { RedisClient } from './redis-client.ts';
import { ALERT_KINDS } from '../domain/index.ts';
import { dealAlertFields, dealScopedKeys } from './deal-scoped-keys.ts';
import { chunked } from './redis-chunks.ts';
import type { TenantKeys } from './tenant-keys.ts';

/** How a sync starts: a new full sync, one resumed from its stored page, or an incremental pull. */
export type SyncMode = 'full_started' | 'full_resumed' | 'incremental';

/** What a reconciliation removed: stored deals the CRM no longer lists, and their open alerts. */
export interface ReconcileCounts {
  dropped: number;
  alertsClosed: number;
}

const SCAN_COUNT = 1_000;
/** A run's reconciliation totals outlive the run by as long as its step summaries. */
const COUNTS_TTL_MS = 7 * 86_400_000;

// Drop one chunk of deals atomically: each candidate still unlisted and still stored leaves every
// deal-scoped hash and the open alerts together, and the run's totals move in the same script, so
// a crash between chunks leaves whole deals either kept or gone and a rerun counts on from there.
// KEYS: listed ids, the run's totals, open alerts, then the deal-scoped hashes (deals first).
// ARGV: alert fields per deal (n), totals TTL (ms), then per candidate its id and its n alert fields.
const DROP_CHUNK = `
local n = tonumber(ARGV[1])
local dropped, alerts = 0, 0
local i = 3
while i <= #ARGV do
  local id = ARGV[i]
  if redis.call('sismember', KEYS[1], id) == 0 and redis.call('hexists', KEYS[4], id) == 1 then
    for j = 4, #KEYS do redis.call('hdel', KEYS[j], id) end
    for j = 1, n do alerts = alerts + redis.call('hdel', KEYS[3], ARGV[i + j]) end
    dropped = dropped + 1
  end
  i = i + 1 + n
end
if dropped > 0 then
  redis.call('hincrby', KEYS[2], 'dropped', dropped)
  redis.call('hincrby', KEYS[2], 'alertsClosed', alerts)
  redis.call('pexpire', KEYS[2], ARGV[2])
end
return dropped`;

// KEYS: full-sync marker, cursor, seen set. ARGV: run id, "1" when a full resync was requested.
const BEGIN = `
local current = redis.call('get', KEYS[1])
if ARGV[2] == '1' and current ~= ARGV[1] then
  redis.call('del', KEYS[2], KEYS[3])
  redis.call('set', KEYS[1], ARGV[1])
  return 'full_started'
end
if current then return 'full_resumed' end
if redis.call('exists', KEYS[2]) == 0 then
  redis.call('del', KEYS[3])
  redis.call('set', KEYS[1], ARGV[1])
  return 'full_started'
end
return 'incremental'`;

/**
 * A full sync as a resumable, reconciling unit. It is marked in Redis when it begins (not tied to
 * BullMQ's attempt counter, which neither a delay until a quota reset nor a stalled-job takeover
 * moves), so every later attempt, and the next run after a failed one, resumes from the stored
 * page. Each stored page adds its deal ids to a "seen" set in the page's own transaction; when the
 * pull ends, stored deals the CRM no longer returned (deleted for good, moved to an untracked
 * pipeline, archived long ago) are dropped with everything kept about them, open alerts included
 * (so the deal is never alerted again and no reservation is left behind), one atomic chunk at a
 * time: an interrupted reconciliation is simply run again and its totals add up across attempts.
 */
export class FullSyncStore {
  readonly #redis: RedisClient;
  readonly #keys: TenantKeys;
  readonly #tenantId: string;

  constructor(redis: RedisClient, keys: TenantKeys, tenantId: string) {
    this.#redis = redis;
    this.#keys = keys;
    this.#tenantId = tenantId;
  }

  /** Start (clearing the cursor) or resume a full sync, or say the pull is incremental. */
  async begin(runId: string, fullResyncRequested: boolean): Promise<SyncMode> {
    const k = this.#keys;
    return (await this.#redis.eval(
      BEGIN,
      3,
      k.fullSync,
      k.cursor,
      k.syncSeen,
      runId,
      fullResyncRequested ? '1' : '0',
    )) as SyncMode;
  }

  /**
   * The full sync's pull ended: drop stored deals it did not see and end it. Returns what run
   * `runId` dropped, over all its attempts.
   */
  async finish(runId: string): Promise<ReconcileCounts> {
    await this.#dropUnlisted(this.#keys.syncSeen, runId);
    await this.#redis.del(this.#keys.fullSync, this.#keys.syncSeen);
    return this.#counts(runId);
  }

  /**
   * The cheap nightly reconciliation: the CRM's current deal ids (ids only) against the stored
   * deals; stored deals not listed are dropped. Returns what run `runId` dropped, over all its attempts.
   */
  async reconcileIds(runId: string, listed: AsyncIterable<string[]>): Promise<ReconcileCounts> {
    const key = this.#keys.listedIds;
    await this.#redis.del(key);
    try {
      for await (const ids of listed) {
        for (const chunk of chunked(ids)) await this.#redis.sadd(key, ...chunk);
      }
      await this.#dropUnlisted(key, runId);
      return await this.#counts(runId);
    } finally {
      await this.#redis.del(key);
    }
  }

  async #counts(runId: string): Promise<ReconcileCounts> {
    const [dropped, alertsClosed] = await this.#redis.hmget(
      this.#keys.reconciled(runId),
      'dropped',
      'alertsClosed',
    );
    return { dropped: Number(dropped ?? 0), alertsClosed: Number(alertsClosed ?? 0) };
  }

  async #dropUnlisted(listedKey: string, runId: string): Promise<void> {
    const k = this.#keys;
    let cursor = '0';
    do {
      const [next, flat] = await this.#redis.hscan(k.deals, cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      const ids: string[] = [];
      for (let i = 0; i < flat.length; i += 2) ids.push(flat[i]!);
      if (ids.length === 0) continue;
      // A cheap first look; the script checks again inside its atomic step.
      const member = await this.#redis.smismember(listedKey, ...ids);
      const missing = ids.filter((_, i) => member[i] === 0);
      if (missing.length === 0) continue;
      await this.#redis.eval(
        DROP_CHUNK,
        3 + dealScopedKeys(k).length,
        listedKey,
        k.reconciled(runId),
        k.alertsOpen,
        ...dealScopedKeys(k),
        ALERT_KINDS.length,
        COUNTS_TTL_MS,
        ...missing.flatMap((id) => [id, ...dealAlertFields(this.#tenantId, id)]),
      );
    } while (cursor !== '0');
  }
}
