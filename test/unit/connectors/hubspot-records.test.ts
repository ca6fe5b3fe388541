import { describe, expect, it } from 'vitest';
import { decodeCursor, encodeCursor } from '../../../connectors/hubspot/hubspot-cursor.ts';
import {
  fromHubSpotProperties,
  toHubSpotProperties,
} from '../../../connectors/hubspot/hubspot-health-properties.ts';
import {
  MappingError,
  mapActivity,
  mapDeal,
  mapPipeline,
  RawObjectSchema,
  stageIndex,
} from '../../../connectors/hubspot/hubspot-records.ts';
import type { HealthFieldValues } from '../../../src/domain/index.ts';
import { AppError } from '../../../src/shared/app-error.ts';

const pipeline = mapPipeline({
  id: 'default',
  label: 'Sales',
  stages: [
    {
      id: 'qualified',
      label: 'Qualified',
      displayOrder: 0,
      metadata: { isClosed: 'false', probability: '0.2' },
    },
    { id: 'won', label: 'Won', displayOrder: 2, metadata: { isClosed: 'true', probability: '1.0' } },
    { id: 'lost', label: 'Lost', displayOrder: 3, metadata: { isClosed: 'true', probability: '0.0' } },
    {
      id: 'proposal',
      label: 'Proposal',
      displayOrder: 1,
      metadata: { isClosed: 'false', probability: '0.6' },
    },
  ],
});
const stages = stageIndex([pipeline]);
const links = { contacts: [], accountId: null };

function rawDeal(
  properties: Record<string, string | null>,
  history: Record<string, { value: string; timestamp: Date }[]> = {},
) {
  return RawObjectSchema.parse({
    id: '30000000001',
    properties: {
      dealname: 'Acme - Platform',
      pipeline: 'default',
      dealstage: 'proposal',
      createdate: '2026-01-01T00:00:00.000Z',
      hs_lastmodifieddate: '2026-03-01T00:00:00.000Z',
      ...properties,
    },
    propertiesWithHistory: history,
    createdAt: new Date('2026-01-01T00:00:00.000Z'),
  });
}

describe('HubSpot record mapping', () => {
  it('orders stages and reads closed/won from stage metadata', () => {
    expect(pipeline.stages.map((s) => s.id)).toEqual(['qualified', 'proposal', 'won', 'lost']);
    expect(pipeline.stages.find((s) => s.id === 'won')).toMatchObject({
      isClosed: true,
      isWon: true,
      probability: 1,
    });
    expect(pipeline.stages.find((s) => s.id === 'lost')).toMatchObject({ isClosed: true, isWon: false });
  });

  it('builds stage history and close-date changes oldest first from property history', () => {
    const deal = mapDeal(
      rawDeal(
        { closedate: '2026-05-01T00:00:00.000Z' },
        {
          dealstage: [
            { value: 'proposal', timestamp: new Date('2026-02-01T00:00:00Z') },
            { value: 'qualified', timestamp: new Date('2026-01-01T00:00:00Z') },
          ],
          closedate: [
            { value: '2026-05-01T00:00:00.000Z', timestamp: new Date('2026-02-10T00:00:00Z') },
            { value: '2026-04-01T00:00:00.000Z', timestamp: new Date('2026-01-01T00:00:00Z') },
          ],
        },
      ),
      stages,
      links,
    );
    expect(deal.stageHistory.map((s) => s.stageId)).toEqual(['qualified', 'proposal']);
    expect(deal.closeDate).toBe('2026-05-01');
    expect(deal.closeDateChanges.at(-1)).toEqual({
      at: '2026-02-10T00:00:00.000Z',
      from: '2026-04-01T00:00:00.000Z',
      to: '2026-05-01T00:00:00.000Z',
    });
    expect(deal.isClosed).toBe(false);
  });

  it('refuses records it cannot trust with a reason', () => {
    expect(() => mapDeal(rawDeal({ dealstage: 'deleted_stage_1' }), stages, links)).toThrow(MappingError);
    expect(() => mapDeal(rawDeal({ amount: 'twelve' }), stages, links)).toThrow(/amount is not a number/);
    expect(() => mapDeal(rawDeal({ createdate: 'yesterday' }), stages, links)).toThrow(/createdate/);
    expect(RawObjectSchema.safeParse({ id: '', properties: {} }).success).toBe(false);
    expect(mapDeal(rawDeal({ amount: null }), stages, links).amount).toBeNull();
  });

  it('maps engagement specifics: email direction, call outcome and duration in seconds', () => {
    const email = mapActivity(
      RawObjectSchema.parse({
        id: '40000000001',
        properties: {
          hs_timestamp: '2026-02-01T10:00:00Z',
          hs_email_direction: 'INCOMING_EMAIL',
          hs_email_subject: 'RE: pricing',
        },
      }),
      'emails',
      ['30000000001'],
      ['10000000001'],
    );
    expect(email).toMatchObject({
      type: 'email',
      direction: 'inbound',
      isReply: true,
      contactIds: ['10000000001'],
    });
    const call = mapActivity(
      RawObjectSchema.parse({
        id: '50000000001',
        properties: {
          hs_timestamp: '2026-02-01T10:00:00Z',
          hs_call_direction: 'OUTBOUND',
          hs_call_status: 'NO_ANSWER',
          hs_call_duration: '65000',
        },
      }),
      'calls',
      [],
      [],
    );
    expect(call).toMatchObject({ direction: 'outbound', callOutcome: 'no_answer', durationSeconds: 65 });
  });
});

describe('health properties', () => {
  it('writes only the tool own properties, whatever the caller passes', () => {
    const values = {
      score: 40,
      band: 'watch',
      dealname: 'hijack',
      amount: 1,
    } as unknown as Partial<HealthFieldValues>;
    expect(toHubSpotProperties(values)).toEqual({ ph_score: '40', ph_band: 'watch' });
    expect(toHubSpotProperties({ winProbability: null })).toEqual({ ph_win_probability: '' });
  });

  it('reads back what it wrote', () => {
    const written = toHubSpotProperties({
      score: 72,
      band: 'healthy',
      scoredAt: '2026-11-27T09:00:00.000Z',
      trend: 'steady',
    });
    expect(fromHubSpotProperties(written)).toEqual({
      score: 72,
      band: 'healthy',
      scoredAt: '2026-11-27T09:00:00.000Z',
      trend: 'steady',
    });
  });
});

describe('cursor', () => {
  it('round-trips and rejects garbage', () => {
    const c = {
      v: 1 as const,
      from: 5,
      until: 10,
      phase: 'deals' as const,
      pos: { ts: 7, ids: ['1'], tieId: null },
      eng: 0,
    };
    expect(decodeCursor(encodeCursor(c))).toEqual(c);
    expect(() => decodeCursor('{"v":2}')).toThrow(AppError);
    expect(() => decodeCursor('not json')).toThrow(/not JSON/);
  });
});
