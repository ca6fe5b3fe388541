import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CrmConnector, HealthWrite } from '../../../connectors/crm-connector.ts';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import type { Deal, Tenant } from '../../../src/domain/index.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { hubspotConnectors, hubspotTenant, newRuntime, testLogger } from './harness.ts';

// Alerts off: our alert tasks are new activities of their deals, which rightly brings those
// deals back through the activities phase; here only the write-back's own stamps are wanted.
const NO_ALERTS = { alerts: { enabled: false } };

function sdk(sandbox: HubSpotSandboxHandle): Client {
  return new Client({
    accessToken: sandbox.accessToken,
    basePath: sandbox.baseUrl,
    numberOfApiCallRetries: 0,
  });
}

/** Deal ids the sandbox saw our write-back update. */
function writtenDeals(sandbox: HubSpotSandboxHandle): string[] {
  const ids = sandbox.inspect
    .writes()
    .filter((w) => w.objectType === 'deals' && w.operation === 'update')
    .map((w) => w.recordId);
  return [...new Set(ids)];
}

/** Calls that read anything beyond the deal records themselves, per endpoint. */
function beyondDealReads(byEndpoint: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.entries(byEndpoint).filter(
      ([endpoint]) =>
        endpoint.startsWith('POST /crm/v4/associations/deals/') ||
        /^POST \/crm\/v3\/objects\/(emails|calls|meetings|notes|tasks|contacts|companies)\/batch\/read$/.test(
          endpoint,
        ),
    ),
  );
}

describe('the incremental sync after a write-back', () => {
  let redis: RedisEndpoint;

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    await redis?.close();
  });

  it('reads nothing beyond the deal records of deals only our write-back modified', async () => {
    const sandbox = await startHubSpotSandbox({ seed: 11, deals: 60 });
    const tenant = hubspotTenant('skip', sandbox, NO_ALERTS);
    const runtime = newRuntime(redis, [tenant], { connector: hubspotConnectors() });
    try {
      await runtime.pool?.waitUntilReady();
      const full = await runtime.runCycle({ tenantId: 'skip', trigger: 'manual' });
      expect(full.error).toBeUndefined();
      const written = writtenDeals(sandbox);
      expect(written.length).toBeGreaterThan(10);
      const store = runtime.deps.store('skip');
      const storedBefore = await store.deals.getDeals(written);

      // The same window pulled with and without the stored deals, by fresh connectors.
      const cursor = await store.sync.getCursor();
      const pullCalls = async (known?: (ids: string[]) => Promise<Map<string, Deal>>) => {
        const c = freshConnector(tenant);
        let deals = 0;
        for await (const page of c.pull(cursor, known ? { known } : {})) deals += page.deals.length;
        return { calls: c.usage().calls, deals };
      };
      const without = await pullCalls();
      const withKnown = await pullCalls((ids) => store.deals.getDeals(ids));
      expect(without.deals).toBe(written.length);
      expect(withKnown.deals).toBe(0);
      expect(withKnown.calls).toBeLessThan(without.calls);

      sandbox.inspect.reset();
      const inc = await runtime.runCycle({ tenantId: 'skip', trigger: 'incremental' });
      expect(inc.error).toBeUndefined();
      const sync = inc.steps.sync as { deals: number; apiCalls: number };
      expect(sync.deals).toBe(0);
      // The written deals were found by the search and read in batches, and nothing else.
      const byEndpoint = sandbox.inspect.callsByEndpoint();
      expect(byEndpoint['POST /crm/v3/objects/deals/search']).toBeGreaterThan(0);
      expect(byEndpoint['POST /crm/v3/objects/deals/batch/read']).toBe(Math.ceil(written.length / 50));
      expect(beyondDealReads(byEndpoint)).toEqual({});
      expect((inc.steps['write-back'] as { written: number }).written).toBe(0);
      expect(await store.deals.getDeals(written)).toEqual(storedBefore);
    } finally {
      await runtime.close();
      await sandbox.close();
    }
  });

  it('still brings in a rep change made before our write-back, a new email and a new contact', async () => {
    const sandbox = await startHubSpotSandbox({ seed: 12, deals: 60 });
    const client = sdk(sandbox);
    const tenant = hubspotTenant('race', sandbox, NO_ALERTS);
    const real = hubspotConnectors();
    // A rep edits a deal after our sync read it and before our write-back lands on it.
    let raced: string | null = null;
    const connector = (t: Tenant): CrmConnector => {
      const c = real(t);
      return {
        ...c,
        writeHealth: async (writes: HealthWrite[], options) => {
          if (raced === null && writes[0] !== undefined) {
            raced = writes[0].dealId;
            await client.crm.deals.basicApi.update(raced, { properties: { amount: '987654' } });
          }
          return c.writeHealth(writes, options);
        },
      };
    };
    const runtime = newRuntime(redis, [tenant], { connector });
    try {
      await runtime.pool?.waitUntilReady();
      const full = await runtime.runCycle({ tenantId: 'race', trigger: 'manual' });
      expect(full.error).toBeUndefined();
      const store = runtime.deps.store('race');
      const a = raced as string | null;
      expect(a).not.toBeNull();
      // Stored from before the rep's change; the write-back then stamped the deal again.
      expect((await store.deals.getDeal(a!))!.deal.amount).not.toBe(987_654);
      const others = writtenDeals(sandbox).filter((id) => id !== a);
      const [b, c] = others as [string, string];
      expect(others.length).toBeGreaterThan(10);

      // After the write-back: an email logged on B, a new contact associated to C.
      const email = await client.crm.objects.emails.basicApi.create({
        properties: {
          hs_timestamp: new Date().toISOString(),
          hs_email_direction: 'INCOMING_EMAIL',
          hs_email_subject: 'Re: next steps',
          hs_email_text: 'Works for us, see you Tuesday.',
        },
        associations: [
          {
            to: { id: b },
            types: [{ associationCategory: 'HUBSPOT_DEFINED' as never, associationTypeId: 210 }],
          },
        ],
      });
      const contact = await client.crm.contacts.basicApi.create({
        properties: { email: 'cfo@example.com', firstname: 'Dana', lastname: 'Ng', jobtitle: 'CFO' },
      });
      const contactsBefore = (await store.deals.getDeal(c))!.deal.contacts.length;
      await client.crm.associations.v4.basicApi.createDefault('deals', c, 'contacts', contact.id);

      sandbox.inspect.reset();
      const inc = await runtime.runCycle({ tenantId: 'race', trigger: 'incremental' });
      expect(inc.error).toBeUndefined();
      // Exactly the three changed deals were read in full; the other written ones were not.
      expect((inc.steps.sync as { deals: number }).deals).toBe(3);

      expect((await store.deals.getDeal(a!))!.deal.amount).toBe(987_654);
      const bRecord = (await store.deals.getDeal(b))!;
      expect(bRecord.activities.map((x) => x.id)).toContain(email.id);
      const cRecord = (await store.deals.getDeal(c))!;
      expect(cRecord.deal.contacts).toHaveLength(contactsBefore + 1);
      expect(cRecord.deal.contacts.map((x) => x.contactId)).toContain(contact.id);
      expect(cRecord.contacts.map((x) => x.id)).toContain(contact.id);
    } finally {
      await runtime.close();
      await sandbox.close();
    }
  });
});

function freshConnector(tenant: Tenant): CrmConnector {
  if (tenant.connection.crm !== 'hubspot') throw new Error('hubspot tenants only');
  return createHubSpotConnector({ connection: tenant.connection, logger: testLogger(), lookbackMs: 0 });
}
