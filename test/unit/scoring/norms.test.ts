import { describe, expect, it } from 'vitest';
import { compileDeal } from '../../../src/scoring/deal-input.ts';
import {
  DEFAULT_NORMS,
  defaultNorms,
  learnNorms,
  NormsLearner,
  NormsSchema,
  outcomeOf,
  prepareNorms,
} from '../../../src/scoring/norms.ts';
import { buyerEmail, daysAgo, heldMeeting, makeDeal, NOW, NOW_MS, PIPELINE } from './fixtures.ts';

const DAY = 86_400_000;

function historyDeal(i: number, proposalDays: number) {
  return compileDeal(
    {
      deal: makeDeal({
        id: `h${i}`,
        stageHistory: [
          { stageId: 'discovery', enteredAt: daysAgo(100) },
          { stageId: 'proposal', enteredAt: daysAgo(60) },
          { stageId: 'negotiation', enteredAt: daysAgo(60 - proposalDays) },
        ],
      }),
      // Two held meetings while in Proposal.
      activities: [
        heldMeeting(58, ['c1']),
        heldMeeting(56, ['c2']),
        buyerEmail(20),
        buyerEmail(15),
        buyerEmail(11),
      ],
      pipeline: PIPELINE,
    },
    { asOf: NOW },
  );
}

describe('learnNorms', () => {
  it('learns stage medians, buyer reply gaps and two-way touch rates per stage', () => {
    const inputs = [10, 20, 30, 40, 50].map((d, i) => historyDeal(i, d));
    const norms = learnNorms(inputs, []);
    expect(norms.stageDays).toContainEqual({ pipelineId: 'sales', stageId: 'proposal', median: 30, n: 5 });
    expect(norms.stageDays).toContainEqual({ pipelineId: 'sales', stageId: 'discovery', median: 40, n: 5 });
    // Gaps of 5 and 4 days in each deal.
    expect(norms.replyGapDays).toEqual({ median: 4.5, n: 10 });
    const p = prepareNorms(norms);
    expect(p.stageDays('sales', 'proposal')).toEqual({ value: 30, learned: true, n: 5 });
    // Touches per 30 days in Proposal: 2 meetings in 10, 20, 30 days (6, 3, 2), 2 meetings in 40
    // days (1.5), 2 meetings + 3 buyer emails in 50 days (3): median 3.
    expect(p.twoWayPer30('sales', 'proposal').value).toBe(3);
    expect(norms.learnedFrom.deals).toBe(5);
  });

  it('sums the usual days of the open stages after a stage, per pipeline id asked', () => {
    const inputs = [10, 20, 30, 40, 50].map((d, i) => historyDeal(i, d));
    const p = prepareNorms(learnNorms(inputs, []));
    const pipeline = historyDeal(9, 10).pipeline!;
    const d = DEFAULT_NORMS.stageDays;
    // After Qualify: Discovery (learned 40) + Proposal (learned 30) + Negotiation (default).
    expect(p.laterStagesDays('sales', pipeline, 0)).toBe(40 + 30 + d);
    expect(p.laterStagesDays('sales', pipeline, 2)).toBe(d);
    expect(p.laterStagesDays('sales', pipeline, 3)).toBe(0);
    // Asked again (memoized) the answer is the same; under another pipeline id, nothing is learned.
    expect(p.laterStagesDays('sales', pipeline, 0)).toBe(40 + 30 + d);
    expect(p.laterStagesDays('other', pipeline, 0)).toBe(3 * d);
  });

  it('falls back to documented defaults when history is thin, and says it did', () => {
    const p = prepareNorms(learnNorms([historyDeal(0, 10)], []));
    expect(p.stageDays('sales', 'proposal')).toEqual({
      value: DEFAULT_NORMS.stageDays,
      learned: false,
      n: 1,
    });
    expect(p.replyGapDays().learned).toBe(false);
    expect(p.replyGapDays().value).toBe(DEFAULT_NORMS.replyGapDays);
    expect(p.twoWayPer30('sales', 'unknown').value).toBe(DEFAULT_NORMS.twoWayPer30);
    expect(defaultNorms().learnedFrom).toEqual({ deals: 0, closedDeals: 0 });
  });

  it('counts only outcomes closed before the moment asked about', () => {
    const outcome = (days: number, won: boolean, industry: string | null = 'software') => ({
      ownerId: 'o1',
      accountId: 'a1',
      industry,
      closedAt: NOW_MS - days * DAY,
      won,
    });
    const norms = learnNorms(
      [],
      [outcome(50, true), outcome(40, false), outcome(30, true, 'retail'), outcome(10, true)],
    );
    const p = prepareNorms(norms);
    expect(p.owner('o1', 'software', NOW_MS)).toMatchObject({ won: 2, lost: 1 });
    expect(p.owner('o1', 'software', NOW_MS - 20 * DAY)).toMatchObject({ won: 1, lost: 1 });
    expect(p.owner('o1', null, NOW_MS)).toMatchObject({ won: 3, lost: 1 });
    expect(p.account('a1', NOW_MS - 45 * DAY)).toMatchObject({
      won: 1,
      lost: 0,
      firstWonAt: NOW_MS - 50 * DAY,
    });
    expect(p.account('a1', NOW_MS - 60 * DAY).won).toBe(0);
    expect(p.all(NOW_MS).won).toBe(3);
    expect(p.owner('nobody', null, NOW_MS)).toMatchObject({ won: 0, lost: 0 });
  });

  it('keeps CRM ids such as "__proto__" and "constructor" as plain keys', () => {
    const norms = learnNorms(
      [],
      [
        {
          ownerId: '__proto__',
          accountId: 'constructor',
          industry: 'toString',
          closedAt: NOW_MS - DAY,
          won: true,
        },
      ],
    );
    const round = NormsSchema.parse(JSON.parse(JSON.stringify(norms)));
    const p = prepareNorms(round);
    expect(p.owner('__proto__', 'toString', NOW_MS).won).toBe(1);
    expect(p.account('constructor', NOW_MS).won).toBe(1);
    expect(p.account('hasOwnProperty', NOW_MS).won).toBe(0);
    expect(({} as Record<string, unknown>).won).toBeUndefined();
  });

  it('is deterministic and serialisable', () => {
    const inputs = [10, 20, 30].map((d, i) => historyDeal(i, d));
    const a = JSON.stringify(learnNorms(inputs, []));
    const b = JSON.stringify(learnNorms([...inputs].reverse(), []));
    expect(b).toBe(a);
    expect(NormsSchema.safeParse(JSON.parse(a)).success).toBe(true);
  });

  it('derives outcomes from closed deal records only', () => {
    const closed = { deal: makeDeal({ isClosed: true, isWon: true, closedAt: NOW }), activities: [] };
    expect(outcomeOf(closed)).toMatchObject({ won: true, closedAt: NOW_MS, industry: null });
    expect(outcomeOf({ deal: makeDeal(), activities: [] })).toBeNull();
    expect(outcomeOf({ deal: makeDeal({ isClosed: true, closedAt: null }), activities: [] })).toBeNull();
  });
});

describe('NormsLearner (deal by deal, as the score step learns on large tenants)', () => {
  it('learns the same norms as learnNorms with deals and outcomes interleaved', () => {
    const inputs = [10, 20, 30, 40, 50, 25, 35].map((d, i) => historyDeal(i, d));
    const outcomes = [50, 40, 30, 10, 70].map((days, i) => ({
      ownerId: `o${i % 2}`,
      accountId: i % 3 === 0 ? null : `a${i % 2}`,
      industry: i === 2 ? null : 'software',
      closedAt: NOW_MS - days * DAY,
      won: i % 2 === 0,
    }));
    const learner = new NormsLearner();
    inputs.forEach((d, i) => {
      learner.addDeal(d);
      if (outcomes[i]) learner.addOutcome(outcomes[i]);
    });
    const batch = learnNorms(inputs, outcomes);
    expect(learner.norms()).toEqual(batch);
    expect(batch.learnedFrom).toEqual({ deals: 7, closedDeals: 5 });
  });
});
