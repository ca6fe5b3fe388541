import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.ts';
import { until } from '../../support/until.ts';
import { testLogger } from '../pipeline/harness.ts';

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
  let sandbox: HubSpotSandboxHandle;
  let proxy: FaultProxy;

  beforeAll(async () => {
    // 900 deals: one page, 18 deal batch reads (50 per read with property history) side by side.
    sandbox = await startHubSpotSandbox({ seed: 19, deals: 900 });
    proxy = await startFaultProxy(sandbox.baseUrl);
  });
  afterAll(async () => {
    await proxy?.close();
    await sandbox?.close();
  });

  it('keeps as many reads in flight as the socket pool holds, well under the rate limit', async () => {
    // The deal batch reads get no answer (yet): each one holds its slot until the proxy closes.
    proxy.addRule({
      method: 'POST',
      path: '/crm/v3/objects/deals/batch/read',
      occurrence: 'every',
      action: { kind: 'hold' },
    });
    const connector = createHubSpotConnector({
      connection: {
        crm: 'hubspot',
        basePath: proxy.url,
        auth: { type: 'private_app', accessToken: sandbox.accessToken },
      },
      logger: testLogger(),
    });
    const stop = new AbortController();
    const pulling = (async () => {
      for await (const _page of connector.pull(null, { signal: stop.signal })) {
        // held: never reached
      }
    })().catch(() => undefined);
    try {
      await until(() => proxy.held() >= 16, '16 deal batch reads in flight at once', 45_000);
      // Far below the window (190): the limiter let them all start without waiting.
      expect(proxy.count({ path: '/crm/v3/objects/deals/batch/read' })).toBe(proxy.held());
    } finally {
      stop.abort();
      await pulling;
    }
  });
});
