// A period's forecast end to end on small hand-made inputs: quarters in the tenant's time zone,
// closed-won revenue as fixed, slip applied to every deal, targets, and the deals that move the range.

import { describe, expect, it } from 'vitest';
import { worldForecast } from '../../../../bench/forecast-world.ts';
import type { Owner, Target } from '../../../../src/domain/index.ts';
import {
  buildForecastDocument,
  DEFAULT_SLIP_PROBABILITY,
  type ForecastDeal,
  forecastPeriod,
  forecastSummary,
  type HistoryDeal,
  quarterContaining,
  quarterPeriod,
} from '../../../../src/scoring/index.ts';

describe('quarters in the tenant time zone', () => {
  // Offsets from the IANA tz database: New York is UTC-4 (EDT) on 1 October and UTC-5 (EST) on
  // 1 January; Auckland is UTC+13 (NZDT) on 1 January.
  it('starts and ends a quarter at local midnight', () => {
    const q4 = quarterPeriod(2026, 3, 'America/New_York');
    expect(q4).toMatchObject({ label: '2026-Q4', start: '2026-10-01', end: '2026-12-31' });
    expect(new Date(q4.startMs).toISOString()).toBe('2026-10-01T04:00:00.000Z');
    expect(new Date(q4.endMs).toISOString()).toBe('2027-01-01T05:00:00.000Z');
    const q1 = quarterPeriod(2027, 0, 'Pacific/Auckland');
    expect(new Date(q1.startMs).toISOString()).toBe('2026-12-31T11:00:00.000Z');
  });

  it('puts 23:30 on 31 December in New York in Q4, where UTC already says Q1', () => {
    const t = Date.parse('2027-01-01T04:30:00Z');
    expect(quarterContaining(t, 'America/New_York').label).toBe('2026-Q4');
    expect(quarterContaining(t, 'UTC').label).toBe('2027-Q1');
  });
});

const NY = 'America/New_York';
const Q4 = quarterPeriod(2026, 3, NY);
const AS_OF = Date.parse('2026-11-10T15:00:00Z');
const owners: Owner[] = [
  { id: 'o1', name: 'Ada', email: null, team: 'East' },
  { id: 'o2', name: 'Bo', email: null, team: 'East' },
  { id: 'o3', name: 'Cy', email: null, team: null },
];
const targets: Target[] = [
  { ownerId: 'o1', periodStart: '2026-10-01', periodEnd: '2026-12-31', amount: 300 },
  { ownerId: 'o2', periodStart: '2026-10-01', periodEnd: '2026-12-31', amount: 200 },
  { ownerId: 'o1', periodStart: '2027-01-01', periodEnd: '2027-03-31', amount: 999 },
];
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);
const open = (id: string, ownerId: string, amount: number, p: number, close: string): ForecastDeal => ({
  dealId: id,
  ownerId,
  amount,
  closeDate: day(close),
  winProbability: p,
  source: 'model',
});
const won = (id: string, ownerId: string, amount: number, closedAt: string): HistoryDeal => ({
  id,
  ownerId,
  amount,
  createdAt: Date.parse('2026-11-01T00:00:00Z'),
  isClosed: true,
  isWon: true,
  closedAt: Date.parse(closedAt),
  closeDate: Number.NaN,
  closeDateChanges: [],
});

describe('forecastPeriod', () => {
  // No history before November 2026: no analog window, so slip is the default 0.25 and there is
  // no revenue from outside the pipeline.
  const deals = [
    open('a', 'o1', 100, 0.8, '2026-12-15'),
    open('b', 'o2', 400, 0.5, '2026-11-20'),
    open('c', 'o3', 50, 0.9, '2026-12-01'),
    open('later', 'o1', 1000, 0.9, '2027-02-01'), // next quarter
    open('stale', 'o1', 1000, 0.9, '2026-09-15'), // close date before the quarter
    { ...open('noamount', 'o2', Number.NaN, 0.5, '2026-12-01') },
  ];
  const history = [
    won('w1', 'o1', 70, '2026-11-02T10:00:00Z'),
    won('w2', 'o3', 30, '2026-10-01T03:30:00Z'), // 23:30 on 30 Sep in New York: Q3 there
  ];
  const f = forecastPeriod(deals, history, Q4, AS_OF, {
    timezone: NY,
    owners,
    targets,
    draws: 20_000,
    seed: 3,
  });
  const row = (key: string) => f.rows.find((r) => r.key === key)!;

  it('applies the default slip and says why', () => {
    expect(f.analogWindows).toBe(0);
    expect(f.slip).toMatchObject({ basis: 'default', probability: DEFAULT_SLIP_PROBABILITY });
    // q = p x (1 - 0.25)
    expect(row('*').topDeals.map((d) => [d.dealId, d.pInPeriod])).toEqual([
      ['b', 0.375],
      ['a', 0.6],
      ['c', 0.675],
    ]);
  });

  it('counts closed-won revenue in the local quarter as fixed', () => {
    expect(row('o1').closedWon).toBe(70);
    expect(row('o3').closedWon).toBe(0);
    expect(row('*').closedWon).toBe(70);
  });

  it('keeps deals outside the period out, and counts deals without an amount', () => {
    expect(row('*').openDeals).toBe(4);
    expect(f.openDealsWithoutAmount).toBe(1);
    expect(row('*').openAmount).toBe(550);
  });

  it('has owner, team and total rows with their targets', () => {
    expect(f.rows.map((r) => [r.level, r.key, r.target])).toEqual([
      ['owner', 'o1', 300],
      ['owner', 'o2', 200],
      ['owner', 'o3', null],
      ['team', '(no team)', null],
      ['team', 'East', 500],
      ['total', '*', 500],
    ]);
  });

  it('gives exact quantiles for one owner and the chance of reaching the target', () => {
    // o1: 70 fixed + 100 with q = 0.6: 70 (0.4) or 170 (0.6). P10 = 70, P50 = P90 = 170;
    // target 300 is out of reach.
    expect([row('o1').p10, row('o1').p50, row('o1').p90]).toEqual([70, 170, 170]);
    expect(row('o1').pReachTarget).toBe(0);
    // o2: 0 or 400 with q = 0.375; target 200: reached exactly when b is won.
    expect(Math.abs(row('o2').pReachTarget! - 0.375)).toBeLessThan(0.012);
    expect(row('o3').pReachTarget).toBeNull();
  });

  it('ranks the deals moving the range by amount^2 q (1 - q)', () => {
    // b: 400^2 x 0.375 x 0.625 = 37,500; a: 100^2 x 0.6 x 0.4 = 2,400; c: 50^2 x 0.675 x 0.325 = 548.4375.
    const total = 37_500 + 2_400 + 548.4375;
    expect(row('*').topDeals.map((d) => d.varianceShare)).toEqual(
      [37_500, 2_400, 548.4375].map((v) => Math.round((v / total) * 10_000) / 10_000),
    );
  });
});

describe('forecastPeriod rows add up', () => {
  it("gives every owner with revenue a row, so owners' expected revenue sums to the total's", () => {
    const doc = worldForecast({ seed: 2, deals: 800, now: '2026-11-15T00:00:00Z', draws: 2_000 }).doc;
    for (const p of doc.periods) {
      const owners = p.rows.filter((r) => r.level === 'owner');
      const total = p.rows.find((r) => r.level === 'total')!;
      const sum = (key: 'closedWon' | 'outsidePipeline' | 'openAmount') =>
        owners.reduce((a, r) => a + r[key], 0);
      expect(sum('closedWon'), p.period.label).toBeCloseTo(total.closedWon, 0);
      expect(sum('openAmount'), p.period.label).toBeCloseTo(total.openAmount, 0);
      expect(sum('outsidePipeline'), p.period.label).toBeCloseTo(total.outsidePipeline, 0);
      expect(total.outsidePipeline, p.period.label).toBeGreaterThan(0);
    }
  });
});

describe('forecastPeriod: an owner with revenue outside the pipeline only', () => {
  it('gets its own row', () => {
    // o9 has no open deal now; in each earlier quarter it won 1,000 from a deal created after the
    // quarter's matching moment (day 40): 1,000 of outside-pipeline revenue per analog window.
    const q4 = quarterPeriod(2026, 3, 'UTC');
    const asOf = q4.startMs + 40 * 86_400_000;
    const history: HistoryDeal[] = [
      {
        ...won('anchor', 'o1', 1, '2025-01-02T00:00:00Z'),
        createdAt: Date.parse('2025-01-01T00:00:00Z'),
        isWon: false,
      },
    ];
    for (let k = 1; k <= 6; k++) {
      const p = quarterPeriod(2026, 3 - k, 'UTC');
      const created = p.startMs + 45 * 86_400_000;
      history.push({
        ...won(`n${k}`, 'o9', 1000, new Date(created + 10 * 86_400_000).toISOString()),
        createdAt: created,
      });
    }
    const f = forecastPeriod([], history, q4, asOf, { timezone: 'UTC', draws: 1000 });
    expect(f.analogWindows).toBeGreaterThanOrEqual(5);
    const o9 = f.rows.find((r) => r.level === 'owner' && r.key === 'o9');
    expect(o9?.outsidePipeline).toBe(1000);
    expect(f.rows.find((r) => r.level === 'total')!.outsidePipeline).toBe(1000);
  });
});

describe('buildForecastDocument on a tenant with no deals yet', () => {
  it('gives zero ranges, the target, and no backtest instead of failing', () => {
    const doc = buildForecastDocument({
      asOf: Date.parse('2026-11-10T12:00:00Z'),
      timezone: 'UTC',
      deals: [],
      history: [],
      backtest: [],
      targets: [{ ownerId: null, periodStart: '2026-10-01', periodEnd: '2026-12-31', amount: 500 }],
    });
    expect(doc.periods.map((p) => p.period.label)).toEqual(['2026-Q4', '2027-Q1']);
    expect(forecastSummary(doc)).toEqual({
      period: { label: '2026-Q4', start: '2026-10-01', end: '2026-12-31' },
      target: 500,
      p10: 0,
      p50: 0,
      p90: 0,
      pReachTarget: 0,
      intervalCoverage: null,
    });
    expect(doc.periods[0]!.slip.basis).toBe('default');
    expect(doc.backtest).toMatchObject({ evaluated: 0, intervalCoverage: null });
  });
});
