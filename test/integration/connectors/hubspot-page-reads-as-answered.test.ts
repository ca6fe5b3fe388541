import { describe, expect, it } from 'vitest';
import { proxiedHubSpotSuite } from './proxied-hubspot.ts';

/**
 * Issue 19: a page's reads hang off its association reads (deal to contacts, companies and each
 * engagement type). Each activity type's batch reads need only that type's association answer, and
 * the contact and company reads only theirs; waiting for all seven delayed the first window's calls,
 * and with them, window after window, the last call of the cycle (HubSpot's rolling window: a call
 * can start only once the call a whole window before it is 10 s old).
 */
describe('a HubSpot page read', () => {
  const suite = proxiedHubSpotSuite({ seed: 19, deals: 20 });

  it("starts each type's reads as soon as its own association read is answered", async () => {
    // The deal-to-task association read gets no answer (yet).
    suite.proxy.addRule({
      method: 'POST',
      path: '/crm/v4/associations/deals/tasks/batch/read',
      occurrence: 'every',
      action: { kind: 'hold' },
    });
    const connector = suite.connector({ retry: { maxAttempts: 1 } });
    const pulling = (async () => {
      for await (const _page of connector.pull(null)) {
        // the first page waits on the held association read
      }
    })().catch(() => undefined);
    try {
      await suite.proxy.waitFor(1, { path: '/crm/v4/associations/deals/tasks/batch/read' }, 45_000);
      // Emails, the deals' contacts and companies are read while the task associations are unanswered.
      await suite.proxy.waitFor(1, { method: 'POST', path: '/crm/v3/objects/emails/batch/read' }, 45_000);
      await suite.proxy.waitFor(1, { method: 'POST', path: '/crm/v3/objects/contacts/batch/read' }, 45_000);
      await suite.proxy.waitFor(1, { method: 'POST', path: '/crm/v3/objects/companies/batch/read' }, 45_000);
      expect(suite.proxy.held()).toBe(1);
      expect(suite.proxy.count({ path: '/crm/v3/objects/tasks/batch/read' })).toBe(0);
    } finally {
      await suite.proxy.close();
      await pulling;
    }
  });
});
