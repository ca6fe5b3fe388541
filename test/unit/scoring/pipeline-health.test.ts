import { describe, expect, it } from 'vitest';
import type { Owner, Target } from '../../../src/domain/index.ts';
import { scoreDeal } from '../../../src/scoring/combine.ts';
import { createScoringContext } from '../../../src/scoring/context.ts';
import { compileDeal } from '../../../src/scoring/deal-input.ts';
import {
  type PipelineDeal,
  PipelineRollup,
  pipelineDealFrom,
  probabilityFor,
  rollupPipelineHealth,
  scoreFallbackProbability,
} from '../../../src/scoring/pipeline-health.ts';
import { healthyRecord, NOW } from './fixtures.ts';

const ms = (d: string) => Date.parse(`${d}T00:00:00Z`);

function deal(p: Partial<PipelineDeal> & Pick<PipelineDeal, 'dealId'>): PipelineDeal {
  return {
    ownerId: 'alice',
    amount: 10_000,
    closeDate: ms('2026-06-15'),
    isClosed: false,
    isWon: false,
    closedAt: Number.NaN,
    stageProbability: null,
    winProbability: null,
    score: null,
    ...p,
  };
}

const owners: Owner[] = [
  { id: 'alice', name: 'Alice', email: null, team: 'East' },
  { id: 'bob', name: 'Bob', email: null, team: 'East' },
  { id: 'carol', name: 'Carol', email: null, team: null },
];
const june = { start: '2026-06-01', end: '2026-06-30' };
const targets: Target[] = [
  { ownerId: 'alice', periodStart: june.start, periodEnd: june.end, amount: 20_000 },
  { ownerId: 'bob', periodStart: june.start, periodEnd: june.end, amount: 10_000 },
];

describe('probabilityFor', () => {
  it('prefers the model, then the stage probability, then the score', () => {
    expect(
      probabilityFor(deal({ dealId: 'a', winProbability: 0.7, stageProbability: 0.2, score: 10 })),
    ).toEqual({ p: 0.7, source: 'model' });
    expect(probabilityFor(deal({ dealId: 'a', stageProbability: 0.2, score: 10 }))).toEqual({
      p: 0.2,
      source: 'stage',
    });
    expect(probabilityFor(deal({ dealId: 'a', score: 100 }))).toEqual({
      p: scoreFallbackProbability(100),
      source: 'score',
    });
    expect(probabilityFor(deal({ dealId: 'a', stageProbability: Number.NaN }))).toBeNull();
    expect(scoreFallbackProbability(0)).toBeCloseTo(0.05);
    expect(scoreFallbackProbability(100)).toBeCloseTo(0.65);
  });
});

describe('rollupPipelineHealth', () => {
  const deals: PipelineDeal[] = [
    deal({ dealId: 'a1', amount: 10_000, winProbability: 0.5 }), // 5,000 (model)
    deal({ dealId: 'a2', amount: 20_000, stageProbability: 0.25 }), // 5,000 (stage)
    deal({ dealId: 'a3', amount: 8_000, isClosed: true, isWon: true, closedAt: ms('2026-06-03') }), // won in June
    deal({ dealId: 'a4', amount: 50_000, isClosed: true, isWon: true, closedAt: ms('2026-05-20') }), // won in May
    deal({ dealId: 'a5', amount: 90_000, stageProbability: 0.9, closeDate: ms('2026-07-02') }), // closes in July
    deal({ dealId: 'a6', amount: null, stageProbability: 0.9 }), // no amount
    deal({ dealId: 'b1', ownerId: 'bob', amount: 10_000, score: 50 }), // 3,500 (score)
    deal({ dealId: 'c1', ownerId: 'carol', amount: 4_000, stageProbability: 0.5 }), // 2,000
    deal({ dealId: 'x1', ownerId: 'dave', amount: 1_000 }), // no probability at all
  ];
  const rows = rollupPipelineHealth(deals, { targets, owners });
  const row = (level: string, key: string) => rows.find((r) => r.level === level && r.key === key)!;

  it('adds expected open revenue and closed-won in the period, against the owner target', () => {
    const alice = row('owner', 'alice');
    expect(alice.period).toEqual(june);
    expect(alice.expectedOpen).toBe(10_000);
    expect(alice.closedWon).toBe(8_000);
    expect(alice.expectedRevenue).toBe(18_000);
    expect(alice.target).toBe(20_000);
    expect(alice.coverage).toBe(0.9);
    expect(alice.band).toBe('watch');
    expect(alice.openDeals).toBe(3);
    expect(alice.openDealsWithoutAmount).toBe(1);
    expect(alice.sources).toEqual({ model: 1, stage: 2, score: 0 });
    expect(alice.topDeals.map((d) => d.dealId)).toEqual(['a1', 'a2']);
  });

  it('says which probability source was used', () => {
    const bob = row('owner', 'bob');
    expect(bob.sources).toEqual({ model: 0, stage: 0, score: 1 });
    expect(bob.topDeals[0]).toMatchObject({ dealId: 'b1', source: 'score', expected: 3_500 });
    expect(bob.coverage).toBe(0.35);
    expect(bob.band).toBe('at_risk');
    expect(row('owner', 'dave').openDealsWithoutProbability).toBe(1);
  });

  it('rolls owners up into teams and a total', () => {
    const east = row('team', 'East');
    expect(east.expectedRevenue).toBe(21_500);
    expect(east.target).toBe(30_000);
    expect(row('team', '(no team)').expectedRevenue).toBe(2_000);
    expect(row('team', '(no team)').target).toBeNull();
    const total = row('total', '*');
    expect(total.expectedRevenue).toBe(23_500);
    expect(total.target).toBe(30_000);
    expect(total.topDeals[0]!.dealId).toBe('a1');
    expect(total.topDeals.length).toBeLessThanOrEqual(5);
  });

  it('uses a team-wide target (ownerId null) for the total, and healthy coverage at or above 1', () => {
    const teamTarget: Target = {
      ownerId: null,
      periodStart: june.start,
      periodEnd: june.end,
      amount: 20_000,
    };
    const total = rollupPipelineHealth(deals, { targets: [teamTarget], owners }).find(
      (r) => r.level === 'total',
    )!;
    expect(total.target).toBe(20_000);
    expect(total.coverage).toBeCloseTo(1.175, 3);
    expect(total.band).toBe('healthy');
  });

  it('gives an owner with a target but no deals a row at zero coverage', () => {
    const r = rollupPipelineHealth([], {
      targets: [{ ownerId: 'bob', periodStart: june.start, periodEnd: june.end, amount: 5_000 }],
    });
    expect(r.find((x) => x.key === 'bob')).toMatchObject({
      expectedRevenue: 0,
      coverage: 0,
      band: 'at_risk',
    });
  });

  it('rolls explicit periods without targets', () => {
    const r = rollupPipelineHealth(deals, { periods: [{ start: '2026-07-01', end: '2026-07-31' }] });
    const total = r.find((x) => x.level === 'total')!;
    expect(total.expectedOpen).toBe(81_000);
    expect(total.target).toBeNull();
    expect(total.coverage).toBeNull();
    expect(total.band).toBeNull();
  });

  it('builds rollup rows from compiled deals and their health results', () => {
    const input = compileDeal(healthyRecord(), { asOf: NOW });
    const result = scoreDeal(input, createScoringContext({ asOf: NOW }));
    const row = pipelineDealFrom(input, result);
    expect(row).toMatchObject({
      dealId: 'deal-1',
      amount: 50_000,
      stageProbability: 0.5,
      score: result.score,
      winProbability: null,
    });
    expect(probabilityFor(row)!.source).toBe('stage');
  });
});

describe('closed-won, weighted open, their sum and pipeline coverage (issue 15 item 9)', () => {
  it('keeps the three figures apart and computes coverage as open amount over the remaining target', () => {
    // Hand-computed: won 40k; open 60k at 0.5 and 40k at 0.25 -> weighted 40k; sum 80k;
    // remaining target 100k - 40k = 60k; pipeline coverage = 100k open / 60k = 1.667.
    const rows = rollupPipelineHealth(
      [
        deal({ dealId: 'w', isClosed: true, isWon: true, amount: 40_000, closedAt: ms('2026-06-03') }),
        deal({ dealId: 'a', amount: 60_000, winProbability: 0.5 }),
        deal({ dealId: 'b', amount: 40_000, winProbability: 0.25 }),
      ],
      {
        periods: [june],
        targets: [{ ownerId: 'alice', periodStart: june.start, periodEnd: june.end, amount: 100_000 }],
        owners,
      },
    );
    const alice = rows.find((r) => r.level === 'owner' && r.key === 'alice')!;
    expect(alice.closedWon).toBe(40_000);
    expect(alice.expectedOpen).toBe(40_000);
    expect(alice.expectedRevenue).toBe(80_000);
    expect(alice.openAmount).toBe(100_000);
    expect(alice.remainingTarget).toBe(60_000);
    expect(alice.pipelineCoverage).toBeCloseTo(100 / 60, 3);
  });

  it('has no pipeline coverage once the target is met (nothing remains to cover)', () => {
    const rows = rollupPipelineHealth(
      [deal({ dealId: 'w', isClosed: true, isWon: true, amount: 50_000, closedAt: ms('2026-06-03') })],
      {
        periods: [june],
        targets: [{ ownerId: 'alice', periodStart: june.start, periodEnd: june.end, amount: 30_000 }],
        owners,
      },
    );
    const alice = rows.find((r) => r.level === 'owner' && r.key === 'alice')!;
    expect(alice.remainingTarget).toBe(0);
    expect(alice.pipelineCoverage).toBeNull();
  });
});

describe('PipelineRollup (deal by deal, as the score step rolls up large tenants)', () => {
  it('keeps only the top deals yet lists the same ones as sorting every contribution', () => {
    // Far more deals than a row lists, so the running pruning happens many times over.
    const deals: PipelineDeal[] = [];
    for (let i = 0; i < 2_000; i++)
      deals.push(
        deal({
          dealId: `d${String(i).padStart(4, '0')}`,
          ownerId: ['alice', 'bob', 'carol', null][i % 4]!,
          // Repeated amounts and probabilities: ties are broken by deal id.
          amount: 1_000 * ((i * 7) % 13),
          winProbability: ((i * 11) % 5) / 5,
          closeDate: i % 9 === 0 ? ms('2026-07-15') : ms('2026-06-15'),
          ...(i % 17 === 0
            ? { isClosed: true, isWon: true, closedAt: ms('2026-06-10'), amount: 500 + i }
            : {}),
        }),
      );
    const rollup = new PipelineRollup({ periods: [june], targets, owners, topDeals: 5 });
    for (const d of deals) rollup.add(d);
    const rows = rollup.rows();
    // The oracle: every open June deal with an amount and a probability, ranked as documented.
    const teamOf = new Map(owners.map((o) => [o.id, o.team ?? '(no team)']));
    const inRow = (level: string, key: string, d: PipelineDeal) =>
      level === 'total' ||
      (level === 'owner' && (d.ownerId ?? '(no owner)') === key) ||
      (level === 'team' && (d.ownerId === null ? '(no team)' : teamOf.get(d.ownerId)) === key);
    for (const row of rows) {
      const expected = deals
        .filter((d) => !d.isClosed && d.closeDate >= ms(june.start) && d.closeDate <= ms(june.end))
        .filter((d) => inRow(row.level, row.key, d) && (d.amount ?? 0) > 0)
        .map((d) => ({ dealId: d.dealId, expected: d.amount! * d.winProbability! }))
        .sort((a, b) => b.expected - a.expected || (a.dealId < b.dealId ? -1 : 1))
        .slice(0, 5);
      expect(row.topDeals.map((c) => c.dealId)).toEqual(expected.map((c) => c.dealId));
    }
    expect(rows).toEqual(rollupPipelineHealth(deals, { periods: [june], targets, owners, topDeals: 5 }));
    expect(rows.find((r) => r.level === 'total')!.closedWon).toBeGreaterThan(0);
  });
});
