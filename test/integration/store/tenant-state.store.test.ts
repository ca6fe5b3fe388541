import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Activity, Deal, HealthResult } from '../../../src/domain/index.ts';
import { decodeActivity, encodeActivity, MAX_LEDGER_ACTIVITIES } from '../../../src/store/activity-ledger.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import type { AlertReservation } from '../../../src/store/alerts.store.ts';
import type { StoredPage } from '../../../src/store/sync-state.store.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';

const deal = (id: string, extra: Partial<Deal> = {}): Deal => ({
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
  ownerId: 'o1',
  accountId: 'a1',
  nextStep: null,
  nextStepUpdatedAt: null,
  contacts: [{ contactId: 'c1', role: null, isPrimary: true }],
  stageHistory: [],
  closeDateChanges: [],
  amountChanges: [],
  fields: {},
  ...extra,
});
const activity = (id: string, dealId: string, at: string, extra: Partial<Activity> = {}): Activity => ({
  id,
  type: 'email',
  dealIds: [dealId],
  occurredAt: at,
  direction: 'inbound',
  ownerId: 'o1',
  contactIds: ['c1'],
  isReply: true,
  callOutcome: null,
  durationSeconds: null,
  meetingOutcome: null,
  dueAt: null,
  taskStatus: null,
  bodyLength: 120,
  ...extra,
});
const page = (p: Partial<StoredPage>): StoredPage => ({
  deals: [],
  activities: [],
  contacts: [],
  accounts: [],
  deletedDealIds: [],
  quarantined: [],
  cursor: 'c',
  ...p,
});

describe('tenant state store', () => {
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

  it('round-trips activities through the compact ledger', () => {
    const a = activity('e1', 'd1', '2026-11-02T10:00:00.000Z', {
      type: 'meeting',
      meetingOutcome: 'no_show',
      dueAt: '2026-11-02T11:00:00.000Z',
      direction: null,
      isReply: null,
    });
    expect(decodeActivity(encodeActivity(a), 'd1')).toEqual(a);
  });

  it('stores a page with its cursor, replaces ledgers of paged deals and merges stray activities', async () => {
    await store.sync.savePage(
      page({
        deals: [deal('d1'), deal('d2')],
        activities: [
          activity('e1', 'd1', '2026-11-01T00:00:00.000Z'),
          activity('e2', 'd2', '2026-11-02T00:00:00.000Z'),
        ],
        contacts: [{ id: 'c1', name: 'Ann', email: null, title: 'VP Sales', accountId: 'a1' }],
        accounts: [{ id: 'a1', name: 'Acme', industry: 'Software', employees: 50, annualRevenue: null }],
        quarantined: [
          {
            objectType: 'deals',
            recordId: 'bad',
            reason: 'closedate: invalid date',
            raw: {},
            at: '2026-11-02T00:00:00.000Z',
          },
        ],
        cursor: 'cursor-1',
      }),
    );
    expect(await store.sync.getCursor()).toBe('cursor-1');
    // d1 pulled again with a different set; a stray activity for d2 (deal unchanged) is merged; one for an unknown deal is not kept.
    await store.sync.savePage(
      page({
        deals: [deal('d1', { name: 'Renamed' })],
        activities: [
          activity('e3', 'd1', '2026-11-03T00:00:00.000Z'),
          activity('e4', 'd2', '2026-11-04T00:00:00.000Z'),
          activity('e5', 'zz', '2026-11-04T00:00:00.000Z'),
        ],
        cursor: 'cursor-2',
      }),
    );
    const d1 = await store.deals.getDeal('d1');
    expect(d1?.deal.name).toBe('Renamed');
    expect(d1?.activities.map((a) => a.id)).toEqual(['e3']);
    expect(d1?.contacts[0]?.title).toBe('VP Sales');
    expect(d1?.account?.industry).toBe('Software');
    expect((await store.deals.getDeal('d2'))?.activities.map((a) => a.id)).toEqual(['e2', 'e4']);
    expect(await store.deals.getDeal('zz')).toBeNull();
    expect(await store.sync.quarantineCount()).toBe(1);
    expect((await store.sync.quarantined())[0]?.reason).toBe('closedate: invalid date');
    expect(await store.sync.getCursor()).toBe('cursor-2');
    // Issue 14 item 9: the same bad record read again (a resync, a lookback) is one bad record.
    const bad = {
      objectType: 'deals',
      recordId: 'bad',
      reason: 'closedate: invalid date',
      raw: {},
      at: '2026-11-05T00:00:00.000Z',
    };
    await store.sync.savePage(page({ quarantined: [bad], cursor: 'cursor-2' }));
    expect(await store.sync.quarantineCount()).toBe(1);
    await store.sync.savePage(page({ quarantined: [{ ...bad, recordId: 'bad-2' }], cursor: 'cursor-2' }));
    expect(await store.sync.quarantineCount()).toBe(2);

    await store.sync.savePage(page({ deletedDealIds: ['d2'], cursor: 'cursor-3' }));
    expect(await store.deals.getDeal('d2')).toBeNull();
    expect(await store.deals.dealCount()).toBe(1);
  });

  it('keeps only the latest activities per deal', async () => {
    const many = Array.from({ length: MAX_LEDGER_ACTIVITIES + 20 }, (_, i) =>
      activity(`m${i}`, 'd9', new Date(Date.UTC(2026, 0, 1) + i * 3_600_000).toISOString()),
    );
    await store.sync.savePage(page({ deals: [deal('d9')], activities: many }));
    const stored = await store.deals.getDeal('d9');
    expect(stored?.activities).toHaveLength(MAX_LEDGER_ACTIVITIES);
    expect(stored?.activities[0]?.id).toBe('m20');
  });

  it('finds the score of about a week ago for the trend', async () => {
    const result = (asOf: string, score: number) =>
      ({
        dealId: 'd1',
        asOf,
        score,
        band: 'watch',
        winProbability: null,
        confidence: 1,
        indicators: [],
        reasons: [],
        trend: null,
        modelVersion: 'prior-v1',
      }) as HealthResult;
    await store.results.saveResults([result('2026-11-01T02:00:00.000Z', 40)]);
    await store.results.saveResults([result('2026-11-05T02:00:00.000Z', 50)]);
    await store.results.saveResults([result('2026-11-09T02:00:00.000Z', 60)]);
    const asOf = Date.parse('2026-11-09T02:00:00.000Z');
    expect((await store.results.previousScores(['d1'], asOf)).get('d1')).toEqual({ score: 40 });
    expect(
      (await store.results.previousScores(['d1'], Date.parse('2026-11-03T00:00:00.000Z'))).has('d1'),
    ).toBe(false);
    expect((await store.results.getResult('d1'))?.score).toBe(60);
  });

  it('holds one cycle lock per tenant, released only by its holder', async () => {
    expect((await store.runs.acquireCycleLock('run-a', 60_000)).acquired).toBe(true);
    expect(await store.runs.acquireCycleLock('run-b', 60_000)).toEqual({ acquired: false, holder: 'run-a' });
    expect(await store.runs.releaseCycleLock('run-b')).toBe(false);
    expect(await store.runs.releaseCycleLock('run-a')).toBe(true);
    expect((await store.runs.acquireCycleLock('run-b', 60_000)).acquired).toBe(true);
    await store.runs.releaseCycleLock('run-b');
  });

  it('frees the cycle lock in the same step that records its run', async () => {
    // A cycle started as soon as a run is seen in the history must start anew: it never finds the
    // finished run still holding the lock (and joins it), nor a lock freed between its two reads.
    expect((await store.runs.acquireCycleLock('run-c', 60_000)).acquired).toBe(true);
    await store.runs.recordRun({ runId: 'run-c', status: 'completed' });
    expect((await store.runs.acquireCycleLock('run-d', 60_000)).acquired).toBe(true);
    // Recording another run leaves the holder's lock alone; recording run-c again changes nothing.
    await store.runs.recordRun({ runId: 'run-c', status: 'completed' });
    expect(await store.runs.acquireCycleLock('run-e', 60_000)).toEqual({ acquired: false, holder: 'run-d' });
    await store.runs.releaseCycleLock('run-d');
  });

  it('reserves an alert once per episode and counts raised alerts (not attempts) per owner and day', async () => {
    const alerts = store.alerts;
    const key = 'acme:d1:buyer_silent';
    const first = (await alerts.reserve(key, `${key}@e1`)) as AlertReservation;
    expect(first.episodeKey).toBe(`${key}@e1`);
    expect(await alerts.reserve(key, `${key}@e2`)).toBe('open');
    await alerts.confirm(key, first, 'task-1');
    expect((await store.alerts.openAlerts()).get(key)).toBe('task-1');
    // Attempts (a retry confirming the same episode again) count once.
    await alerts.countRaised('2026-11-27', 'o1', `${key}@e1`);
    await alerts.countRaised('2026-11-27', 'o1', `${key}@e1`);
    expect(await alerts.raisedOn('2026-11-27', 'o1')).toBe(1);
    await alerts.countRaised('2026-11-27', 'o1', 'acme:d2:buyer_silent@e1');
    expect(await alerts.raisedOn('2026-11-27', 'o1')).toBe(2);
    expect(await alerts.raisedOn('2026-11-28', 'o1')).toBe(0);
    // The condition clears: the next reservation is a new episode.
    await alerts.release(key, (await alerts.open()).get(key)!.raw);
    expect(await alerts.reserve(key, `${key}@e2`)).toMatchObject({ episodeKey: `${key}@e2` });
  });

  it('purges every key of the tenant and nothing else', async () => {
    const other = new TenantStateStore(client, store.keys.cursor.split(':')[0]!, 'other');
    await other.sync.setCursor('keep');
    expect(await store.purge()).toBeGreaterThan(3);
    expect(await store.sync.getCursor()).toBeNull();
    expect(await other.sync.getCursor()).toBe('keep');
  });
});
