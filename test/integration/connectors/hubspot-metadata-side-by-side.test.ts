import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.ts';
import { testLogger } from '../pipeline/harness.ts';

/**
 * Issue 19: every sync reads the account's metadata (time zone, pipelines, owners, goal targets)
 * before its first page. The reads do not depend on each other; one after another they were a chain
 * of round trips that delayed the first window's calls, and with them, window after window, the
 * last call of the cycle (HubSpot's rolling window: a call can start only once the call a whole
 * window before it is 10 s old).
 */
describe('HubSpot fetchMetadata', () => {
  let sandbox: HubSpotSandboxHandle;
  let proxy: FaultProxy;

  beforeAll(async () => {
    sandbox = await startHubSpotSandbox({ seed: 19, deals: 10 });
    proxy = await startFaultProxy(sandbox.baseUrl);
  });
  afterAll(async () => {
    await proxy?.close();
    await sandbox?.close();
  });

  it('reads pipelines, owners and goal targets side by side, not waiting for each other', async () => {
    // The owners lists get no answer (yet).
    proxy.addRule({ method: 'GET', path: '/crm/v3/owners', occurrence: 'every', action: { kind: 'hold' } });
    const connector = createHubSpotConnector({
      connection: {
        crm: 'hubspot',
        basePath: proxy.url,
        auth: { type: 'private_app', accessToken: sandbox.accessToken },
      },
      logger: testLogger(),
      retry: { maxAttempts: 1 },
    });
    const reading = connector.fetchMetadata().catch(() => undefined);
    try {
      // Goal targets are read while both owners lists (current and archived) are still unanswered.
      await proxy.waitFor(1, { method: 'GET', path: '/crm/v3/objects/goal_targets' }, 45_000);
      await proxy.waitFor(1, { method: 'GET', path: '/crm/v3/pipelines/deals' }, 45_000);
      await proxy.waitFor(2, { method: 'GET', path: '/crm/v3/owners' }, 45_000);
      expect(proxy.held()).toBe(2);
    } finally {
      await proxy.close();
      await reading;
    }
  });
});
