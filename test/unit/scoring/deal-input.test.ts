import { describe, expect, it } from 'vitest';
import {
  ACT_MEETING,
  activityAt,
  activityBuyers,
  activityContacts,
  activityDueAt,
  activityFlags,
  activityType,
  compileDeal,
  F_INBOUND,
  F_PLANNED,
  isSeniorContact,
} from '../../../src/scoring/deal-input.ts';
import {
  ACCOUNT,
  act,
  buyerEmail,
  CONTACTS,
  daysAgo,
  futureMeeting,
  makeDeal,
  NOW,
  NOW_MS,
  PIPELINE,
  repEmail,
} from './fixtures.ts';

const DAY = 86_400_000;

describe('compileDeal', () => {
  it('parses times once into epoch ms and sorts activities oldest first', () => {
    const input = compileDeal(
      { deal: makeDeal(), activities: [buyerEmail(1), repEmail(5), buyerEmail(3)], pipeline: PIPELINE },
      { asOf: NOW },
    );
    expect(input.asOf).toBe(NOW_MS);
    expect(input.actCount).toBe(3);
    expect([0, 1, 2].map((i) => activityAt(input, i))).toEqual([
      NOW_MS - 5 * DAY,
      NOW_MS - 3 * DAY,
      NOW_MS - DAY,
    ]);
    expect(activityFlags(input, 1) & F_INBOUND).toBe(F_INBOUND);
    expect(activityFlags(input, 0) & F_INBOUND).toBe(0);
    expect(activityDueAt(input, 0)).toBeNaN();
    expect(input.stageId).toBe('proposal');
    expect(input.stageOrder).toBe(2);
    expect(input.stageEnteredAt).toBe(NOW_MS - 7 * DAY);
    expect(input.stageProbability).toBe(0.5);
  });

  it('drops duplicates by id and by type + timestamp + direction', () => {
    const a = buyerEmail(2);
    const sameId = { ...buyerEmail(4), id: a.id };
    const sameKey = { ...a, id: 'other-id' };
    const differentDirection = { ...a, id: 'third', direction: 'outbound' as const };
    const input = compileDeal(
      { deal: makeDeal(), activities: [a, sameId, sameKey, differentDirection] },
      { asOf: NOW },
    );
    expect(input.actCount).toBe(2);
    expect(input.diagnostics.duplicate).toBe(2);
  });

  it('drops activities dated after asOf, keeping scheduled meetings within the horizon only', () => {
    const activities = [
      repEmail(-3), // a future-dated email: a data error
      futureMeeting(10, ['c1']),
      futureMeeting(90, ['c1']), // beyond the default 60-day horizon
      act({ type: 'meeting', occurredAt: daysAgo(-5), meetingOutcome: 'completed' }), // "held" in the future
    ];
    const live = compileDeal({ deal: makeDeal(), activities }, { asOf: NOW });
    expect(live.actCount).toBe(1);
    expect(activityType(live, 0)).toBe(ACT_MEETING);
    expect(activityFlags(live, 0) & F_PLANNED).toBe(F_PLANNED);
    expect(live.diagnostics.future).toBe(3);
    const strict = compileDeal({ deal: makeDeal(), activities }, { asOf: NOW, futureHorizonDays: 0 });
    expect(strict.actCount).toBe(0);
    expect(strict.diagnostics.future).toBe(4);
  });

  it('keeps only the latest maxActivities and counts the rest as truncated', () => {
    const activities = Array.from({ length: 1200 }, (_, i) => repEmail(1 + i / 10));
    const input = compileDeal({ deal: makeDeal(), activities }, { asOf: NOW, maxActivities: 500 });
    expect(input.actCount).toBe(500);
    expect(input.diagnostics.truncated).toBe(700);
    expect(activityAt(input, 499)).toBe(NOW_MS - DAY);
    expect(activityAt(input, 0)).toBeGreaterThan(NOW_MS - 52 * DAY);
  });

  it('counts unparsable timestamps instead of throwing', () => {
    const bad = { ...buyerEmail(1), occurredAt: 'not a date' };
    const deal = makeDeal({ stageHistory: [{ stageId: 'proposal', enteredAt: 'garbage' }] });
    const input = compileDeal({ deal, activities: [bad, repEmail(2)], pipeline: PIPELINE }, { asOf: NOW });
    expect(input.actCount).toBe(1);
    expect(input.diagnostics.invalid).toBe(2);
    // No usable history, but the snapshot is current: the stage is known, its entry time approximated.
    expect(input.stageId).toBe('proposal');
    expect(input.stageEnteredApprox).toBe(true);
  });

  it('marks stages the pipeline does not have as unknown (order -1)', () => {
    const deal = makeDeal({
      stageHistory: [{ stageId: 'mystery', enteredAt: daysAgo(3) }],
      stageId: 'mystery',
    });
    const input = compileDeal({ deal, activities: [], pipeline: PIPELINE }, { asOf: NOW });
    expect(input.stageOrder).toBe(-1);
    expect(input.diagnostics.unknownStages).toBe(1);
    const noPipeline = compileDeal({ deal: makeDeal(), activities: [] }, { asOf: NOW });
    expect(noPipeline.stageOrder).toBe(-1);
    expect(noPipeline.pipeline).toBeNull();
  });

  it('keeps missing amount and close date as NaN', () => {
    const input = compileDeal(
      { deal: makeDeal({ amount: null, closeDate: null }), activities: [] },
      { asOf: NOW },
    );
    expect(input.amount).toBeNaN();
    expect(input.closeDate).toBeNaN();
  });

  it('reconstructs stage, amount, close date and next step as of an earlier moment from history', () => {
    const closedAt = NOW_MS - 2 * DAY;
    const deal = makeDeal({
      stageId: 'lost',
      isClosed: true,
      isWon: false,
      amount: 0,
      closeDate: daysAgo(2).slice(0, 10),
      closedAt: daysAgo(2),
      updatedAt: daysAgo(2),
      nextStep: 'Closed - lost to competitor',
      nextStepUpdatedAt: daysAgo(2),
      stageHistory: [
        { stageId: 'qualify', enteredAt: daysAgo(60) },
        { stageId: 'proposal', enteredAt: daysAgo(30) },
        { stageId: 'discovery', enteredAt: daysAgo(20) },
        { stageId: 'lost', enteredAt: daysAgo(2) },
      ],
      amountChanges: [
        { at: daysAgo(25), from: '50000', to: '30000' },
        { at: daysAgo(2), from: '30000', to: '0' },
      ],
      closeDateChanges: [
        { at: daysAgo(40), from: '2026-05-01', to: '2026-05-10' },
        { at: daysAgo(2), from: '2026-05-10', to: daysAgo(2).slice(0, 10) },
      ],
    });
    const cutoff = closedAt - 14 * DAY;
    const input = compileDeal({ deal, activities: [], pipeline: PIPELINE }, { asOf: cutoff });
    expect(input.stageId).toBe('discovery');
    expect(input.isClosed).toBe(false);
    expect(input.closedAt).toBeNaN();
    expect(input.amount).toBe(30_000);
    expect(input.maxAmount).toBe(50_000);
    expect(input.amountCuts).toBe(1);
    expect(input.stageRegressions).toBe(1);
    expect(input.closeDate).toBe(Date.parse('2026-05-10T00:00:00Z'));
    expect(input.closePushes).toBe(1);
    expect(input.closePushDays).toBe(9);
    expect(input.nextStepState).toBe(-1); // updated after the cut-off: not known then

    const atClose = compileDeal({ deal, activities: [], pipeline: PIPELINE }, { asOf: NOW });
    expect(atClose.isClosed).toBe(true);
    expect(atClose.closedAt).toBe(closedAt);
    expect(atClose.amount).toBe(0);
  });

  it('does not treat a closed-record stage as known before the record was last updated', () => {
    const deal = makeDeal({
      stageId: 'won',
      isClosed: true,
      isWon: true,
      stageHistory: [],
      updatedAt: daysAgo(1),
    });
    const input = compileDeal({ deal, activities: [], pipeline: PIPELINE }, { asOf: NOW_MS - 30 * DAY });
    expect(input.stageId).toBeNull();
    expect(input.isClosed).toBe(false);
  });

  it('builds a contact table with senior flags from titles and deal roles', () => {
    const deal = makeDeal({ contacts: [{ contactId: 'c3', role: 'Economic Buyer', isPrimary: false }] });
    const input = compileDeal(
      { deal, activities: [buyerEmail(1, ['c1', 'c2', 'c9'])], contacts: CONTACTS, account: ACCOUNT },
      { asOf: NOW },
    );
    expect(input.contactIds).toEqual(['c3', 'c1', 'c2', 'c9']);
    expect(Array.from(input.contactSenior)).toEqual([1, 1, 0, 0]);
    expect(activityBuyers(input, 0)).toBe(3);
    expect(Array.from(activityContacts(input, 0))).toEqual([1, 2, 3]);
    expect(input.industry).toBe('software');
    expect(input.accountProfileFields).toBe(2);
  });

  it('recognises senior titles and decision roles', () => {
    expect(isSeniorContact('Chief Financial Officer', null)).toBe(true);
    expect(isSeniorContact('VP Sales', null)).toBe(true);
    expect(isSeniorContact('Head of IT', null)).toBe(true);
    expect(isSeniorContact('Engineer', 'Decision Maker')).toBe(true);
    expect(isSeniorContact('Engineer', 'Influencer')).toBe(false);
    expect(isSeniorContact(null, null)).toBe(false);
  });

  it('rejects an unreadable asOf (a programming error, not messy data)', () => {
    expect(() => compileDeal({ deal: makeDeal(), activities: [] }, { asOf: 'yesterday' })).toThrow(
      RangeError,
    );
  });
});
