import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';
import { scoredResult } from '../../support/scored-result.ts';

/**
 * Live accuracy (issue 18 item 5) judges the score a deal had 30 days before it closed. When a
 * scored deal closes, its outcome is recorded against that score, once, and its result and history
 * go (a rerun of the step after a crash records nothing twice).
 */
const DAY = 86_400_000;
const T0 = Date.UTC(2026, 8, 1);

/** A result of the fitted model 'fit-a' (score = 100 x win probability). */
const fitted = (dealId: string, at: number, score: number) =>
  scoredResult(dealId, at, score, { modelVersion: 'fit-a', winProbability: score / 100 });

describe('live outcomes', () => {
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

  it('records a closing deal against its score 30 days before, once, and drops its result and history', async () => {
    // Daily scores for 60 days: the score is the day number; the prior-weight score is 100 minus it.
    for (let day = 0; day <= 60; day++) {
      const at = T0 + day * DAY + 3_600_000;
      await store.results.saveScoredChunk(
        [fitted('won-1', at, day)],
        `run-${day}`,
        [],
        new Map([['won-1', 100 - day]]),
      );
    }
    await store.results.saveScoredChunk([fitted('young', T0 + 55 * DAY, 70)], 'run-y', []);
    const closedAt = T0 + 61 * DAY;
    const versionAt = (t: number) => (t < T0 + 20 * DAY ? 'fit-old' : 'fit-a');
    const closing = [
      { dealId: 'won-1', closedAt, won: true },
      { dealId: 'young', closedAt, won: false },
      { dealId: 'never-scored', closedAt, won: false },
    ];
    const first = await store.liveOutcomes.closeDeals(closing, 30 * DAY, versionAt);
    // Two results removed; one outcome: 'young' has no score from 30 days before its close.
    expect(first).toEqual({ removed: 2, recorded: 1 });
    const [outcome] = await store.liveOutcomes.list();
    // The latest kept score at or before day 31 (the history keeps weekly scores that far back).
    expect(outcome!.score).toBeGreaterThanOrEqual(24);
    expect(outcome!.score).toBeLessThanOrEqual(31);
    expect(outcome).toMatchObject({ dealId: 'won-1', closedAt, won: true, modelVersion: 'fit-a' });
    expect(outcome!.priorScore).toBe(100 - outcome!.score);
    expect(outcome!.scoredAt).toBeLessThanOrEqual(closedAt - 30 * DAY);
    expect(await client.hexists(store.keys.results, 'won-1')).toBe(0);
    expect(await client.hexists(store.keys.history, 'won-1')).toBe(0);
    // The same step again (a rerun after a crash): nothing removed, nothing recorded twice.
    expect(await store.liveOutcomes.closeDeals(closing, 30 * DAY, versionAt)).toEqual({
      removed: 0,
      recorded: 0,
    });
    expect(await store.liveOutcomes.list()).toHaveLength(1);
  });
});
