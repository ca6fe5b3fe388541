import { describe, expect, it } from 'vitest';
import { proxiedHubSpotSuite } from './proxied-hubspot.ts';
import { until } from '../../support/until.ts';

/**
 * Issue 19 (measure against the true floor): HubSpot's rolling ten-second window lets a whole
 * window of requests through at once (190 per 10 s on Professional / Enterprise,
 * developers.hubspot.com/changelog/increasing-our-api-limits). A connector that waits for answers
 * after 4 requests in flight cannot spend that burst once answers take their time: at 150 ms an
 * answer it sends at most ~26 requests a second, and the 2,000-deal cycle ran at 2.0x the floor.
 * The limiter decides when a call may start; the calls waiting for answers must not. In flight at
 * once: as many as the connector's socket pool holds (16).
 */
describe('a HubSpot page read whose answers are slow', () => {
  // 900 deals: one page, 18 deal batch reads (50 per read with property history) side by side.
  const suite = proxiedHubSpotSuite({ seed: 19, deals: 900 });

  it('keeps as many reads in flight as the socket pool holds, well under the rate limit', async () => {
    // The deal batch reads get no answer (yet): each one holds its slot until the proxy closes.
    suite.proxy.addRule({
      method: 'POST',
      path: '/crm/v3/objects/deals/batch/read',
      occurrence: 'every',
      action: { kind: 'hold' },
    });
    const connector = suite.connector();
    const stop = new AbortController();
    const pulling = (async () => {
      for await (const _page of connector.pull(null, { signal: stop.signal })) {
        // held: never reached
      }
    })().catch(() => undefined);
    try {
      await until(() => suite.proxy.held() >= 16, '16 deal batch reads in flight at once', 45_000);
      // Far below the window (190): the limiter let them all start without waiting.
      expect(suite.proxy.count({ path: '/crm/v3/objects/deals/batch/read' })).toBe(suite.proxy.held());
    } finally {
      stop.abort();
      await pulling;
    }
  });
});
