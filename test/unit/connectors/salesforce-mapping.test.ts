import { describe, expect, it } from 'vitest';
import {
  SALESFORCE_HEALTH_FIELD_NAMES,
  toSalesforceHealthValues,
} from '../../../connectors/salesforce/salesforce-health-fields.ts';
import { buildActivities, mapOpportunity } from '../../../connectors/salesforce/salesforce-mapping.ts';
import {
  RawEmailSchema,
  RawEventSchema,
  RawFieldHistorySchema,
  RawHistorySchema,
  RawTaskSchema,
} from '../../../connectors/salesforce/salesforce-records.ts';

const AT = '2026-03-01T00:00:00.000Z';
const OPP = '006000000000001AAA';

function opportunity(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    attributes: { type: 'Opportunity', url: '/x' },
    Id: OPP,
    Name: 'Acme - Platform',
    StageName: 'Negotiation',
    Amount: 1000,
    CloseDate: '2026-04-01',
    IsClosed: false,
    IsWon: false,
    NextStep: 'Call CFO',
    OwnerId: '005000000000001AAA',
    AccountId: '001000000000001AAA',
    CreatedDate: '2026-01-01T10:00:00.000+0000',
    LastModifiedDate: '2026-02-01T10:00:00.000+0000',
    SystemModstamp: '2026-02-01T10:00:00.000+0000',
    Budget__c: true,
    ...overrides,
  };
}

const ctx = { knownStages: new Set(['Qualification', 'Negotiation']), extraFields: ['Budget__c'], at: AT };
const history = [
  {
    Id: '008000000000002AAA',
    OpportunityId: OPP,
    StageName: 'Negotiation',
    Amount: 800,
    CloseDate: '2026-04-01',
    CreatedDate: '2026-01-20T00:00:00.000+0000',
  },
  {
    Id: '008000000000001AAA',
    OpportunityId: OPP,
    StageName: 'Qualification',
    Amount: 1000,
    CloseDate: '2026-03-01',
    CreatedDate: '2026-01-01T10:00:00.000+0000',
  },
].map((h) => RawHistorySchema.parse(h));

describe('mapOpportunity', () => {
  it('builds stage history oldest first and derives close date and amount changes from snapshots', () => {
    const result = mapOpportunity(opportunity(), { history, fieldHistory: [], roles: [] }, ctx);
    if (!('deal' in result)) throw new Error(result.quarantined.reason);
    expect(result.deal.stageHistory.map((s) => s.stageId)).toEqual(['Qualification', 'Negotiation']);
    expect(result.deal.createdAt).toBe('2026-01-01T10:00:00.000Z');
    expect(result.deal.closeDateChanges).toEqual([
      { at: '2026-01-20T00:00:00.000Z', from: '2026-03-01', to: '2026-04-01' },
    ]);
    expect(result.deal.amountChanges).toEqual([{ at: '2026-01-20T00:00:00.000Z', from: '1000', to: '800' }]);
    expect(result.deal.fields).toEqual({ Budget__c: true });
  });

  it('prefers field history when the org tracks the field', () => {
    const fieldHistory = [
      RawFieldHistorySchema.parse({
        Id: '017000000000001AAA',
        OpportunityId: OPP,
        Field: 'CloseDate',
        OldValue: '2026-02-01',
        NewValue: '2026-04-01',
        CreatedDate: '2026-01-15T00:00:00.000+0000',
      }),
    ];
    const result = mapOpportunity(opportunity(), { history, fieldHistory, roles: [] }, ctx);
    if (!('deal' in result)) throw new Error('quarantined');
    expect(result.deal.closeDateChanges).toEqual([
      { at: '2026-01-15T00:00:00.000Z', from: '2026-02-01', to: '2026-04-01' },
    ]);
  });

  it('quarantines bad records with a reason instead of throwing', () => {
    const cases: [Record<string, unknown>, string][] = [
      [opportunity({ StageName: 'Deleted Stage' }), 'not an OpportunityStage'],
      [opportunity({ CloseDate: '01/04/2026' }), 'CloseDate'],
      [opportunity({ Name: null }), 'Name'],
      [opportunity({ CreatedDate: 'yesterday' }), 'CreatedDate'],
      [opportunity({ Budget__c: { nested: true } }), 'Budget__c'],
    ];
    for (const [raw, reason] of cases) {
      const result = mapOpportunity(raw, { history: [], fieldHistory: [], roles: [] }, ctx);
      expect(result).toHaveProperty('quarantined');
      if ('quarantined' in result) {
        expect(result.quarantined.reason).toContain(reason);
        expect(result.quarantined.recordId).toBe(OPP);
        expect(result.quarantined.raw).not.toHaveProperty('attributes');
      }
    }
  });
});

describe('buildActivities', () => {
  const task = (overrides: Record<string, unknown>) =>
    RawTaskSchema.parse({
      Id: '00T000000000001AAA',
      WhatId: OPP,
      WhoId: '003000000000001AAA',
      Subject: 'Call',
      ActivityDate: '2026-02-02',
      Status: 'Completed',
      IsClosed: true,
      TaskSubtype: 'Call',
      Type: 'Call',
      CallType: 'Inbound',
      CallDurationInSeconds: 120,
      CallDisposition: 'Connected',
      Description: 'notes',
      OwnerId: '005000000000001AAA',
      CreatedDate: '2026-02-02T10:00:00.000+0000',
      SystemModstamp: '2026-02-02T10:00:00.000+0000',
      ...overrides,
    });

  it('maps calls, merges an email with its task, skips our own alert tasks, and marks future meetings scheduled', () => {
    const emailTask = task({
      Id: '00T000000000002AAA',
      TaskSubtype: 'Email',
      Type: 'Email',
      Subject: 'Email: Re: pricing',
    });
    const alertTask = task({
      Id: '00T000000000003AAA',
      TaskSubtype: 'Task',
      Type: null,
      PH_Alert_Key__c: 't:006:buyer_silent',
    });
    const email = RawEmailSchema.parse({
      Id: '02s000000000001AAA',
      RelatedToId: OPP,
      ActivityId: '00T000000000002AAA',
      Incoming: true,
      MessageDate: '2026-02-03T09:00:00.000+0000',
      Subject: 'Re: pricing',
      TextBody: 'hello',
      CreatedDate: '2026-02-03T09:00:00.000+0000',
      SystemModstamp: '2026-02-03T09:00:00.000+0000',
    });
    const event = RawEventSchema.parse({
      Id: '00U000000000001AAA',
      WhatId: OPP,
      WhoId: null,
      Subject: 'Review',
      StartDateTime: '2026-03-05T09:00:00.000+0000',
      EndDateTime: '2026-03-05T10:00:00.000+0000',
      DurationInMinutes: 60,
      Description: null,
      OwnerId: '005000000000001AAA',
      CreatedDate: '2026-02-01T09:00:00.000+0000',
      SystemModstamp: '2026-02-01T09:00:00.000+0000',
    });
    const { activities, quarantined } = buildActivities({
      tasks: [task({}), emailTask, alertTask],
      events: [event],
      emails: [email],
      attendees: new Map([[event.Id, ['003000000000009AAA', '005000000000001AAA']]]),
      eventOutcomes: new Map(),
      now: new Date(AT),
      at: AT,
    });
    expect(quarantined).toEqual([]);
    const byId = new Map(activities.map((a) => [a.id, a]));
    expect(activities).toHaveLength(3);
    expect(byId.get('00T000000000001AAA')).toMatchObject({
      type: 'call',
      direction: 'inbound',
      callOutcome: 'connected',
      durationSeconds: 120,
    });
    expect(byId.get('00T000000000002AAA')).toMatchObject({
      type: 'email',
      direction: 'inbound',
      isReply: true,
      contactIds: ['003000000000001AAA'],
      occurredAt: '2026-02-03T09:00:00.000Z',
    });
    expect(byId.get(event.Id)).toMatchObject({
      type: 'meeting',
      meetingOutcome: 'scheduled',
      contactIds: ['003000000000009AAA'],
    });
    expect(byId.has('00T000000000003AAA')).toBe(false);
  });
});

describe('toSalesforceHealthValues', () => {
  it('maps only the given keys to PH_ fields and never anything else', () => {
    const values = toSalesforceHealthValues({ score: 42, trend: null });
    expect(values).toEqual({ PH_Score__c: 42, PH_Trend__c: null });
    const all = toSalesforceHealthValues({
      score: 1,
      band: 'watch',
      winProbability: 0.5,
      reasons: 'r',
      trend: 'steady',
      scoredAt: AT,
      modelVersion: 'm',
      openCommunication: 'ok',
      frequentAccess: 'weak',
      knowledgeSharing: 'strong',
      jointPlanning: 'unknown',
      industryUnderstanding: 'ok',
      satisfaction: 'ok',
      trust: 'weak',
    });
    expect(Object.keys(all).sort()).toEqual(Object.values(SALESFORCE_HEALTH_FIELD_NAMES).sort());
    expect(Object.keys(all).every((k) => /^PH_[A-Za-z_]+__c$/.test(k))).toBe(true);
  });
});
