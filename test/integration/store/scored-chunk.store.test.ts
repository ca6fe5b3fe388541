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

  it('keeps results, history and the run candidates together, and keeps them across chunks for the alert step, once per run', async () => {
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
    // Nothing is kept for the alert step until the score step keeps the run's candidates.
    expect(await store.alerts.keptCandidates('run-1')).toBeNull();
    expect(await store.alerts.keepRunCandidates('run-1')).toBe(3);
    expect(await store.alerts.keptCandidates('run-1')).toEqual([
      { dealId: 'd1' },
      { dealId: 'd3' },
      { dealId: 'd3b' },
    ]);
    // A rerun of the same score step keeps what the first attempt kept (its own pushes are dropped).
    await store.results.saveScoredChunk([result('d4', asOf, 20)], 'run-1', [{ dealId: 'd4' }]);
    expect(await store.alerts.keepRunCandidates('run-1')).toBe(3);
    expect(await client.exists(store.keys.runCandidates('run-1'))).toBe(0);
    // The next run's candidates replace them; none is an empty list, not a missing one.
    expect(await store.alerts.keepRunCandidates('run-2')).toBe(0);
    expect(await store.alerts.keptCandidates('run-2')).toEqual([]);
    expect(await store.alerts.keptCandidates('run-1')).toBeNull();
    // Recording another run leaves them; recording their own run drops them.
    await store.runs.recordRun({ runId: 'run-1' });
    expect(await store.alerts.keptCandidates('run-2')).toEqual([]);
    await store.runs.recordRun({ runId: 'run-2' });
    expect(await client.exists(store.keys.alertCandidateList)).toBe(0);
  });
});
