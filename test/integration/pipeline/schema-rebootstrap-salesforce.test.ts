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

/**
 * Issue 19, Salesforce: the schema marker says "bootstrapped" but the tenant now points at another
 * org without the PH_ fields; Salesforce answers the write with INVALID_FIELD ("No such column",
 * developer.salesforce.com REST API status codes and error responses). The write-back runs the
 * bootstrap once and retries.
 */
function tenantFor(sandbox: SalesforceSandboxHandle) {
  return salesforceTenant('sfmoved', sandbox);
}

describe('a Salesforce tenant pointed at another org', () => {
  let redis: RedisEndpoint;
  let first: SalesforceSandboxHandle;
  let second: SalesforceSandboxHandle;
  const runtimes: Runtime[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
    first = await startSalesforceSandbox({ world: generateWorld({ seed: 43, deals: 30 }) });
    second = await startSalesforceSandbox({ world: generateWorld({ seed: 44, deals: 30 }) });
  });
  afterAll(async () => {
    for (const r of runtimes) await r.close();
    await first?.close();
    await second?.close();
    await redis?.close();
  });

  it('re-runs the schema bootstrap once on INVALID_FIELD and writes', async () => {
    const prefix = `sfsb${Date.now() % 100_000}`;
    for (const [sandbox, fullResync] of [
      [first, false],
      [second, true],
    ] as const) {
      const tenant = tenantFor(sandbox);
      const connector = salesforceAdminConnector(tenant);
      const runtime = newRuntime(redis, [tenant], { connector: () => connector, prefix });
      runtimes.push(runtime);
      await runtime.pool?.waitUntilReady();
      const run = await runtime.runCycle({ tenantId: 'sfmoved', trigger: 'manual', fullResync });
      expect(run.error).toBeUndefined();
      expect(run.status).toBe('completed');
      const writeBack = run.steps['write-back'] as {
        written: number;
        failed: number;
        schemaRebootstrapped: boolean;
      };
      expect(writeBack.failed).toBe(0);
      expect(writeBack.written).toBeGreaterThan(0);
      expect(writeBack.schemaRebootstrapped).toBe(sandbox === second);
      await runtime.close();
      runtimes.pop();
    }
  }, 180_000);
});
