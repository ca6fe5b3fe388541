import { randomUUID } from 'node:crypto';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CORE_INDICATOR_KEYS, type HealthResult } from '../../../src/domain/index.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';

/**
 * Issue 19: RedisClient held about 4.8 KB per deal (target 2 KB); a stored result was about 2.1 KB, over
 * half of it JSON key names and the same indicator keys and labels. It is stored positionally with
 * a per-tenant legend of (key, label) now, and reads back exactly as saved.
 */
const result = (dealId: string): HealthResult => ({
  dealId,
  asOf: '2026-12-01T00:00:00.000Z',
  score: 55.9,
  band: 'watch',
  winProbability: null,
  confidence: 0.805,
  indicators: CORE_INDICATOR_KEYS.map((key, i) => ({
    key,
    label: `Label of ${key.replaceAll('_', ' ')}`,
    value: i % 3 === 0 ? null : i * 1.5,
    subScore: 1 / (i + 3),
    confidence: 0.9,
    evidence: `Evidence ${i}: buyer last replied ${i + 2} days ago, usually every 10 days`,
  })),
  contributions: CORE_INDICATOR_KEYS.map((_, i) => (i - 5) / 7),
  reasons: [
    'Evidence 3: buyer last replied 5 days ago, usually every 10 days',
    'not an indicator',
    'Evidence 7: buyer last replied 9 days ago, usually every 10 days',
  ],
  trend: 'declining',
  modelVersion: 'prior-v1',
});

describe('stored results', () => {
  let redis: RedisEndpoint;
  let client: RedisClient;
  let store: TenantStateStore;
  const prefix = `z${randomUUID().slice(0, 6)}`;

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    client = redis.createClient();
    store = new TenantStateStore(client, prefix, 'acme');
  });
  afterAll(async () => {
    client.disconnect();
    await redis.close();
  });

  it('take at most half their JSON size and read back exactly as saved, by every read', async () => {
    // d1 carries what would raise it (issue 18); d2 has no contributions and no reasons.
    const withActions: HealthResult = {
      ...result('d1'),
      actions: [
        { key: 'buyer_reply', lift: 18.4 },
        { key: 'fresh_next_step', lift: 0.5 },
      ],
    };
    const saved = [withActions, { ...result('d2'), contributions: undefined, reasons: [] }];
    delete (saved[1] as { contributions?: unknown }).contributions;
    await store.results.saveResults(saved);
    await store.results.saveScoredChunk([result('d3')], 'run-1', []);
    const json = JSON.stringify(withActions).length;
    expect(await client.hstrlen(store.keys.results, 'd1')).toBeLessThanOrEqual(json * 0.5);
    expect(await store.results.getResult('d1')).toEqual(saved[0]);
    expect(await store.results.getResult('d2')).toEqual(saved[1]);
    expect((await store.results.getResults(['d1', 'd2', 'd3'])).get('d3')).toEqual(result('d3'));
    const all: HealthResult[] = [];
    for await (const chunk of store.results.iterateResults()) all.push(...chunk);
    expect(all.sort((a, b) => a.dealId.localeCompare(b.dealId))).toEqual([saved[0], saved[1], result('d3')]);
    // Another worker (its own store, nothing cached) reads them the same.
    expect(await new TenantStateStore(client, prefix, 'acme').results.getResult('d1')).toEqual(saved[0]);
  });

  it('results stored before (JSON objects) are still read', async () => {
    await client.hset(store.keys.results, 'old', JSON.stringify(result('old')));
    expect(await store.results.getResult('old')).toEqual(result('old'));
  });
});
