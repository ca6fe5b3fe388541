import { execChecked } from './exec-checked.ts';
import type { Redis } from 'ioredis';
import { dealScopedKeys } from './deal-scoped-keys.ts';
import { chunked } from './redis-chunks.ts';
import type { TenantKeys } from './tenant-keys.ts';

/** How a sync starts: a new full sync, one resumed from its stored page, or an incremental pull. */
export type SyncMode = 'full_started' | 'full_resumed' | 'incremental';

const SCAN_COUNT = 1_000;

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
 * pipeline, archived long ago) are dropped with everything kept about them.
 */
export class FullSyncStore {
  private readonly redis: Redis;
  private readonly keys: TenantKeys;

  constructor(redis: Redis, keys: TenantKeys) {
    this.redis = redis;
    this.keys = keys;
  }

  /** Start (clearing the cursor) or resume a full sync, or say the pull is incremental. */
  async begin(runId: string, fullResyncRequested: boolean): Promise<SyncMode> {
    const k = this.keys;
    return (await this.redis.eval(
      BEGIN,
      3,
      k.fullSync,
      k.cursor,
      k.syncSeen,
      runId,
      fullResyncRequested ? '1' : '0',
    )) as SyncMode;
  }

  /** The full sync's pull ended: drop stored deals it did not see and end it. Returns the dropped count. */
  async finish(): Promise<number> {
    const dropped = await this.dropUnlisted(this.keys.syncSeen);
    await this.redis.del(this.keys.fullSync, this.keys.syncSeen);
    return dropped;
  }

  /**
   * The cheap nightly reconciliation: the CRM's current deal ids (ids only) against the stored
   * deals; stored deals not listed are dropped. Returns the dropped count.
   */
  async reconcileIds(listed: AsyncIterable<string[]>): Promise<number> {
    const key = this.keys.listedIds;
    await this.redis.del(key);
    try {
      for await (const ids of listed) {
        for (const chunk of chunked(ids)) await this.redis.sadd(key, ...chunk);
      }
      return await this.dropUnlisted(key);
    } finally {
      await this.redis.del(key);
    }
  }

  private async dropUnlisted(listedKey: string): Promise<number> {
    let cursor = '0';
    let dropped = 0;
    do {
      const [next, flat] = await this.redis.hscan(this.keys.deals, cursor, 'COUNT', SCAN_COUNT);
      cursor = next;
      const ids: string[] = [];
      for (let i = 0; i < flat.length; i += 2) ids.push(flat[i]!);
      if (ids.length === 0) continue;
      const member = await this.redis.smismember(listedKey, ...ids);
      const missing = ids.filter((_, i) => member[i] === 0);
      if (missing.length === 0) continue;
      const tx = this.redis.multi();
      for (const key of dealScopedKeys(this.keys)) tx.hdel(key, ...missing);
      await execChecked(tx);
      dropped += missing.length;
    } while (cursor !== '0');
    return dropped;
  }
}
