import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/cli/runtime.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { hubspotConnectors, hubspotTenant, newRuntime } from './harness.ts';

/**
 * Issue 19: the schema marker in Redis said "bootstrapped", but the tenant now points at another
 * portal where the health properties do not exist (HubSpot answers PROPERTY_DOESNT_EXIST,
 * developers.hubspot.com CRM properties). The write-back must run the bootstrap once and retry,
 * not fail every write until someone clears Redis by hand.
 */
describe('a tenant pointed at another portal', () => {
  let redis: RedisEndpoint;
  let first: HubSpotSandboxHandle;
  let second: HubSpotSandboxHandle;
  const runtimes: Runtime[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    // Another portal (other deals), whose health properties were never created.
    first = await startHubSpotSandbox({ seed: 41, deals: 30 });
    second = await startHubSpotSandbox({ seed: 42, deals: 30 });
  });
  afterAll(async () => {
    for (const r of runtimes) await r.close();
    await first?.close();
    await second?.close();
    await redis?.close();
  });

  it('re-runs the schema bootstrap once on a missing-property answer and writes', async () => {
    const prefix = `sb${Date.now() % 100_000}`;
    const a = newRuntime(redis, [hubspotTenant('moved', first)], { connector: hubspotConnectors(), prefix });
    runtimes.push(a);
    await a.pool?.waitUntilReady();
    expect((await a.runCycle({ tenantId: 'moved', trigger: 'manual' })).status).toBe('completed');
    await a.close();

    const b = newRuntime(redis, [hubspotTenant('moved', second)], { connector: hubspotConnectors(), prefix });
    runtimes.push(b);
    await b.pool?.waitUntilReady();
    const run = await b.runCycle({ tenantId: 'moved', trigger: 'manual', fullResync: true });
    expect(run.error).toBeUndefined();
    expect(run.status).toBe('completed');
    const writeBack = run.steps['write-back'] as {
      written: number;
      failed: number;
      schemaRebootstrapped: boolean;
    };
    expect(writeBack.schemaRebootstrapped).toBe(true);
    expect(writeBack.failed).toBe(0);
    expect(writeBack.written).toBeGreaterThan(0);
    const updates = second.inspect
      .writes()
      .filter((w) => w.objectType === 'deals' && w.operation === 'update');
    expect(updates.length).toBe(writeBack.written);
  }, 180_000);
});
