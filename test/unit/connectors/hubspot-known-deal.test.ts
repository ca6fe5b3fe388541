import { describe, expect, it } from 'vitest';
import { knownDealUnchanged } from '../../../connectors/hubspot/hubspot-known-deal.ts';
import {
  mapDeal,
  mapPipeline,
  RawObjectSchema,
  stageIndex,
} from '../../../connectors/hubspot/hubspot-records.ts';

const stages = stageIndex([
  mapPipeline({
    id: 'default',
    label: 'Sales',
    stages: [
      {
        id: 'qualified',
        label: 'Qualified',
        displayOrder: 0,
        metadata: { isClosed: 'false', probability: '0.2' },
      },
      {
        id: 'proposal',
        label: 'Proposal',
        displayOrder: 1,
        metadata: { isClosed: 'false', probability: '0.6' },
      },
    ],
  }),
]);
const READ_AT = '2026-03-01T00:00:00.000Z';
const WRITE_BACK_AT = '2026-03-01T00:10:00.000Z';
const contacts = [
  { contactId: '10000000001', role: null, isPrimary: false },
  { contactId: '10000000002', role: null, isPrimary: false },
];

function raw(
  properties: Record<string, string | null> = {},
  contactCountVersions: { value: string; timestamp: string }[] = [
    { value: '2', timestamp: '2026-01-01T00:00:00Z' },
  ],
) {
  return RawObjectSchema.parse({
    id: '30000000001',
    properties: {
      dealname: 'Acme - Platform',
      pipeline: 'default',
      dealstage: 'proposal',
      amount: '12000',
      createdate: '2026-01-01T00:00:00.000Z',
      hs_lastmodifieddate: READ_AT,
      num_associated_contacts: contactCountVersions[0]?.value ?? null,
      budget_allocated: 'true',
      ...properties,
    },
    propertiesWithHistory: {
      dealstage: [
        { value: 'proposal', timestamp: '2026-02-01T00:00:00Z' },
        { value: 'qualified', timestamp: '2026-01-01T00:00:00Z' },
      ],
      amount: [{ value: properties.amount ?? '12000', timestamp: '2026-01-01T00:00:00Z' }],
      num_associated_contacts: contactCountVersions,
    },
  });
}

const extra = ['budget_allocated'];
const stored = mapDeal(raw(), stages, { contacts, accountId: '20000000001' }, extra);

describe('knownDealUnchanged (HubSpot)', () => {
  it('is true when only hs_lastmodifieddate moved (our write-back)', () => {
    expect(knownDealUnchanged(raw({ hs_lastmodifieddate: WRITE_BACK_AT }), stored, stages, extra)).toBe(true);
  });

  it('is false when a property we map changed', () => {
    const changed = raw({ hs_lastmodifieddate: WRITE_BACK_AT, amount: '15000' });
    expect(knownDealUnchanged(changed, stored, stages, extra)).toBe(false);
    expect(knownDealUnchanged(raw({ budget_allocated: 'false' }), stored, stages, extra)).toBe(false);
  });

  it('is false when a contact was associated or removed since the stored read', () => {
    const added = raw({ hs_lastmodifieddate: WRITE_BACK_AT }, [
      { value: '3', timestamp: '2026-03-01T00:05:00Z' },
      { value: '2', timestamp: '2026-01-01T00:00:00Z' },
    ]);
    expect(knownDealUnchanged(added, stored, stages, extra)).toBe(false);
    // One added and another removed: the count is the same, its history says it moved.
    const swapped = raw({ hs_lastmodifieddate: WRITE_BACK_AT }, [
      { value: '2', timestamp: '2026-03-01T00:06:00Z' },
      { value: '3', timestamp: '2026-03-01T00:05:00Z' },
      { value: '2', timestamp: '2026-01-01T00:00:00Z' },
    ]);
    expect(knownDealUnchanged(swapped, stored, stages, extra)).toBe(false);
  });

  it('assumes nothing without the contact count or its history', () => {
    expect(knownDealUnchanged(raw({ num_associated_contacts: null }), stored, stages, extra)).toBe(false);
    const noHistory = RawObjectSchema.parse({ ...raw(), propertiesWithHistory: {} });
    expect(knownDealUnchanged(noHistory, stored, stages, extra)).toBe(false);
  });

  it('is false for a record that cannot be mapped (the full read quarantines it)', () => {
    expect(knownDealUnchanged(raw({ dealstage: 'deleted_stage' }), stored, stages, extra)).toBe(false);
  });
});
