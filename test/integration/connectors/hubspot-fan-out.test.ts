import { describe, expect, it } from 'vitest';
import { proxiedHubSpotSuite } from './proxied-hubspot.ts';
import { isAppError } from '../../../src/shared/app-error.ts';

/**
 * Issue 14 item 9 (HubSpot part): a page's reads fan out (associations of eight kinds, batch reads);
 * once one has failed for good, the rest must not go on spending the portal's quota.
 */
describe('a HubSpot page read whose first fan-out call fails for good', () => {
  const suite = proxiedHubSpotSuite({ seed: 51, deals: 30 });

  it('starts no further call of the page', async () => {
    // Every deal-to-contact association read has its connection reset: it fails after its retries.
    suite.proxy.addRule({
      method: 'POST',
      path: '/crm/v4/associations/deals/contacts/batch/read',
      occurrence: 'every',
      action: { kind: 'reset' },
    });
    const connector = suite.connector({
      // One call at a time: the page's other reads are queued behind the failing one.
      concurrency: 1,
      retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 },
    });
    let error: unknown;
    try {
      for await (const _page of connector.pull(null)) {
        // the first page fails
      }
    } catch (err) {
      error = err;
    }
    expect(isAppError(error) && error.code).toBe('CRM_UNAVAILABLE');
    expect(suite.proxy.count({ path: '/crm/v4/associations/deals/contacts/batch/read' })).toBe(2);
    // A call queued now runs after everything queued before it (one slot, first come first served):
    // once it is answered, every call the failed page had queued has started or been dropped.
    await connector.fetchMetadata();
    const requests = suite.proxy.requests();
    const lastReset = requests.findLastIndex((r) => r.fault === 'reset');
    // fetchMetadata's first request: the account's time zone (read once), then owners and pipelines.
    const sentinel = requests.findIndex(
      (r, i) => i > lastReset && (r.path.startsWith('/account-info/') || r.path.startsWith('/crm/v3/owners')),
    );
    expect(sentinel).toBeGreaterThan(lastReset);
    // Nothing of the failed page was sent after its failure.
    expect(requests.slice(lastReset + 1, sentinel)).toEqual([]);
  });
});
