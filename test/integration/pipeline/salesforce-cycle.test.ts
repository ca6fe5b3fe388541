import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/cli/runtime.ts';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import {
  type SalesforceSandboxHandle,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { newRuntime, salesforceAdminConnector, salesforceTenant } from './harness.ts';

describe('a full Salesforce cycle through the real queues', () => {
  let redis: RedisEndpoint;
  let sandbox: SalesforceSandboxHandle;
  let runtime: Runtime;

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startSalesforceSandbox({ world: generateWorld({ seed: 13, deals: 80 }) });
    const tenant = salesforceTenant('globex', sandbox, { name: 'Globex' });
    // The test org has no admin to assign the permission set; the connector may do it here.
    const connector = salesforceAdminConnector(tenant);
    runtime = newRuntime(redis, [tenant], { connector: () => connector });
    await runtime.pool?.waitUntilReady();
  });
  afterAll(async () => {
    await runtime?.close();
    await sandbox?.close();
    await redis?.close();
  });

  it('writes PH_ fields on opportunities and Task alerts; a second run writes nothing', async () => {
    const first = await runtime.runCycle({ tenantId: 'globex', trigger: 'manual' });
    expect(first.error).toBeUndefined();
    const scored = (first.steps.score as { scored: number }).scored;
    expect(scored).toBeGreaterThan(5);
    const updates = sandbox.inspect
      .writes()
      .filter((w) => w.objectType === 'Opportunity' && w.operation === 'update');
    expect(new Set(updates.map((w) => w.recordId)).size).toBe(scored);
    for (const w of updates) expect(Object.keys(w.values).every((k) => k.startsWith('PH_'))).toBe(true);
    const tasks = sandbox.inspect.writes().filter((w) => w.objectType === 'Task' && w.operation === 'create');
    expect(tasks.length).toBe((first.steps.alert as { raised: number }).raised);
    for (const t of tasks) expect(String(t.values.WhatId)).toMatch(/^006/);

    sandbox.inspect.reset();
    const second = await runtime.runCycle({ tenantId: 'globex', trigger: 'manual' });
    expect(second.status).toBe('completed');
    expect((second.steps['write-back'] as { written: number }).written).toBe(0);
    expect(sandbox.inspect.writes().filter((w) => w.objectType === 'Opportunity')).toEqual([]);
  });
});
