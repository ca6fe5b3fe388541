import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HealthResult } from '../../../src/domain/index.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';

/**
 * The score step now saves chunk by chunk (issue 19: bounded memory). A chunk's results, score
 * history and the alert candidates they raised are saved together, so a rerun after a crash can
 * tell which deals this run already scored and still hand the alert step every candidate.
 */
const result = (dealId: string, asOf: string, score: number): HealthResult =>
  ({ dealId, asOf, score, band: 'watch' }) as unknown as HealthResult;

describe('saving a scored chunk', () => {
  let redis: RedisEndpoint;
  let client: RedisClient;
  let store: TenantStateStore;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
    store = new TenantStateStore(client, `c${randomUUID().slice(0, 6)}`, 'acme');
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  it('keeps results, history and the run candidates together, and gathers them across chunks', async () => {
    const asOf = '2026-12-01T00:00:00.000Z';
    await store.results.saveScoredChunk([result('d1', asOf, 40), result('d2', asOf, 70)], 'run-1', [
      { dealId: 'd1' },
    ]);
    await store.results.saveScoredChunk([result('d3', asOf, 20)], 'run-1', [
      { dealId: 'd3' },
      { dealId: 'd3b' },
    ]);
    expect((await store.results.getResult('d2'))?.score).toBe(70);
    const week = Date.parse(asOf) + 7 * 86_400_000;
    expect((await store.results.previousScores(['d1', 'd3'], week)).get('d3')).toEqual({ score: 20 });
    expect(await store.alerts.runCandidates('run-1')).toEqual([
      { dealId: 'd1' },
      { dealId: 'd3' },
      { dealId: 'd3b' },
    ]);
    expect(await store.alerts.runCandidates('run-2')).toEqual([]);
    await store.alerts.dropRunCandidates('run-1');
    expect(await store.alerts.runCandidates('run-1')).toEqual([]);
  });
});
