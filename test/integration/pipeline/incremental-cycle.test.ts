import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/cli/runtime.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { hubspotConnectors, hubspotTenant, newRuntime } from './harness.ts';

describe('an incremental cycle', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  let runtime: Runtime;

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startHubSpotSandbox({ seed: 5, deals: 60 });
    runtime = newRuntime(redis, [hubspotTenant('inc', sandbox)], { connector: hubspotConnectors() });
    await runtime.pool?.waitUntilReady();
  });
  afterAll(async () => {
    await runtime?.close();
    await sandbox?.close();
    await redis?.close();
  });

  it('pulls and writes only what changed since the last run', async () => {
    const full = await runtime.runCycle({ tenantId: 'inc', trigger: 'manual' });
    expect(full.error).toBeUndefined();
    const fullDeals = (full.steps.sync as { deals: number }).deals;
    expect(fullDeals).toBeGreaterThan(40);
    // The run after the full one finds the deals our own write-back modified (and drops them
    // unread beyond their records: incremental-after-write-back.test.ts); it writes nothing.
    const settle = await runtime.runCycle({ tenantId: 'inc', trigger: 'incremental' });
    expect((settle.steps['write-back'] as { written: number }).written).toBe(0);

    // A rep logs a buyer reply on one open deal.
    const store = runtime.deps.store('inc');
    const results = [];
    for await (const chunk of store.results.iterateResults()) results.push(...chunk);
    const target = results.sort((a, b) => a.score - b.score)[0]!;
    const client = new Client({
      accessToken: sandbox.accessToken,
      basePath: sandbox.baseUrl,
      numberOfApiCallRetries: 0,
    });
    await client.crm.objects.emails.basicApi.create({
      properties: {
        hs_timestamp: new Date().toISOString(),
        hs_email_direction: 'INCOMING_EMAIL',
        hs_email_subject: 'Re: proposal',
        hs_email_text: 'Thanks, let us meet next week to plan the rollout together.',
      },
      associations: [
        {
          to: { id: target.dealId },
          types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 210 }],
        },
      ],
    });
    await client.crm.deals.basicApi.update(target.dealId, {
      properties: { hs_next_step: 'Rollout planning call' },
    });
    sandbox.inspect.reset();

    const inc = await runtime.runCycle({ tenantId: 'inc', trigger: 'incremental' });
    expect(inc.error).toBeUndefined();
    const sync = inc.steps.sync as { deals: number; apiCalls: number };
    expect(sync.deals).toBe(1);
    expect(sync.apiCalls).toBeLessThan((full.steps.sync as { apiCalls: number }).apiCalls);
    const dealWrites = sandbox.inspect.writes().filter((w) => w.objectType === 'deals');
    expect(dealWrites.map((w) => w.recordId)).toEqual([target.dealId]);
    const after = await store.results.getResult(target.dealId);
    expect(after!.score).toBeGreaterThan(target.score);
  });
});
