import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deal } from '../../../src/domain/index.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';

/**
 * Issue 19 (Redis bytes per deal, target 2 KB): a deal snapshot was about 0.8 KB, a third of it
 * JSON key names. Stored positionally (times as epoch ms where exact), it reads back exactly.
 */
const deal = (id: string, extra: Partial<Deal> = {}): Deal => ({
  id,
  name: `Renewal ${id} - Enterprise plan`,
  pipelineId: 'default',
  stageId: 'presentationscheduled',
  isClosed: false,
  isWon: false,
  amount: 34_423.5,
  currency: 'EUR',
  closeDate: '2027-01-07',
  createdAt: '2026-07-31T09:12:45.120Z',
  updatedAt: '2026-11-30T17:03:00.000Z',
  closedAt: null,
  ownerId: '81234567',
  accountId: '9912',
  nextStep: 'Call back after the budget meeting',
  nextStepUpdatedAt: '2026-11-08T00:00:00.000Z',
  contacts: [
    { contactId: '1501', role: 'Decision Maker', isPrimary: true },
    { contactId: '1502', role: null, isPrimary: false },
  ],
  stageHistory: [
    { stageId: 'appointmentscheduled', enteredAt: '2026-07-31T09:12:45.120Z' },
    { stageId: 'presentationscheduled', enteredAt: '2026-09-02T10:00:00Z' },
  ],
  closeDateChanges: [{ at: '2026-10-01T08:00:00.000Z', from: '2026-12-01', to: '2027-01-07' }],
  amountChanges: [],
  fields: { budget_confirmed: true, decision_process: 'Board', score_hint: 3 },
  ...extra,
});

describe('stored deal snapshots', () => {
  let redis: RedisEndpoint;
  let client: RedisClient;
  let store: TenantStateStore;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
    store = new TenantStateStore(client, `s${randomUUID().slice(0, 6)}`, 'acme');
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  const page = (deals: Deal[]) => ({
    deals,
    activities: [],
    contacts: [],
    accounts: [],
    deletedDealIds: [],
    quarantined: [],
    cursor: 'c',
  });

  it('take at most 65% of their JSON size and read back exactly, by every read', async () => {
    const closed = deal('d2', {
      isClosed: true,
      isWon: true,
      closedAt: '2026-11-30T17:03:00.000Z',
      amount: null,
    });
    await store.sync.savePage(page([deal('d1'), closed]));
    expect(await client.hstrlen(store.keys.deals, 'd1')).toBeLessThanOrEqual(
      JSON.stringify(deal('d1')).length * 0.65,
    );
    expect((await store.deals.getDeal('d1'))?.deal).toEqual(deal('d1'));
    expect((await store.deals.getDeals(['d1', 'd2'])).get('d2')).toEqual(closed);
    const all: Deal[] = [];
    for await (const chunk of store.deals.iterateDealSnapshots()) all.push(...chunk);
    expect(all.sort((a, b) => a.id.localeCompare(b.id))).toEqual([deal('d1'), closed]);
  });

  it('snapshots stored before (JSON objects) are still read', async () => {
    await client.hset(store.keys.deals, 'old', JSON.stringify(deal('old')));
    expect((await store.deals.getDeal('old'))?.deal).toEqual(deal('old'));
  });
});
