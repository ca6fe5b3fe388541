import { describe, expect, it } from 'vitest';
import { proxiedHubSpotSuite } from './proxied-hubspot.ts';

/**
 * Issue 19: every sync reads the account's metadata (time zone, pipelines, owners, goal targets)
 * before its first page. The reads do not depend on each other; one after another they were a chain
 * of round trips that delayed the first window's calls, and with them, window after window, the
 * last call of the cycle (HubSpot's rolling window: a call can start only once the call a whole
 * window before it is 10 s old).
 */
describe('HubSpot fetchMetadata', () => {
  const suite = proxiedHubSpotSuite({ seed: 19, deals: 10 });

  it('reads pipelines, owners and goal targets side by side, not waiting for each other', async () => {
    // The owners lists get no answer (yet).
    suite.proxy.addRule({
      method: 'GET',
      path: '/crm/v3/owners',
      occurrence: 'every',
      action: { kind: 'hold' },
    });
    const connector = suite.connector({
      retry: { maxAttempts: 1 },
    });
    const reading = connector.fetchMetadata().catch(() => undefined);
    try {
      // Goal targets are read while both owners lists (current and archived) are still unanswered.
      await suite.proxy.waitFor(1, { method: 'GET', path: '/crm/v3/objects/goal_targets' }, 45_000);
      await suite.proxy.waitFor(1, { method: 'GET', path: '/crm/v3/pipelines/deals' }, 45_000);
      await suite.proxy.waitFor(2, { method: 'GET', path: '/crm/v3/owners' }, 45_000);
      expect(suite.proxy.held()).toBe(2);
    } finally {
      await suite.proxy.close();
      await reading;
    }
  });
});
