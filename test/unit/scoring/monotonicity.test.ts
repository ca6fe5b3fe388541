import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Activity } from '../../../src/domain/index.ts';
import { scoreDeal } from '../../../src/scoring/combine.ts';
import { createScoringContext } from '../../../src/scoring/context.ts';
import { compileDeal, type DealRecord } from '../../../src/scoring/deal-input.ts';
import {
  ACCOUNT,
  act,
  buyerEmail,
  CONTACTS,
  connectedCall,
  daysAgo,
  futureMeeting,
  heldMeeting,
  makeDeal,
  NOW,
  PIPELINE,
  repEmail,
} from './fixtures.ts';

// Monotonicity from the indicators' definitions (shared/design/INDICATORS.md): more of the
// behaviour an indicator measures never makes that indicator worse.

const contactIds = fc.subarray(['c1', 'c2', 'c3'], { minLength: 1 });

/** One past or planned touch, as the CRM logs them. */
const touch: fc.Arbitrary<Activity> = fc.oneof(
  fc.tuple(fc.integer({ min: 1, max: 120 }), contactIds).map(([d, c]) => buyerEmail(d, c)),
  fc.tuple(fc.integer({ min: 1, max: 120 }), contactIds).map(([d, c]) => repEmail(d, c)),
  fc
    .tuple(fc.integer({ min: 1, max: 120 }), contactIds, fc.nat(2000))
    .map(([d, c, len]) => heldMeeting(d, c, len)),
  fc.tuple(fc.integer({ min: 1, max: 50 }), contactIds).map(([d, c]) => futureMeeting(d, c)),
  fc.tuple(fc.integer({ min: 1, max: 120 }), contactIds).map(([d, c]) => connectedCall(d, c)),
  fc
    .tuple(fc.integer({ min: 1, max: 60 }), fc.integer({ min: -20, max: 20 }))
    .map(([d, due]) =>
      act({ type: 'task', occurredAt: daysAgo(d), taskStatus: 'open', dueAt: daysAgo(due) }),
    ),
  fc.integer({ min: 1, max: 120 }).map((d) => act({ type: 'note', occurredAt: daysAgo(d), bodyLength: 400 })),
);

const record: fc.Arbitrary<DealRecord> = fc
  .record({
    activities: fc.array(touch, { maxLength: 25 }),
    stage: fc.constantFrom('qualify', 'discovery', 'proposal', 'negotiation'),
    roles: fc.subarray(['c1', 'c2', 'c3']),
  })
  .map(({ activities, stage, roles }) => ({
    deal: makeDeal({
      stageId: stage,
      contacts: roles.map((contactId, i) => ({
        contactId,
        role: i === 0 ? 'Decision Maker' : 'Influencer',
        isPrimary: i === 0,
      })),
    }),
    activities,
    contacts: CONTACTS,
    account: ACCOUNT,
    pipeline: PIPELINE,
  }));

function subScore(r: DealRecord, key: string): number {
  const result = scoreDeal(compileDeal(r, { asOf: NOW }), createScoringContext({ asOf: NOW }));
  const indicator = result.indicators.find((i) => i.key === key);
  if (indicator === undefined) throw new Error(`no indicator ${key}`);
  return indicator.subScore;
}

describe('scoring monotonicity', () => {
  it('a buyer reply newer than every logged touch never lowers open communication', () => {
    fc.assert(
      fc.property(record, contactIds, fc.integer({ min: 0, max: 23 }), (r, from, hoursAgo) => {
        const now = Date.parse(NOW);
        const past = r.activities.map((a) => Date.parse(a.occurredAt)).filter((t) => t <= now);
        const at = Math.min(now, Math.max(Math.max(0, ...past) + 60_000, now - hoursAgo * 3_600_000));
        const reply = { ...buyerEmail(0, from), occurredAt: new Date(at).toISOString() };
        const before = subScore(r, 'open_communication');
        const after = subScore({ ...r, activities: [...r.activities, reply] }, 'open_communication');
        expect(after).toBeGreaterThanOrEqual(before);
      }),
      { numRuns: 300 },
    );
  });

  it('booking a meeting with buyer contacts never lowers joint planning', () => {
    fc.assert(
      fc.property(record, contactIds, fc.integer({ min: 1, max: 30 }), (r, attendees, daysAhead) => {
        const before = subScore(r, 'joint_planning');
        const booked = futureMeeting(daysAhead, attendees);
        const after = subScore({ ...r, activities: [...r.activities, booked] }, 'joint_planning');
        expect(after).toBeGreaterThanOrEqual(before);
      }),
      { numRuns: 300 },
    );
  });
});
