import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { RedisRateBudget } from '../../../src/store/redis-rate-budget.ts';

describe('the Redis rate budget of a CRM account', () => {
  let redis: RedisEndpoint;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('lets `max` starts into a rolling window, whoever asks, and says how long the next one waits', async () => {
    const a = redis.createClient();
    const b = redis.createClient();
    try {
      // Two budgets on two connections stand for two processes.
      const windows = [{ name: 'burst', max: 3, windowMs: 60_000 }];
      const one = new RedisRateBudget(a, 'rb1');
      const two = new RedisRateBudget(b, 'rb1');
      const results = await Promise.all([
        one.reserve('hubspot:1', windows),
        two.reserve('hubspot:1', windows),
        one.reserve('hubspot:1', windows),
        two.reserve('hubspot:1', windows),
      ]);
      const granted = results.filter((r) => r.waitMs === 0);
      expect(granted).toHaveLength(3);
      const refused = results.find((r) => r.waitMs > 0)!;
      expect(refused.waitMs).toBeGreaterThan(50_000);
      expect(refused.waitMs).toBeLessThanOrEqual(60_000);
      // Another account has its own budget.
      expect((await two.reserve('hubspot:2', windows)).waitMs).toBe(0);
    } finally {
      a.disconnect();
      b.disconnect();
    }
  });

  it('reserves in every window or in none', async () => {
    const c = redis.createClient();
    try {
      const budget = new RedisRateBudget(c, 'rb2');
      const burst = { name: 'burst', max: 10, windowMs: 60_000 };
      const search = { name: 'search', max: 1, windowMs: 60_000 };
      expect((await budget.reserve('acct', [burst, search])).waitMs).toBe(0);
      expect((await budget.reserve('acct', [burst, search])).waitMs).toBeGreaterThan(0);
      // The refused search took nothing from the burst window: 9 plain starts remain.
      let plain = 0;
      while ((await budget.reserve('acct', [burst])).waitMs === 0) plain += 1;
      expect(plain).toBe(9);
    } finally {
      c.disconnect();
    }
  });
});
