import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertKey, changedHealthFields } from '../../../src/domain/index.ts';
import type { SalesforceSandboxHandle } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { AlertTask } from '../../../connectors/crm-connector.ts';
import { connectorFor, makeWorld, merged, pullAll, startSandbox, WORLD_NOW } from './salesforce-fixture.ts';

const QUERY_BATCH = 2000;
const WRITE_BATCH = 200;

describe('Salesforce connector: API calls of one cycle', () => {
  let sandbox: SalesforceSandboxHandle;

  beforeAll(async () => {
    sandbox = await startSandbox(makeWorld(600, 31, 0.02));
    await connectorFor(sandbox, { assignPermissionSet: true }).bootstrapSchema();
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('stays close to the fewest calls the query and write batch limits allow', async () => {
    const admin = new Connection({
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
      version: '62.0',
    });
    const count = async (soql: string) => (await admin.query(soql)).totalSize;
    const rows = {
      Opportunity: await count('SELECT COUNT() FROM Opportunity'),
      OpportunityHistory: await count('SELECT COUNT() FROM OpportunityHistory'),
      OpportunityFieldHistory: await count('SELECT COUNT() FROM OpportunityFieldHistory'),
      OpportunityContactRole: await count('SELECT COUNT() FROM OpportunityContactRole'),
      Task: await count('SELECT COUNT() FROM Task WHERE WhatId != null'),
      Event: await count('SELECT COUNT() FROM Event WHERE WhatId != null'),
      EmailMessage: await count('SELECT COUNT() FROM EmailMessage WHERE RelatedToId != null'),
      EventRelation: await count('SELECT COUNT() FROM EventRelation'),
      OpportunityStage: await count('SELECT COUNT() FROM OpportunityStage'),
      User: await count('SELECT COUNT() FROM User'),
      ForecastingQuota: await count('SELECT COUNT() FROM ForecastingQuota'),
    };

    sandbox.inspect.reset();
    const connector = connectorFor(sandbox);
    await connector.fetchMetadata();
    const pulled = merged((await pullAll(connector, null)).pages);
    const open = pulled.deals.filter((d) => !d.isClosed);
    const written = await connector.writeHealth(
      open.map((d, i) => ({
        dealId: d.id,
        values: changedHealthFields(undefined, {
          score: i % 100,
          band: 'watch',
          winProbability: null,
          reasons: 'Close date pushed 3 times',
          trend: null,
          scoredAt: WORLD_NOW,
          modelVersion: 'prior-v1',
        }),
      })),
    );
    expect(written.failed).toEqual([]);
    const alerts: AlertTask[] = open.slice(0, 250).map((d) => {
      const alert = {
        tenantId: 'acme',
        dealId: d.id,
        kind: 'stalled_in_stage' as const,
        ownerId: d.ownerId,
        reason: 'In stage twice as long as usual',
        suggestedAction: 'Agree a next step with the buyer',
        raisedAt: WORLD_NOW,
      };
      return { alert, key: alertKey(alert), subject: 'Stalled deal', body: '', dueAt: WORLD_NOW };
    });
    const created = await connector.createAlertTasks(alerts);
    expect(created.created).toHaveLength(alerts.length);

    // The floor: one token call, every object read in full 2,000-record batches, contacts and
    // accounts once each, writes in full 200-record collections, one alert-key lookup per 200.
    const batches = (n: number) => Math.max(1, Math.ceil(n / QUERY_BATCH));
    const minimum =
      1 +
      Object.values(rows).reduce((sum, n) => sum + batches(n), 0) +
      batches(pulled.contacts.length) +
      batches(pulled.accounts.length) +
      Math.ceil(open.length / WRITE_BATCH) +
      Math.ceil(alerts.length / WRITE_BATCH) * 2;
    const usage = connector.usage();
    const byEndpoint = usage.callsByEndpoint;
    // Writes and creates are exactly at their floor.
    expect(byEndpoint['PATCH /services/data/vXX.X/composite/sobjects']).toBe(
      Math.ceil(open.length / WRITE_BATCH),
    );
    expect(byEndpoint['POST /services/data/vXX.X/composite/sobjects']).toBe(
      Math.ceil(alerts.length / WRITE_BATCH),
    );
    // Reads pay for IN-list chunks (URL length) on top of the floor; bounded at twice it.
    expect(usage.calls).toBeGreaterThanOrEqual(minimum);
    expect(usage.calls).toBeLessThanOrEqual(minimum * 2);
    console.info(
      `salesforce cycle: ${usage.calls} calls, minimum ${minimum} (${(usage.calls / minimum).toFixed(2)}x)`,
    );
    // The connector's own count agrees with what the server saw.
    expect(sandbox.inspect.calls()).toHaveLength(usage.calls);
    expect(usage.daily).toEqual(sandbox.apiUsage());
  });
});
