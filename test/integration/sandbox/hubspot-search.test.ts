import type { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubSpotSandboxHandle } from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { apiError } from './hubspot-api-error.ts';
import { startSdkSandbox } from './hubspot-sandbox.fixture.ts';

let sandbox: HubSpotSandboxHandle;
let client: Client;

type Filter = {
  propertyName: string;
  operator: string;
  value?: string;
  highValue?: string;
  values?: string[];
};

/** Raw search through fetch, to send exactly what a test needs (e.g. sorts as objects). */
async function search(
  body: Record<string, unknown>,
  type = 'deals',
): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.baseUrl}/crm/v3/objects/${type}/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

async function ids(filters: Filter[], type = 'deals'): Promise<string[]> {
  const { status, json } = await search({ filterGroups: [{ filters }], limit: 200 }, type);
  expect(status).toBe(200);
  expect(json.total as number).toBeLessThanOrEqual(200);
  return (json.results as { id: string }[]).map((r) => r.id);
}

beforeAll(async () => {
  ({ sandbox, client } = await startSdkSandbox(7, 150));
});

afterAll(async () => {
  await sandbox.close();
});

describe('HubSpot sandbox: search', () => {
  it('filters with every operator the connectors use', async () => {
    const deals = sandbox.world.deals;
    const idOf = (n: number) => String(30_000_000_000 + n);
    const withAmount = deals.filter((d) => d.amount !== null);
    const pivot = withAmount[10]!.amount!;
    expect((await ids([{ propertyName: 'amount', operator: 'GT', value: String(pivot) }])).sort()).toEqual(
      withAmount
        .filter((d) => d.amount! > pivot)
        .map((d) => idOf(d.n))
        .sort(),
    );
    expect((await ids([{ propertyName: 'amount', operator: 'LTE', value: String(pivot) }])).length).toBe(
      withAmount.filter((d) => d.amount! <= pivot).length,
    );
    expect(
      (await ids([{ propertyName: 'amount', operator: 'BETWEEN', value: '10000', highValue: '20000' }]))
        .length,
    ).toBe(withAmount.filter((d) => d.amount! >= 10000 && d.amount! <= 20000).length);
    expect((await ids([{ propertyName: 'dealstage', operator: 'EQ', value: 'closedwon' }])).length).toBe(
      deals.filter((d) => d.stageKey === 'closedwon').length,
    );
    expect(
      (await ids([{ propertyName: 'dealstage', operator: 'IN', values: ['closedwon', 'closedlost'] }]))
        .length,
    ).toBe(deals.filter((d) => d.stageKey === 'closedwon' || d.stageKey === 'closedlost').length);
    const open = await ids([
      {
        propertyName: 'dealstage',
        operator: 'NOT_IN',
        values: ['closedwon', 'closedlost', 'renewal_won', 'renewal_lost'],
      },
      { propertyName: 'pipeline', operator: 'NEQ', value: 'nope' },
    ]);
    expect(open.length).toBe(
      deals.filter((d) => !['closedwon', 'closedlost', 'renewal_won', 'renewal_lost'].includes(d.stageKey))
        .length,
    );
    expect((await ids([{ propertyName: 'hs_next_step', operator: 'HAS_PROPERTY' }])).length).toBe(
      deals.filter((d) => d.nextStep).length,
    );
    expect((await ids([{ propertyName: 'hs_next_step', operator: 'NOT_HAS_PROPERTY' }])).length).toBe(
      deals.filter((d) => !d.nextStep).length,
    );
    const word = deals[0]!.name.split(' ')[0]!.replace(/[^A-Za-z]/g, '');
    const tokenHits = await ids([{ propertyName: 'dealname', operator: 'CONTAINS_TOKEN', value: word }]);
    expect(tokenHits).toContain(idOf(deals[0]!.n));
    const since = deals[5]!.createdAt;
    expect(
      (await ids([{ propertyName: 'createdate', operator: 'GTE', value: String(Date.parse(since)) }])).length,
    ).toBe(deals.filter((d) => Date.parse(d.createdAt) >= Date.parse(since)).length);
  });

  it('ORs filter groups, sorts by strings and by objects, reports total and pages', async () => {
    const both = await search({
      filterGroups: [
        { filters: [{ propertyName: 'dealstage', operator: 'EQ', value: 'closedwon' }] },
        { filters: [{ propertyName: 'dealstage', operator: 'EQ', value: 'closedlost' }] },
      ],
      limit: 1,
    });
    expect(both.json.total).toBe(
      sandbox.world.deals.filter((d) => d.stageKey === 'closedwon' || d.stageKey === 'closedlost').length,
    );
    const asc = await client.crm.deals.searchApi.doSearch({
      filterGroups: [],
      sorts: ['amount'],
      properties: ['amount'],
      limit: 200,
      after: '0',
    });
    const amounts = asc.results
      .map((r) => r.properties.amount)
      .filter((a): a is string => a !== null && a !== undefined)
      .map(Number);
    expect(amounts).toEqual([...amounts].sort((a, b) => a - b));
    const desc = await search({
      sorts: [{ propertyName: 'createdate', direction: 'DESCENDING' }],
      properties: ['createdate'],
      limit: 5,
    });
    const created = (desc.json.results as { properties: { createdate: string } }[]).map((r) =>
      Date.parse(r.properties.createdate),
    );
    expect(created).toEqual([...created].sort((a, b) => b - a));
    const first = await search({ limit: 100, sorts: ['hs_object_id'] });
    const paging = first.json.paging as { next: { after: string } };
    const second = await search({ limit: 100, sorts: ['hs_object_id'], after: paging.next.after });
    const all = [
      ...(first.json.results as { id: string }[]),
      ...(second.json.results as { id: string }[]),
    ].map((r) => r.id);
    expect(new Set(all).size).toBe(150);
    expect(second.json.paging).toBeUndefined();
  });

  it('enforces limit 200, the filter-count limit and the 10,000-result paging window', async () => {
    const tooBig = await apiError(
      client.crm.deals.searchApi.doSearch({
        filterGroups: [],
        sorts: [],
        properties: [],
        limit: 201,
        after: '0',
      }),
    );
    expect(tooBig.code).toBe(400);
    expect(tooBig.body.category).toBe('VALIDATION_ERROR');
    const filters = Array.from({ length: 7 }, () => ({ propertyName: 'amount', operator: 'GT', value: '1' }));
    expect((await search({ filterGroups: [{ filters }] })).status).toBe(400);
    const groups = Array.from({ length: 6 }, () => ({
      filters: [{ propertyName: 'amount', operator: 'GT', value: '1' }],
    }));
    expect((await search({ filterGroups: groups })).status).toBe(400);
    const past = await search({ limit: 100, after: '9950' });
    expect(past.status).toBe(400);
    expect(past.json.status).toBe('error');
    expect((await search({ limit: 100, after: '9900' })).status).toBe(200);
  });
});

describe('HubSpot sandbox: search index lag', () => {
  it('serves the pre-write state to search until the lag has passed, while reads see the write', async () => {
    let now = Date.parse('2026-11-27T12:00:00.000Z');
    const { sandbox: lagged, client: sdk } = await startSdkSandbox(2, 10, {
      clock: () => now,
      searchLagMs: 3000,
    });
    try {
      const find = async (value: string) =>
        (
          await sdk.crm.deals.searchApi.doSearch({
            filterGroups: [{ filters: [{ propertyName: 'hs_next_step', operator: 'EQ' as never, value }] }],
            sorts: [],
            properties: ['hs_next_step'],
            limit: 10,
            after: '0',
          })
        ).results.map((r) => r.id);
      await sdk.crm.deals.basicApi.update('30000000001', { properties: { hs_next_step: 'lagging' } });
      const created = await sdk.crm.deals.basicApi.create({
        properties: { dealname: 'New', hs_next_step: 'lagging' },
        associations: [],
      });
      expect(
        (await sdk.crm.deals.basicApi.getById('30000000001', ['hs_next_step'])).properties.hs_next_step,
      ).toBe('lagging');
      expect(await find('lagging')).toEqual([]);
      now += 3001;
      expect((await find('lagging')).sort()).toEqual(['30000000001', created.id].sort());
    } finally {
      await lagged.close();
    }
  });
});
