// Requests as HubSpot documents them, and request forms other clients send. Sources:
// - Properties API guide, "Property type and fieldType values"
//   (https://developers.hubspot.com/docs/api/crm/properties): both are required and only some pairs
//   are valid (bool: booleancheckbox, calculation_equation; enumeration: booleancheckbox, checkbox,
//   radio, select, calculation_equation; date/datetime: date; string: file, text, textarea,
//   calculation_equation, html, phonenumber; number: number, calculation_equation).
// - Search reference (https://developers.hubspot.com/docs/api-reference/2026-03/crm/objects/custom-objects/search/search-custom-objects):
//   the body is { after, filterGroups: [{ filters }], limit, properties, sorts, query }; there is no
//   top-level `filters` (docs/SANDBOX.md: the sandbox refuses it rather than ignore it).
// - The number of values one IN / NOT_IN filter may carry is not stated in the docs we found; the
//   sandbox allows 100 (docs/SANDBOX.md, "assumed").
// - Legacy properties API v2 (GET /properties/v2/{object}/properties) answers a JSON array of definitions.
// - Associations v4 between standard objects: an object the account has none of answers with no
//   associations (the same 207 NO_ASSOCIATIONS_FOUND form as any record without associations), not 400.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HubSpotSandboxHandle } from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { startSdkSandbox } from './hubspot-sandbox.fixture.ts';

let sandbox: HubSpotSandboxHandle;

beforeAll(async () => {
  ({ sandbox } = await startSdkSandbox(81, 30));
});

afterAll(async () => {
  await sandbox.close();
});

// biome-ignore lint/suspicious/noExplicitAny: answers are inspected loosely
type Json = any;

async function send(method: string, path: string, body?: unknown): Promise<{ status: number; json: Json }> {
  const res = await fetch(`${sandbox.baseUrl}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${sandbox.accessToken}`,
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: await res.json() };
}

describe('HubSpot sandbox: property type/fieldType pairs (properties API guide)', () => {
  const create = (name: string, type: string, fieldType: string) =>
    send('POST', '/crm/v3/properties/deals', {
      name,
      label: name,
      groupName: 'dealinformation',
      type,
      fieldType,
      ...(type === 'enumeration'
        ? { options: [{ label: 'A', value: 'a', hidden: false, displayOrder: 0 }] }
        : {}),
    });

  it('accepts the documented pairs', async () => {
    const pairs = [
      ['number', 'number'],
      ['string', 'text'],
      ['string', 'textarea'],
      ['enumeration', 'select'],
      ['enumeration', 'radio'],
      ['enumeration', 'checkbox'],
      ['datetime', 'date'],
      ['date', 'date'],
      ['bool', 'booleancheckbox'],
    ];
    for (const [i, [type, fieldType]] of pairs.entries()) {
      const res = await create(`ok_pair_${i}`, type!, fieldType!);
      expect(res.status, `${type}/${fieldType}`).toBe(201);
    }
  });

  it('refuses pairs the guide does not list, with a VALIDATION_ERROR', async () => {
    for (const [i, [type, fieldType]] of [
      ['number', 'text'],
      ['string', 'select'],
      ['enumeration', 'text'],
      ['datetime', 'text'],
      ['bool', 'checkbox'],
      ['string', 'nonsense'],
    ].entries()) {
      const res = await create(`bad_pair_${i}`, type!, fieldType!);
      expect(res.status, `${type}/${fieldType}`).toBe(400);
      expect(res.json.category).toBe('VALIDATION_ERROR');
    }
  });

  it('keeps option `hidden` as sent', async () => {
    const res = await send('POST', '/crm/v3/properties/deals', {
      name: 'hidden_opt',
      label: 'x',
      groupName: 'dealinformation',
      type: 'enumeration',
      fieldType: 'select',
      options: [
        { label: 'A', value: 'a', hidden: true, displayOrder: 0 },
        { label: 'B', value: 'b', hidden: false, displayOrder: 1 },
      ],
    });
    expect(res.json.options.map((o: { hidden: boolean }) => o.hidden)).toEqual([true, false]);
  });
});

describe('HubSpot sandbox: search request forms', () => {
  it('refuses an IN / NOT_IN filter with more than 100 values and accepts 100', async () => {
    const values = (n: number) => Array.from({ length: n }, (_, i) => String(i + 1));
    for (const operator of ['IN', 'NOT_IN']) {
      const ok = await send('POST', '/crm/v3/objects/deals/search', {
        filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator, values: values(100) }] }],
        limit: 1,
      });
      expect(ok.status).toBe(200);
      const tooMany = await send('POST', '/crm/v3/objects/deals/search', {
        filterGroups: [{ filters: [{ propertyName: 'hs_object_id', operator, values: values(101) }] }],
        limit: 1,
      });
      expect(tooMany.status).toBe(400);
      expect(tooMany.json.category).toBe('VALIDATION_ERROR');
    }
  });

  it('accepts the documented body with after and sorts', async () => {
    const res = await send('POST', '/crm/v3/objects/deals/search', {
      filterGroups: [],
      sorts: ['hs_object_id'],
      properties: ['dealname'],
      limit: 5,
      after: '0',
    });
    expect(res.status).toBe(200);
    expect(res.json.results).toHaveLength(5);
  });

  it('does not silently ignore a top-level `filters` array (not in the documented body): 400', async () => {
    const res = await send('POST', '/crm/v3/objects/deals/search', {
      filters: [{ propertyName: 'dealname', operator: 'EQ', value: 'nothing like this' }],
      limit: 5,
    });
    expect(res.status).toBe(400);
    expect(res.json.category).toBe('VALIDATION_ERROR');
    expect(res.json.message).toContain('filters');
  });
});

describe('HubSpot sandbox: request forms other clients send', () => {
  it('serves the legacy GET /properties/v2/deals/properties as an array of definitions', async () => {
    const res = await send('GET', '/properties/v2/deals/properties');
    expect(res.status).toBe(200);
    expect(Array.isArray(res.json)).toBe(true);
    const stage = res.json.find((p: { name: string }) => p.name === 'dealstage');
    expect(stage).toMatchObject({ type: 'enumeration', fieldType: 'select', groupName: 'dealinformation' });
    expect(stage.options.length).toBeGreaterThan(0);
  });

  it('answers v4 association reads to tickets, line_items and products with no associations, not 400', async () => {
    const deals = await send('GET', '/crm/v3/objects/deals?limit=2');
    const ids = deals.json.results.map((d: { id: string }) => d.id);
    for (const to of ['tickets', 'line_items', 'products']) {
      const batch = await send('POST', `/crm/v4/associations/deals/${to}/batch/read`, {
        inputs: ids.map((id: string) => ({ id })),
      });
      expect(batch.status, to).toBe(207);
      expect(batch.json.results).toEqual([]);
      expect(batch.json.errors).toHaveLength(ids.length);
      const one = await send('GET', `/crm/v4/objects/deals/${ids[0]}/associations/${to}`);
      expect(one.status, to).toBe(200);
      expect(one.json.results).toEqual([]);
    }
  });
});
