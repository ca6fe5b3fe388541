import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { decodeHistory, scoreAsOf } from '../../../src/store/score-history.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';
import { scoredResult } from '../../support/scored-result.ts';

/**
 * The trend compares a deal with its score of about 7 days ago (docs/SCORING.md), and live accuracy
 * reads the score of about 30 days before a close. The score step runs every cycle: on the
 * documented 15-minute incremental schedule a "last 60 scores" history covered 15 hours, so no
 * week-old score was ever found and every trend stayed empty.
 */
const MIN = 60_000;
const DAY = 86_400_000;
const START = Date.UTC(2026, 9, 1);

describe('score history on a 15-minute schedule', () => {
  let redis: RedisEndpoint;
  let client: RedisClient;
  let store: TenantStateStore;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
    store = new TenantStateStore(client, `h${randomUUID().slice(0, 6)}`, 'acme');
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  it('finds the score of a week ago after 40 days of cycles every 15 minutes, and stays small', async () => {
    // The score is the day number, so the day a found score comes from is known.
    const last = START + 40 * DAY;
    for (let at = START; at <= last; at += 15 * MIN) {
      await store.results.saveScoredChunk(
        [scoredResult('d1', at, Math.floor((at - START) / DAY))],
        'run',
        [],
      );
    }
    const week = await store.results.previousScores(['d1'], last);
    // A score 6.5 to 8 days old (the latest kept at least 6.5 days before day 40): day 32 or 33.
    const found = week.get('d1')?.score;
    expect(found).toBeGreaterThanOrEqual(32);
    expect(found).toBeLessThanOrEqual(33);
    // Live accuracy's look-up, 30 days before: a score 30 to 37 days old is kept.
    const entries = decodeHistory(await client.hget(store.keys.history, 'd1'));
    const month = scoreAsOf(entries, last - 30 * DAY);
    expect(month?.score).toBeGreaterThanOrEqual(3);
    expect(month?.score).toBeLessThanOrEqual(10);
    // Bounded whatever the schedule: the latest of each of 8 days, then of each week, 70 days back.
    expect(await client.hstrlen(store.keys.history, 'd1')).toBeLessThan(400);
  });

  it('reads histories stored before the thinning ([epoch ms, score] entries)', async () => {
    const at = START - 7 * DAY;
    await client.hset(
      store.keys.history,
      'old',
      JSON.stringify([
        [at, 61.5],
        [START, 40],
      ]),
    );
    expect((await store.results.previousScores(['old'], START)).get('old')).toEqual({ score: 61.5 });
  });
});
