import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity, Deal } from '../../../src/domain/index.ts';
import { encodeActivity } from '../../../src/store/activity-ledger.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';

/**
 * Issue 19: activity ledgers are most of a tenant's Redis (about 2.1 KB of 4.8 KB per deal for 30
 * activities, target 2 KB per deal in all). A ledger is stored with its owners and contacts once
 * (each activity points at them), times as steps from the previous activity, and the call / meeting /
 * task fields only where an activity has them (63% of the array form), then deflated (under 40%);
 * it reads back exactly, and ledgers stored before are still read.
 */
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 6, 1);
const TYPES: Activity['type'][] = ['email', 'email', 'email', 'call', 'meeting', 'note', 'task'];

function activities(dealId: string): Activity[] {
  // Ids as long as HubSpot's (11 digits) and owners / contacts as HubSpot's numeric ids.
  return Array.from({ length: 30 }, (_, k) => {
    const type = TYPES[k % TYPES.length]!;
    const at = T0 + k * 3 * DAY + k * 61_013;
    return {
      id: String(40_000_000_000 + k * 7919),
      type,
      dealIds: [dealId],
      occurredAt: new Date(at).toISOString(),
      direction: type === 'email' || type === 'call' ? (k % 2 === 0 ? 'inbound' : 'outbound') : null,
      ownerId: k % 5 === 0 ? '81234567' : '81234568',
      contactIds: k % 9 === 0 ? ['1501', '1502'] : [String(1500 + (k % 3))],
      isReply: type === 'email' ? k % 3 === 0 : null,
      callOutcome: type === 'call' ? 'connected' : null,
      durationSeconds: type === 'call' ? 300 + k : null,
      meetingOutcome: type === 'meeting' ? 'completed' : null,
      dueAt: type === 'task' ? new Date(at + 7 * DAY).toISOString() : null,
      taskStatus: type === 'task' ? 'open' : null,
      bodyLength: 100 + k * 13,
    };
  });
}

const deal = (id: string): Deal => ({
  id,
  name: `Deal ${id}`,
  pipelineId: 'p',
  stageId: 's1',
  isClosed: false,
  isWon: false,
  amount: 1000,
  currency: 'USD',
  closeDate: '2026-12-31',
  createdAt: '2026-01-01T00:00:00.000Z',
  updatedAt: '2026-11-01T00:00:00.000Z',
  closedAt: null,
  ownerId: '81234567',
  accountId: null,
  nextStep: null,
  nextStepUpdatedAt: null,
  contacts: [],
  stageHistory: [],
  closeDateChanges: [],
  amountChanges: [],
  fields: {},
});

const page = (deals: Deal[], acts: Activity[]) => ({
  deals,
  activities: acts,
  contacts: [],
  accounts: [],
  deletedDealIds: [],
  quarantined: [],
  cursor: 'c',
});

describe('stored activity ledgers', () => {
  let redis: RedisEndpoint;
  let client: RedisClient;
  let store: TenantStateStore;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
    store = new TenantStateStore(client, `l${randomUUID().slice(0, 6)}`, 'acme');
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  it('take at most 40% of the array form and read back exactly, merged ones too', async () => {
    const acts = activities('d1');
    await store.sync.savePage(page([deal('d1')], acts));
    const arrayForm = JSON.stringify(acts.map(encodeActivity)).length;
    expect(await client.hstrlen(store.keys.activities, 'd1')).toBeLessThanOrEqual(arrayForm * 0.4);
    const byTime = (list: Activity[]) => [...list].sort((a, b) => a.occurredAt.localeCompare(b.occurredAt));
    expect((await store.deals.getDeal('d1'))?.activities).toEqual(byTime(acts));

    // A stray activity merged into the stored ledger (an engagement of an unchanged deal).
    const stray = { ...activities('d1')[4]!, id: '49999999999', occurredAt: '2026-07-15T10:00:00.123Z' };
    await store.sync.savePage(page([], [stray]));
    expect((await store.deals.getDeal('d1'))?.activities).toEqual(byTime([...acts, stray]));
  });

  it('ledgers stored before (arrays of entries) are still read and merged', async () => {
    const acts = activities('old');
    await store.sync.savePage(page([deal('old')], []));
    await client.hset(store.keys.activities, 'old', JSON.stringify(acts.map(encodeActivity)));
    expect((await store.deals.getDeal('old'))?.activities).toEqual(acts);
    const extra = { ...acts[0]!, id: '48888888888', occurredAt: '2026-12-01T00:00:00.000Z' };
    await store.sync.savePage(page([], [extra]));
    expect((await store.deals.getDeal('old'))?.activities).toEqual([...acts, extra]);
  });
});
