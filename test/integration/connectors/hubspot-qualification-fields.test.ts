import { afterEach, describe, expect, it } from 'vitest';
import type { SyncPage } from '../../../connectors/crm-connector.ts';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { recordN } from '../../../src/sandbox/hubspot/hubspot-object-types.ts';
import { createLogger } from '../../../src/shared/logger.ts';

let sandbox: HubSpotSandboxHandle | null = null;
afterEach(async () => {
  await sandbox?.close();
  sandbox = null;
});

describe('HubSpot qualification properties', () => {
  it('pulls configured extra deal properties into Deal.fields, and nothing extra otherwise', async () => {
    sandbox = await startHubSpotSandbox({
      seed: 4,
      deals: 40,
      rateLimits: { tenSecondly: null, daily: null, searchPerSecond: null },
    });
    const pull = async (extraProperties?: string[]) => {
      const connector = createHubSpotConnector({
        connection: {
          crm: 'hubspot',
          auth: { type: 'private_app', accessToken: sandbox!.accessToken },
          basePath: sandbox!.baseUrl,
          developmentTarget: true,
          ...(extraProperties ? { extraProperties } : {}),
        },
        logger: createLogger({ level: 'silent' }),
      });
      const pages: SyncPage[] = [];
      for await (const page of connector.pull(null)) pages.push(page);
      return pages.flatMap((p) => p.deals);
    };
    const withFields = await pull(['budget_allocated', 'competitor_present', 'no_such_property']);
    expect(withFields.length).toBeGreaterThan(20);
    let checked = 0;
    for (const deal of withFields) {
      const world = sandbox.world.deals.find((d) => d.n === recordN('deals', deal.id));
      expect(Object.keys(deal.fields).sort()).toEqual([
        'budget_allocated',
        'competitor_present',
        'no_such_property',
      ]);
      expect(deal.fields.no_such_property).toBeNull();
      if (world && typeof world.qualification.budget_allocated === 'boolean') {
        expect(deal.fields.budget_allocated).toBe(String(world.qualification.budget_allocated));
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(20);
    expect(new Set(withFields.map((d) => d.fields.budget_allocated)).size).toBeGreaterThan(1);
    const without = await pull();
    expect(without.every((d) => Object.keys(d.fields).length === 0)).toBe(true);
  });
});
