import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Activity, Deal, HealthResult } from '../../../src/domain/index.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import type { AlertReservation } from '../../../src/store/alerts.store.ts';
import type { StoredPage } from '../../../src/store/sync-state.store.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';
import { type HoldingLink, occurrences, startHoldingLink } from '../../support/holding-link.ts';
import { until } from '../../support/until.ts';

/**
 * Two workers on one tenant's state at once (issue 19): a step delayed past its cycle lock, or a
 * stalled step taken over, runs alongside another. Each test interleaves them deterministically:
 * writer A reaches Redis through a holding link that holds the answer to its read (the server has
 * read, A has not heard back), writer B does its whole read-then-write meanwhile, then A goes on
 * with what it read. A read-then-write that is not atomic loses B's update.
 */
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
  ownerId: 'o1',
  accountId: null,
  nextStep: null,
  nextStepUpdatedAt: null,
  contacts: [],
  stageHistory: [],
  closeDateChanges: [],
  amountChanges: [],
  fields: {},
});
const activity = (id: string, dealId: string, at: string): Activity => ({
  id,
  type: 'email',
  dealIds: [dealId],
  occurredAt: at,
  direction: 'inbound',
  ownerId: 'o1',
  contactIds: [],
  isReply: true,
  callOutcome: null,
  durationSeconds: null,
  meetingOutcome: null,
  dueAt: null,
  taskStatus: null,
  bodyLength: 10,
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
const result = (dealId: string, asOf: string, score: number): HealthResult =>
  ({ dealId, asOf, score, band: 'watch' }) as unknown as HealthResult;

describe('two writers on one tenant', () => {
  let redis: RedisEndpoint;
  let direct: RedisClient;
  let link: HoldingLink | undefined;
  let linked: Redis | undefined;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    direct = redis.createClient();
  });
  afterEach(async () => {
    linked?.disconnect();
    await link?.close();
    linked = undefined;
    link = undefined;
  });
  afterAll(async () => {
    direct.disconnect();
    await redis.close();
  });

  /** Store A (through a link that holds the answer to its first HMGET of `key`) and store B, direct. */
  async function writers(keyOf: (s: TenantStateStore) => string) {
    const prefix = `w${randomUUID().slice(0, 6)}`;
    const b = new TenantStateStore(direct, prefix, 'acme');
    link = await startHoldingLink(redis.url);
    const key = keyOf(b);
    link.holdAnswersAfter((sent) => (sent.toLowerCase().includes('hmget') ? occurrences(sent, key) : 0));
    linked = new Redis(link.url, { maxRetriesPerRequest: null });
    const a = new TenantStateStore(linked, prefix, 'acme');
    return { a, b };
  }

  /** Start A, let B run its whole operation while A's read is held, then let A go on. */
  async function interleave(first: () => Promise<unknown>, second: () => Promise<unknown>) {
    const held = link!;
    const running = first();
    await until(() => held.holding(), "writer A's read");
    await second();
    held.release();
    await running;
  }

  it('keeps both activities when two syncs merge stray activities into one deal ledger', async () => {
    const { a, b } = await writers((s) => s.keys.activities);
    await b.sync.savePage(page({ deals: [deal('d1')] }));
    await interleave(
      () => a.sync.savePage(page({ activities: [activity('a1', 'd1', '2026-11-02T10:00:00.000Z')] })),
      () => b.sync.savePage(page({ activities: [activity('b1', 'd1', '2026-11-03T10:00:00.000Z')] })),
    );
    const ids = (await b.deals.getDeal('d1'))?.activities.map((x) => x.id);
    expect(ids).toEqual(['a1', 'b1']);
  });

  it('leaves no ledger behind for a deal another sync deleted while the activity was merged', async () => {
    // Held after A read both the ledger and that the deal is stored.
    const { a, b } = await writers((s) => s.keys.deals);
    await b.sync.savePage(page({ deals: [deal('d1')] }));
    await interleave(
      () => a.sync.savePage(page({ activities: [activity('a1', 'd1', '2026-11-02T10:00:00.000Z')] })),
      () => b.sync.savePage(page({ deletedDealIds: ['d1'] })),
    );
    expect(await b.deals.getDeal('d1')).toBeNull();
    expect(await direct.hexists(b.keys.activities, 'd1')).toBe(0);
  });

  it('keeps both fields when two write-backs record written values of one deal', async () => {
    const { a, b } = await writers((s) => s.keys.written);
    await b.written.markWritten(new Map([['d1', { score: 40 }]]));
    await interleave(
      () => a.written.markWritten(new Map([['d1', { band: 'watch' }]])),
      () => b.written.markWritten(new Map([['d1', { score: 55 }]])),
    );
    expect((await b.written.getWritten(['d1'])).get('d1')).toEqual({ score: 55, band: 'watch' });
  });

  it("does not clear a successor's write intent when a worker that lost its step records or clears its own", async () => {
    const store = new TenantStateStore(direct, `w${randomUUID().slice(0, 6)}`, 'acme');
    // Worker A sent score 40 for d1 and d2, lost its step meanwhile; its successor B stored its own
    // intents (score 41) before sending them.
    await store.written.saveWriteIntents(
      new Map([
        ['d1', { score: 41 }],
        ['d2', { score: 41 }],
      ]),
    );
    // A hears back: d1 was written, d2 failed.
    await store.written.markWritten(new Map([['d1', { score: 40 }]]));
    await store.written.clearWriteIntents(new Map([['d2', { score: 40 }]]));
    // B's intents stay until B (or B's successor's recovery) settles them.
    expect(await store.written.getWriteIntents()).toEqual(
      new Map([
        ['d1', { score: 41 }],
        ['d2', { score: 41 }],
      ]),
    );
    // B's own outcome clears them.
    await store.written.markWritten(new Map([['d1', { score: 41 }]]));
    await store.written.clearWriteIntents(new Map([['d2', { score: 41 }]]));
    expect(await store.written.getWriteIntents()).toEqual(new Map());
  });

  it('keeps both points when two score steps append to one deal history', async () => {
    const { a, b } = await writers((s) => s.keys.history);
    await interleave(
      () => a.results.saveScoredChunk([result('d1', '2026-11-01T00:00:00.000Z', 40)], 'run-a', []),
      () => b.results.saveScoredChunk([result('d1', '2026-11-09T00:00:00.000Z', 60)], 'run-b', []),
    );
    const later = Date.parse('2026-11-09T00:00:00.000Z');
    // The week-old point (run A's) is still there for the trend.
    expect((await b.results.previousScores(['d1'], later)).get('d1')).toEqual({ score: 40 });
    const history = JSON.parse((await direct.hget(b.keys.history, 'd1')) ?? '[]') as unknown[];
    expect(history).toHaveLength(2);
  });
});

describe('alert reservations under a second writer', () => {
  let redis: RedisEndpoint;
  let client: RedisClient;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  it('does not reopen the alert of a deal a sync deleted while its task was being created', async () => {
    const store = new TenantStateStore(client, `r${randomUUID().slice(0, 6)}`, 'acme');
    await store.sync.savePage(page({ deals: [deal('d1')] }));
    const alerts = store.alerts;
    const key = 'acme:d1:buyer_silent';
    const reserved = (await alerts.reserve(key, `${key}@e1`)) as AlertReservation;
    // Meanwhile another worker's sync sees the deal deleted: the deal leaves with its open alerts.
    const saved = await store.sync.savePage(page({ deletedDealIds: ['d1'] }));
    expect(saved.alertsClosed).toBe(1);
    await alerts.confirm(key, reserved, 'task-1');
    expect(await store.alerts.openAlerts()).toEqual(new Map());
  });

  it('lets two alert steps of one tenant at once raise at most the daily cap for an owner', async () => {
    const store = new TenantStateStore(client, `r${randomUUID().slice(0, 6)}`, 'acme');
    const alerts = store.alerts;
    const cap = { day: '2026-11-27', ownerId: 'o1', limit: 1 };
    // Both steps find nothing raised for the owner today ...
    expect(await alerts.raisedOn(cap.day, cap.ownerId)).toBe(0);
    // ... and each reserves a different deal of that owner: the cap is checked with the reservation.
    const a = await alerts.reserve('acme:d1:buyer_silent', 'acme:d1:buyer_silent@e1', cap);
    const b = await alerts.reserve('acme:d2:buyer_silent', 'acme:d2:buyer_silent@e1', cap);
    expect(a).toMatchObject({ episodeKey: 'acme:d1:buyer_silent@e1' });
    expect(b).toBe('capped');
    expect(await alerts.raisedOn(cap.day, cap.ownerId)).toBe(1);
    // A reservation whose task can never be created gives its place back.
    if (typeof a !== 'object') throw new Error('not reserved');
    expect(await alerts.release('acme:d1:buyer_silent', a.raw, cap)).toBe(true);
    expect(await alerts.raisedOn(cap.day, cap.ownerId)).toBe(0);
    expect(await alerts.reserve('acme:d2:buyer_silent', 'acme:d2:buyer_silent@e1', cap)).toMatchObject({
      episodeKey: 'acme:d2:buyer_silent@e1',
    });
    expect(await alerts.reserve('acme:d2:buyer_silent', 'acme:d2:buyer_silent@e2', cap)).toBe('open');
  });

  it('does not end a newer episode that another run started after this one read the open alerts', async () => {
    const store = new TenantStateStore(client, `r${randomUUID().slice(0, 6)}`, 'acme');
    const alerts = store.alerts;
    const key = 'acme:d1:buyer_silent';
    const first = (await alerts.reserve(key, `${key}@e1`)) as AlertReservation;
    await alerts.confirm(key, first, 'task-1');
    // Run A reads the open alerts (episode 1, confirmed) ...
    const seen = (await alerts.open()).get(key)!;
    // ... run B ends episode 1 and starts episode 2 ...
    await alerts.release(key, seen.raw);
    const second = await alerts.reserve(key, `${key}@e2`);
    expect(second).toMatchObject({ episodeKey: `${key}@e2` });
    // ... and run A, its condition cleared, ends what it read: episode 1, not B's episode 2.
    expect(await alerts.release(key, seen.raw)).toBe(false);
    expect((await alerts.open()).get(key)?.episodeKey).toBe(`${key}@e2`);
  });
});

describe('run records under a second attempt', () => {
  let redis: RedisEndpoint;
  let client: RedisClient;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  it('records a run once when its finalize runs again after recording it (a crash before the job completed)', async () => {
    const store = new TenantStateStore(client, `r${randomUUID().slice(0, 6)}`, 'acme');
    await store.runs.recordStep('run-1', 'sync', { deals: 3 });
    // Attempt 1 reads the steps and records the run (which drops the steps) ...
    await store.runs.recordRun({
      runId: 'run-1',
      status: 'completed',
      steps: await store.runs.runSteps('run-1'),
    });
    // ... and attempt 2, after the crash, reads the steps (gone) and records the run again.
    await store.runs.recordRun({
      runId: 'run-1',
      status: 'completed',
      steps: await store.runs.runSteps('run-1'),
    });
    const runs = await store.runs.recent();
    expect(runs).toHaveLength(1);
    expect(runs[0]?.steps).toEqual({ sync: { deals: 3 } });
  });

  it('keeps no step summary that a stalled worker records after its run was recorded', async () => {
    const store = new TenantStateStore(client, `r${randomUUID().slice(0, 6)}`, 'acme');
    await store.runs.recordStep('run-1', 'alert', { raised: 1 });
    await store.runs.recordRun({
      runId: 'run-1',
      status: 'completed',
      steps: await store.runs.runSteps('run-1'),
    });
    // The worker that lost the alert step finishes late and records its summary.
    await store.runs.recordStep('run-1', 'alert', { raised: 0 });
    expect(await client.exists(store.keys.runSteps('run-1'))).toBe(0);
    expect((await store.runs.recent())[0]?.steps).toEqual({ alert: { raised: 1 } });
  });
});
