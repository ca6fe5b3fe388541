import { describe, expect, it } from 'vitest';
import type { Activity, Deal } from '../../../src/domain/index.ts';
import { computeActivityStats } from '../../../src/scoring/activity-stats.ts';
import { createScoringContext, type ScoringContextOptions } from '../../../src/scoring/context.ts';
import { compileDeal, type DealRecord } from '../../../src/scoring/deal-input.ts';
import {
  access,
  amountAndStageRegression,
  closeDateIntegrity,
  type IndicatorFn,
  industryUnderstanding,
  jointPlanning,
  knowledgeSharing,
  nextStep,
  openCommunication,
  satisfaction,
  stageAge,
  trust,
} from '../../../src/scoring/indicators/index.ts';
import { type DealOutcome, learnNorms } from '../../../src/scoring/norms.ts';
import {
  ACCOUNT,
  act,
  buyerEmail,
  CONTACTS,
  connectedCall,
  dateIn,
  daysAgo,
  futureMeeting,
  heldMeeting,
  makeDeal,
  NOW,
  NOW_MS,
  PIPELINE,
  repEmail,
} from './fixtures.ts';

const DAY = 86_400_000;

function run(
  fn: IndicatorFn,
  activities: Activity[],
  deal: Partial<Deal> = {},
  ctxOptions: Partial<ScoringContextOptions> = {},
  record: Partial<DealRecord> = {},
) {
  const input = compileDeal(
    { deal: makeDeal(deal), activities, contacts: CONTACTS, account: ACCOUNT, pipeline: PIPELINE, ...record },
    { asOf: NOW },
  );
  const ctx = createScoringContext({ asOf: NOW, ...ctxOptions });
  return fn(input, computeActivityStats(input, ctx.asOf), ctx);
}

describe('open communication', () => {
  it('says so when no activity is logged, with zero confidence', () => {
    const r = run(openCommunication, []);
    expect(r.confidence).toBe(0);
    expect(r.value).toBeNull();
    expect(r.evidence).toBe('No activity logged on this deal');
  });

  it('flags ghosting against the usual reply gap', () => {
    const r = run(openCommunication, [buyerEmail(12), repEmail(10), repEmail(5)]);
    expect(r.evidence).toBe('No buyer reply in 12 days, usually 3');
    expect(r.value).toBe(12);
    expect(r.subScore).toBeLessThan(0.3);
    const recent = run(openCommunication, [buyerEmail(1), repEmail(2)]);
    expect(recent.subScore).toBeGreaterThan(0.9);
    expect(recent.evidence).toContain('Buyer last replied 1 day ago');
  });

  it('uses the tenant norm for "usually" once enough gaps are learned', () => {
    // History: a buyer who writes every 6 days.
    const history = compileDeal(
      { deal: makeDeal(), activities: Array.from({ length: 12 }, (_, i) => buyerEmail(6 * i + 1)) },
      { asOf: NOW },
    );
    const norms = learnNorms([history], []);
    expect(norms.replyGapDays.median).toBe(6);
    const r = run(openCommunication, [buyerEmail(8), repEmail(3)], {}, { norms });
    expect(r.evidence).toBe('Buyer last replied 8 days ago, usually every 6 days');
    const late = run(openCommunication, [buyerEmail(12), repEmail(3)], {}, { norms });
    expect(late.evidence).toBe('No buyer reply in 12 days, usually 6');
  });

  it('scores a buyer who never replied to repeated outreach low, with growing confidence', () => {
    const one = run(openCommunication, [repEmail(3)]);
    const many = run(openCommunication, [repEmail(20), repEmail(10), repEmail(3)]);
    expect(many.subScore).toBeLessThan(one.subScore);
    expect(many.confidence).toBeGreaterThan(one.confidence);
    expect(many.evidence).toBe('No buyer reply in 20 days (3 touches sent)');
  });
});

describe('access', () => {
  it('compares two-way touches in 30 days with the norm and notes recency', () => {
    const r = run(access, [buyerEmail(3), heldMeeting(10, ['c1']), connectedCall(20, ['c2'])]);
    expect(r.value).toBe(3);
    expect(r.evidence).toBe('3 two-way touches in 30 days, usually 4');
    const none = run(access, [repEmail(3), repEmail(40), buyerEmail(45)]);
    expect(none.value).toBe(0);
    expect(none.evidence).toBe('No two-way touch in 45 days');
    expect(none.subScore).toBeLessThan(r.subScore);
  });
});

describe('knowledge sharing', () => {
  it('calls out a one-sided conversation', () => {
    const r = run(knowledgeSharing, [repEmail(1), repEmail(5), repEmail(9)]);
    expect(r.evidence).toContain('Only the rep is sending');
    expect(r.subScore).toBeLessThan(0.3);
  });

  it('rewards documented conversations and buyer messages', () => {
    const r = run(knowledgeSharing, [
      heldMeeting(4, ['c1']),
      connectedCall(8, ['c2']),
      buyerEmail(2),
      repEmail(3),
    ]);
    expect(r.subScore).toBeGreaterThan(0.9);
    expect(r.evidence).toBe('2 documented conversations and 1 buyer message in 30 days');
  });

  it('treats a deal with old activity but nothing recent as a real (bad) signal', () => {
    const r = run(knowledgeSharing, [buyerEmail(50)]);
    expect(r.evidence).toBe('Nothing logged on this deal in 30 days');
    expect(r.confidence).toBeGreaterThan(0.4);
  });
});

describe('joint planning', () => {
  it('rewards a booked meeting with two buyer attendees', () => {
    const r = run(jointPlanning, [futureMeeting(5, ['c1', 'c2']), buyerEmail(1)]);
    expect(r.evidence).toBe('Meeting booked in 5 days with 2 buyer attendees');
    expect(r.value).toBe(5);
    expect(r.subScore).toBeGreaterThan(0.8);
  });

  it('values a nearer meeting above a later one and both above none', () => {
    const near = run(jointPlanning, [futureMeeting(5, ['c1'])]);
    const far = run(jointPlanning, [futureMeeting(25, ['c1'])]);
    const none = run(jointPlanning, [buyerEmail(1)]);
    expect(near.subScore).toBeGreaterThan(far.subScore);
    expect(far.subScore).toBeGreaterThan(none.subScore);
    expect(none.evidence).toBe('No meeting scheduled in the next 30 days');
    expect(run(jointPlanning, [futureMeeting(3, [])]).evidence).toBe(
      'Meeting booked in 3 days; no meeting with 2+ buyer attendees lately',
    );
  });

  it('mentions overdue tasks when nothing is booked', () => {
    const r = run(jointPlanning, [
      act({ type: 'task', occurredAt: daysAgo(10), taskStatus: 'open', dueAt: daysAgo(2) }),
    ]);
    expect(r.evidence).toBe('No meeting scheduled in the next 30 days; 1 task overdue');
  });
});

describe('industry understanding', () => {
  const outcome = (daysBefore: number, won: boolean, industry = 'software'): DealOutcome => ({
    ownerId: 'owner-1',
    accountId: 'other',
    industry,
    closedAt: NOW_MS - daysBefore * DAY,
    won,
  });

  it("reports the owner's record in the industry, counting only deals closed before asOf", () => {
    const outcomes = [
      outcome(100, true),
      outcome(90, true),
      outcome(80, false),
      outcome(70, true),
      outcome(-5, false), // closes after asOf: must not count
      outcome(60, false, 'retail'),
    ];
    const norms = learnNorms([], outcomes);
    const r = run(industryUnderstanding, [heldMeeting(3, ['c1'], 800)], {}, { norms });
    expect(r.evidence).toBe('Owner won 3 of 4 software deals (75%)');
    expect(r.value).toBe(0.75);
    const poor = learnNorms(
      [],
      [outcome(100, false), outcome(90, false), outcome(80, false), outcome(70, true, 'retail')],
    );
    const p = run(industryUnderstanding, [heldMeeting(3, ['c1'], 800)], {}, { norms: poor });
    expect(p.subScore).toBeLessThan(r.subScore);
  });

  it('lowers confidence and says so when the account or industry is unknown', () => {
    const known = run(industryUnderstanding, []);
    const unknown = run(
      industryUnderstanding,
      [],
      {},
      {},
      { account: { ...ACCOUNT, industry: null, employees: null } },
    );
    expect(unknown.evidence).toBe(
      'Account industry unknown; owner has no closed deals yet; no discovery notes',
    );
    expect(unknown.confidence).toBeLessThan(known.confidence);
    const noAccount = run(industryUnderstanding, [], { accountId: null }, {}, { account: null });
    expect(noAccount.evidence).toMatch(/^No account linked/);
  });
});

describe('satisfaction', () => {
  it('counts no-shows and cancellations against', () => {
    const r = run(satisfaction, [
      heldMeeting(10, ['c1']),
      act({ type: 'meeting', occurredAt: daysAgo(20), meetingOutcome: 'no_show' }),
      act({ type: 'meeting', occurredAt: daysAgo(30), meetingOutcome: 'canceled' }),
    ]);
    expect(r.evidence).toBe('2 of 3 meetings in 90 days no-show or canceled');
    expect(r.subScore).toBeLessThan(0.4);
  });

  it('uses prior won deals with the account, and has low confidence for a new account without meetings', () => {
    const norms = learnNorms(
      [],
      [
        { ownerId: 'o', accountId: 'acc-1', industry: null, closedAt: NOW_MS - 400 * DAY, won: true },
        { ownerId: 'o', accountId: 'acc-1', industry: null, closedAt: NOW_MS - 200 * DAY, won: true },
      ],
    );
    const customer = run(satisfaction, [], {}, { norms });
    expect(customer.evidence).toBe('Existing customer: 2 prior won deals');
    expect(customer.subScore).toBeGreaterThan(0.8);
    const fresh = run(satisfaction, []);
    expect(fresh.evidence).toBe('New account, no meeting history yet');
    expect(fresh.confidence).toBeLessThan(0.3);
    expect(fresh.subScore).toBe(0.5);
  });
});

describe('trust', () => {
  it('flags single-threaded deals', () => {
    const r = run(trust, [buyerEmail(2, ['c2']), buyerEmail(5, ['c2']), repEmail(1, ['c1', 'c3'])]);
    expect(r.evidence).toBe('Only 1 buyer contact engaged in 30 days');
    expect(r.value).toBe(1);
  });

  it('rewards several engaged contacts including a decision maker, plus tenure', () => {
    const acts = [heldMeeting(3, ['c1', 'c2', 'c3'])];
    const r = run(trust, acts);
    expect(r.evidence).toBe('3 buyer contacts engaged in 30 days incl. a decision maker');
    const norms = learnNorms(
      [],
      [{ ownerId: 'o', accountId: 'acc-1', industry: null, closedAt: NOW_MS - 800 * DAY, won: true }],
    );
    const tenured = run(trust, acts, {}, { norms });
    expect(tenured.subScore).toBeGreaterThan(r.subScore);
    expect(tenured.evidence).toContain('customer for 2 years');
  });
});

describe('stage age', () => {
  it('compares days in stage with the learned median for the stage', () => {
    const history = Array.from({ length: 6 }, (_, i) =>
      compileDeal(
        {
          deal: makeDeal({
            id: `h${i}`,
            stageHistory: [
              { stageId: 'proposal', enteredAt: daysAgo(100 + i) },
              { stageId: 'negotiation', enteredAt: daysAgo(90 + i) },
            ],
          }),
          activities: [],
          pipeline: PIPELINE,
        },
        { asOf: NOW },
      ),
    );
    const norms = learnNorms(history, []);
    const r = run(
      stageAge,
      [],
      { stageHistory: [{ stageId: 'proposal', enteredAt: daysAgo(30) }] },
      { norms },
    );
    expect(r.evidence).toBe('In Proposal 30 days, usually 10');
    expect(r.subScore).toBeLessThan(0.2);
    expect(r.confidence).toBeGreaterThan(0.8);
    const dflt = run(stageAge, [], { stageHistory: [{ stageId: 'proposal', enteredAt: daysAgo(30) }] });
    expect(dflt.evidence).toBe('In Proposal 30 days, usually 14');
    expect(dflt.confidence).toBeLessThan(r.confidence);
  });

  it('has no confidence for an unknown stage', () => {
    const r = run(stageAge, [], {
      stageId: 'ghost',
      stageHistory: [{ stageId: 'ghost', enteredAt: daysAgo(3) }],
    });
    expect(r.confidence).toBe(0);
    expect(r.evidence).toContain('not in the pipeline');
    const noDates = run(stageAge, [], { stageHistory: [], createdAt: 'unknown' });
    expect(noDates.evidence).toBe('In Proposal, entry date unknown');
    expect(noDates.confidence).toBe(0);
  });
});

describe('close-date integrity', () => {
  it('says so when there is no close date, without judging', () => {
    const r = run(closeDateIntegrity, [], { closeDate: null });
    expect(r.evidence).toBe('No close date set');
    expect(r.subScore).toBe(0.5);
    expect(r.confidence).toBeLessThan(0.3);
  });

  it('penalises a passed close date and pushes', () => {
    const fine = run(closeDateIntegrity, [], { closeDate: dateIn(20) });
    const pushed = run(closeDateIntegrity, [], {
      closeDate: dateIn(20),
      closeDateChanges: [
        { at: daysAgo(30), from: dateIn(-10), to: dateIn(5) },
        { at: daysAgo(10), from: dateIn(5), to: dateIn(20) },
      ],
    });
    const passed = run(closeDateIntegrity, [], { closeDate: dateIn(-12) });
    expect(fine.evidence).toBe('Close date in 21 days, never pushed');
    expect(pushed.evidence).toBe('Close date pushed 2 times (+30 days)');
    expect(passed.evidence).toBe('Close date passed 12 days ago');
    expect(passed.value).toBe(-12);
    expect(pushed.subScore).toBeLessThan(fine.subScore);
    expect(passed.subScore).toBeLessThan(pushed.subScore);
  });

  it('flags a close date the remaining stages cannot meet', () => {
    // Qualify entered today: qualify + discovery + proposal + negotiation usually take 4 x 14 days.
    const r = run(closeDateIntegrity, [], {
      stageHistory: [{ stageId: 'qualify', enteredAt: daysAgo(0) }],
      closeDate: dateIn(5),
    });
    expect(r.evidence).toBe('Closes in 6 days, but the remaining stages usually take 56');
    expect(r.subScore).toBeLessThan(0.7);
  });
});

describe('amount cuts and stage regressions', () => {
  it('reports cuts from the high and moves back', () => {
    const r = run(amountAndStageRegression, [], {
      amount: 30_000,
      amountChanges: [
        { at: daysAgo(20), from: '50000', to: '40000' },
        { at: daysAgo(10), from: '40000', to: '30000' },
      ],
      stageHistory: [
        { stageId: 'discovery', enteredAt: daysAgo(40) },
        { stageId: 'proposal', enteredAt: daysAgo(30) },
        { stageId: 'discovery', enteredAt: daysAgo(15) },
        { stageId: 'proposal', enteredAt: daysAgo(5) },
      ],
    });
    expect(r.evidence).toBe('Amount cut 40% in 2 steps; moved back a stage 1 time');
    expect(r.value).toBe(0.4);
    expect(r.subScore).toBeLessThan(0.5);
  });

  it('has low confidence without any history', () => {
    const r = run(amountAndStageRegression, [], {
      stageHistory: [{ stageId: 'proposal', enteredAt: daysAgo(5) }],
    });
    expect(r.evidence).toBe('No stage or amount history to judge');
    expect(r.confidence).toBeLessThan(0.5);
  });
});

describe('next step', () => {
  it('distinguishes missing, fresh, stale and unknown', () => {
    expect(run(nextStep, [], { nextStep: null }).evidence).toBe('No next step set');
    expect(run(nextStep, [], { nextStep: '  ' }).subScore).toBeLessThan(0.2);
    const fresh = run(nextStep, [], { nextStepUpdatedAt: daysAgo(2) });
    expect(fresh.subScore).toBe(1);
    const stale = run(nextStep, [], { nextStepUpdatedAt: daysAgo(40) });
    expect(stale.evidence).toBe('Next step stale: last updated 40 days ago');
    expect(stale.subScore).toBeLessThan(0.5);
    // Updated after asOf and the snapshot is newer than asOf: the value then is unknown.
    const unknown = run(nextStep, [], { nextStepUpdatedAt: daysAgo(-1), updatedAt: daysAgo(-1) });
    expect(unknown.confidence).toBe(0);
  });
});
