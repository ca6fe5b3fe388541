import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CredentialCipher } from '../../../src/store/credential-cipher.ts';
import { AuditLogStore } from '../../../src/store/audit-log.store.ts';
import { IdempotencyStore } from '../../../src/store/idempotency.store.ts';
import { masterNodes, type RedisClient } from '../../../src/store/redis-client.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { RedisRateBudget } from '../../../src/store/redis-rate-budget.ts';
import { RunCountersStore } from '../../../src/store/run-counters.store.ts';
import { TenantRegistryStore } from '../../../src/store/tenant-registry.store.ts';
import { TenantStateStore } from '../../../src/store/tenant-state.store.ts';
import { hubspotTenant } from '../pipeline/harness.ts';
import { onCluster, startTestRedis } from '../../support/test-redis.ts';

/** Every key under `pattern` on every master (a cluster's SCAN reaches one node only). */
async function keysEverywhere(client: RedisClient, pattern: string): Promise<string[]> {
  const found: string[] = [];
  for (const node of await masterNodes(client)) found.push(...(await node.keys(pattern)));
  return found.sort();
}

/**
 * The store paths outside the tenant's cycle (admin side: run counters, tenant purge, registry,
 * audit log, idempotency; the shared rate budget) on the Redis under test. In the `cluster` test
 * project this is a 3-master Redis Cluster, where a MULTI or script over keys of two hash slots is
 * refused with CROSSSLOT and SCAN sees one node's keys
 * (https://redis.io/docs/latest/operate/oss_and_stack/reference/cluster-spec/#multiple-keys-operations).
 */
describe(`store paths outside the cycle (${onCluster ? 'Redis Cluster' : 'one redis-server'})`, () => {
  let redis: RedisEndpoint;
  let client: RedisClient;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = redis.createClient();
  });
  afterAll(async () => {
    client?.disconnect();
    await redis?.close();
  });

  it('counts finished runs once each (run counters: one MULTI per run)', async () => {
    const counters = new RunCountersStore(client, `c${randomUUID().slice(0, 8)}`);
    const runs = [
      { runId: 'acme.r2', status: 'completed', finishedAt: '2026-11-21T02:01:00.000Z', apiCalls: 8 },
      {
        runId: 'acme.r1',
        status: 'failed',
        finishedAt: '2026-11-20T02:01:00.000Z',
        apiCalls: 12,
        rateLimited: 3,
      },
    ];
    await counters.absorb('acme', runs, () => 20);
    await counters.absorb('acme', runs, () => 20); // a second scrape counts nothing again
    const read = await counters.read('acme');
    expect(read.runs).toEqual({ completed: 1, failed: 1 });
    expect(read.apiCalls).toBe(20);
    expect(read.rateLimited).toBe(3);
    expect(read.duration).toMatchObject({ sum: 40, count: 2 });
    expect(read.duration.buckets).toMatchObject({ '30': 2, '3600': 2 });
  });

  // Keys written before the hash tag exist on one server only (the old code could not run on a cluster).
  it.skipIf(onCluster)(
    'adopts run counters kept under the untagged keys, counting no run twice',
    async () => {
      const prefix = `c${randomUUID().slice(0, 8)}`;
      const old = `${prefix}:admin:metrics:acme`;
      // r0 (aged out of the runs list since) and r1 were counted under the old keys.
      await client.zadd(`${old}:seen`, 1, 'acme.r0', 2, 'acme.r1');
      await client.hset(`${old}:counters`, 'runs:completed', 2, 'api_calls', 10);
      const counters = new RunCountersStore(client, prefix);
      const runs = [
        { runId: 'acme.r2', status: 'completed', finishedAt: '2026-11-21T02:01:00.000Z', apiCalls: 8 },
        { runId: 'acme.r1', status: 'completed', finishedAt: '2026-11-20T02:01:00.000Z', apiCalls: 5 },
      ];
      await counters.absorb('acme', runs, () => 1);
      expect((await counters.read('acme')).runs).toEqual({ completed: 3 });
      expect((await counters.read('acme')).apiCalls).toBe(18);
    },
  );

  it("purges every key of a tenant, wherever it lives, and no other tenant's", async () => {
    const prefix = `p${randomUUID().slice(0, 8)}`;
    // Enough tenants that a cluster spreads them over its masters.
    const ids = Array.from({ length: 12 }, (_, i) => `tenant-${i}`);
    for (const id of ids) {
      const store = new TenantStateStore(client, prefix, id);
      await store.runs.recordRun({
        runId: `${id}.r1`,
        status: 'completed',
        finishedAt: '2026-11-21T02:00:00.000Z',
      });
      await store.runs.acquireCycleLock(`${id}.r2`, 60_000);
      await store.sync.setCursor('page-2');
    }
    // The first command of a new client: a cluster client must learn its masters before it scans them.
    const fresh = redis.createClient();
    try {
      expect(await new TenantStateStore(fresh, prefix, ids[0]!).purge()).toBeGreaterThan(0);
    } finally {
      fresh.disconnect();
    }
    expect(await keysEverywhere(client, `${prefix}:{t:${ids[0]}}:*`)).toEqual([]);
    for (const id of ids.slice(1)) {
      const store = new TenantStateStore(client, prefix, id);
      expect(await keysEverywhere(client, `${prefix}:{t:${id}}:*`)).not.toEqual([]);
      expect(await store.purge()).toBeGreaterThan(0);
      expect(await keysEverywhere(client, `${prefix}:{t:${id}}:*`)).toEqual([]);
      expect(await store.runs.recent()).toEqual([]);
    }
    expect(await keysEverywhere(client, `${prefix}:*`)).toEqual([]);
  });

  it('keeps the tenant registry, its paused set, the audit log and idempotency keys', async () => {
    const prefix = `r${randomUUID().slice(0, 8)}`;
    const registry = new TenantRegistryStore({
      redis: client,
      prefix,
      cipher: new CredentialCipher(randomBytes(32).toString('hex')),
    });
    const sandbox = { baseUrl: 'http://127.0.0.1:9', accessToken: 'pat-na1-secret' };
    await registry.put(hubspotTenant('acme', sandbox));
    await registry.put(hubspotTenant('globex', sandbox));
    await registry.setPaused('globex', true);
    expect((await registry.list()).map((t) => t.id)).toEqual(['acme', 'globex']);
    expect([...(await registry.pausedIds())]).toEqual(['globex']);
    expect(await registry.delete('acme')).toBe(true);

    const audit = new AuditLogStore(client, prefix);
    for (let i = 0; i < 3; i += 1) {
      await audit.record({
        at: `t${i}`,
        token: 'ops',
        action: 'PATCH',
        target: 'acme',
        status: 200,
        client: 'c',
      });
    }
    expect((await audit.list()).map((e) => e.at)).toEqual(['t2', 't1', 't0']);

    const idempotency = new IdempotencyStore(client, prefix);
    expect(await idempotency.claim('acme', 'k1')).toEqual({ claimed: true });
    expect(await idempotency.claim('acme', 'k1')).toEqual({ claimed: false, runId: null });
    await idempotency.complete('acme', 'k1', 'acme.r1');
    expect(await idempotency.claim('acme', 'k1')).toEqual({ claimed: false, runId: 'acme.r1' });
  });

  it('shares a rate budget across accounts without mixing them', async () => {
    const budget = new RedisRateBudget(client, `b${randomUUID().slice(0, 8)}`);
    const windows = [
      { name: 'burst', max: 2, windowMs: 10_000 },
      { name: 'daily', max: 100, windowMs: 86_400_000 },
    ];
    for (const account of ['portal-1', 'portal-2']) {
      expect((await budget.reserve(account, windows)).waitMs).toBe(0);
      expect((await budget.reserve(account, windows)).waitMs).toBe(0);
      expect((await budget.reserve(account, windows)).waitMs).toBeGreaterThan(0);
    }
  });
});
