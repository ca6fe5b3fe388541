import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthResult } from '../../../src/domain/index.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';

/**
 * Issue 19: with 200,000 closed deals the score step spread every closed id into one Redis call and
 * threw `RangeError: Maximum call stack size exceeded` at every cycle. Store level, cheap: only
 * ids travel (no deal bodies).
 */
const N = 200_000;

const result = (dealId: string): HealthResult =>
  ({ dealId, asOf: '2026-12-01T00:00:00.000Z', score: 50, band: 'watch' }) as unknown as HealthResult;

describe('a tenant with 200,000 closed deals', () => {
  let redis: RedisEndpoint;
  let client: RedisClient;
  let store: TenantStateStore;
  const ids = Array.from({ length: N }, (_, i) => `d${i}`);

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
    store = new TenantStateStore(client, `L${randomUUID().slice(0, 6)}`, 'large');
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  it('removes results of 200,000 ids without throwing, and only those that had one', async () => {
    // A few of the closed deals still have a result from when they were open.
    await store.results.saveResults(['d7', 'd150000', 'd199999'].map(result));
    await store.results.saveResults([result('open-1')]);
    const removed = await store.results.removeResults(ids);
    expect(removed).toBe(3);
    expect(await store.results.getResult('d150000')).toBeNull();
    expect(await store.results.getResult('open-1')).not.toBeNull();
  });

  it('takes 200,000 ids in every id-list call', async () => {
    const values = new Map(ids.map((id) => [id, { score: 1 }]));
    await store.written.saveWriteIntents(values);
    await expect(store.written.getWritten(ids)).resolves.toBeInstanceOf(Map);
    await store.written.markWritten(values);
    expect((await store.written.getWriteIntents()).size).toBe(0);
    expect((await store.written.getWritten(['d123456'])).get('d123456')).toEqual({ score: 1 });
    await store.written.saveWriteIntents(values);
    await store.written.clearWriteIntents(values);
    expect((await store.written.getWriteIntents()).size).toBe(0);
    await expect(store.results.previousScores(ids, Date.now())).resolves.toBeInstanceOf(Map);
    await expect(store.deals.getDeals(ids)).resolves.toBeInstanceOf(Map);
    await store.sync.savePage({
      deals: [],
      activities: [],
      contacts: [],
      accounts: [],
      deletedDealIds: ids,
      quarantined: [],
      cursor: 'c',
    });
    expect(await store.sync.getCursor()).toBe('c');
  });
});
