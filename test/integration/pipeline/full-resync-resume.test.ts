import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmConnector, SyncPage } from '../../../connectors/crm-connector.ts';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import type { Runtime } from '../../../src/cli/runtime.ts';
import type { Tenant } from '../../../src/domain/index.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { AppError } from '../../../src/shared/app-error.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { hubspotTenant, newRuntime, testLogger } from './harness.ts';

/**
 * Issue 19 / docs/PIPELINE.md ("a rerun resumes from the last stored page"): a full resync larger
 * than a day's quota must continue from its stored page after the wait, not start over. The fault
 * is injected at the connector boundary: the real HubSpot connector over the sandbox, whose pull
 * meets HubSpot's exhausted daily quota (CRM_QUOTA_EXHAUSTED with the reset time) after two pages,
 * with the reset a moment away.
 */
function quotaAfterPages(real: CrmConnector, armed: { pages: number | null }) {
  const cursors: (string | null)[] = [];
  const connector: CrmConnector = new Proxy(real, {
    get(target, prop, receiver) {
      if (prop === 'pull') {
        return (cursor: string | null, options: unknown) => {
          cursors.push(cursor);
          const inner = target.pull(cursor, options as never);
          return (async function* (): AsyncGenerator<SyncPage> {
            for await (const page of inner) {
              if (armed.pages !== null && armed.pages <= 0) {
                armed.pages = null;
                throw new AppError('CRM_QUOTA_EXHAUSTED', 'HTTP 429 DAILY: daily limit reached', {
                  retryAt: Date.now() + 1_000,
                  status: 429,
                });
              }
              if (armed.pages !== null) armed.pages -= 1;
              yield page;
            }
          })();
        };
      }
      const value = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { connector, cursors };
}

describe('a full resync interrupted by a quota wait', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  let runtime: Runtime;

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startHubSpotSandbox({ seed: 23, deals: 60 });
  });
  afterAll(async () => {
    await runtime?.close();
    await sandbox?.close();
    await redis?.close();
  });

  it('continues from its stored page after the delay', async () => {
    const tenant = hubspotTenant('resync', sandbox);
    const real = createHubSpotConnector({
      connection: tenant.connection as never,
      logger: testLogger(),
      lookbackMs: 0,
      dealsPerPage: 10,
    });
    const armed = { pages: null as number | null };
    const { connector, cursors } = quotaAfterPages(real, armed);
    runtime = newRuntime(redis, [tenant], { connector: (_t: Tenant) => connector });
    await runtime.pool?.waitUntilReady();
    const store = runtime.deps.store('resync');

    const first = await runtime.runCycle({ tenantId: 'resync', trigger: 'manual' }, { timeoutMs: 120_000 });
    expect(first.status).toBe('completed');
    const stored = await store.deals.dealCount();
    expect(stored).toBeGreaterThan(20);

    cursors.length = 0;
    armed.pages = 2;
    const resync = await runtime.runCycle(
      { tenantId: 'resync', trigger: 'manual', fullResync: true },
      { timeoutMs: 120_000 },
    );
    expect(resync.status).toBe('completed');
    // The resync started from nothing once, then resumed from the page stored before the wait.
    expect(cursors).toHaveLength(2);
    expect(cursors[0]).toBeNull();
    expect(cursors[1]).not.toBeNull();
    expect(resync.steps.sync?.deals).toBe(stored - 20); // the two pages stored before the wait are not read again
    expect(await store.deals.dealCount()).toBe(stored);
  }, 150_000);
});
