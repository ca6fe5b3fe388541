// Slip learned from a hand-made history of close dates (issue 18: "its chance of slipping out of
// the period, learned from the tenant's own close-date pushes"). Expected values computed by hand.

import { describe, expect, it } from 'vitest';
import {
  analogWindows,
  DEFAULT_SLIP_PROBABILITY,
  type HistoryDeal,
  learnSlipRate,
  outsidePipelineRevenue,
  quarterPeriod,
} from '../../../../src/scoring/index.ts';

const Q3 = quarterPeriod(2026, 2, 'UTC'); // 2026-07-01 .. 2026-09-30
const WINDOW = { period: Q3, asOf: Date.parse('2026-07-01T00:00:00Z') };
const ms = (iso: string) => Date.parse(iso.length === 10 ? `${iso}T12:00:00Z` : iso);
const day = (iso: string) => Date.parse(`${iso}T00:00:00Z`);

function deal(
  id: string,
  o: {
    created: string;
    closeDates: [at: string, date: string][];
    won?: string;
    lost?: string;
    amount?: number;
  },
): HistoryDeal {
  const closed = o.won ?? o.lost;
  return {
    id,
    ownerId: 'o1',
    amount: o.amount ?? 1000,
    createdAt: ms(o.created),
    isClosed: closed !== undefined,
    isWon: o.won !== undefined,
    closedAt: closed !== undefined ? ms(closed) : Number.NaN,
    closeDate: day(o.closeDates.at(-1)![1]),
    closeDateChanges: o.closeDates.map(([at, to], i, all) => ({
      at: ms(at),
      from: i === 0 ? Number.NaN : day(all[i - 1]![1]),
      to: day(to),
    })),
  };
}

// Window: Q3 2026 as of 1 July. The population is the deals open on 1 July whose close date, as it
// stood then, lies in Q3.
const HISTORY: HistoryDeal[] = [
  // In the population, won inside Q3: won, did not slip.
  deal('d1', { created: '2026-06-01', closeDates: [['2026-06-01', '2026-08-15']], won: '2026-08-10' }),
  // In the population, close date pushed on 10 Sep to 20 Oct, won 12 Oct: won, slipped.
  deal('d2', {
    created: '2026-06-01',
    closeDates: [
      ['2026-06-01', '2026-09-20'],
      ['2026-09-10', '2026-10-20'],
    ],
    won: '2026-10-12',
  }),
  // In the population, lost inside Q3: not an observation.
  deal('d3', { created: '2026-06-01', closeDates: [['2026-06-01', '2026-07-30']], lost: '2026-07-29' }),
  // In the population, pushed to 30 Nov and still open: pending.
  deal('d4', {
    created: '2026-06-15',
    closeDates: [
      ['2026-06-15', '2026-08-31'],
      ['2026-08-25', '2026-11-30'],
    ],
  }),
  // Created after 1 July: not in the population.
  deal('d5', { created: '2026-07-05', closeDates: [['2026-07-05', '2026-08-01']], won: '2026-08-02' }),
  // Open on 1 July with a close date in Q4 (5 Oct), pulled in and won 1 Sep: outside the pipeline.
  deal('d6', {
    created: '2026-05-01',
    closeDates: [
      ['2026-05-01', '2026-10-05'],
      ['2026-08-20', '2026-09-01'],
    ],
    won: '2026-09-01',
    amount: 5000,
  }),
  // In the population, pushed to 3 Oct, lost 5 Oct: lost after the quarter.
  deal('d7', {
    created: '2026-06-01',
    closeDates: [
      ['2026-06-01', '2026-09-01'],
      ['2026-08-28', '2026-10-03'],
    ],
    lost: '2026-10-05',
  }),
  // In the population, won 20 Oct: pending for a forecast made on 15 Oct, slipped-and-won after.
  deal('d8', { created: '2026-06-01', closeDates: [['2026-06-01', '2026-08-01']], won: '2026-10-20' }),
];

describe('learnSlipRate: a hand-made history', () => {
  it('counts won-inside, won-after, lost and pending deals as of the forecast moment (15 Oct)', () => {
    // Known on 15 Oct: won inside Q3 = 1 (d1), won after = 1 (d2), lost after = 1 (d7), pending = 2
    // (d4 open, d8 won only on 20 Oct). Pending deals win at the late deals' rate 1 / (1 + 1) = 0.5.
    // Slipped = 1 + 2 x 0.5 = 2 of won = 2 + 2 x 0.5 = 3; with the default 0.25 as 10 prior deals:
    // (2 + 10 x 0.25) / (3 + 10) = 4.5 / 13.
    const s = learnSlipRate(HISTORY, [WINDOW], ms('2026-10-15'));
    expect(s).toMatchObject({ observed: 2, slipped: 1, pending: 2, pendingWinRate: 0.5, basis: 'thin' });
    expect(s.probability).toBeCloseTo(4.5 / 13, 10);
  });

  it('uses only what was known at the forecast moment: d8 counts as won after once it is won (25 Oct)', () => {
    // Won inside 1, won after 2 (d2, d8), lost after 1, pending 1 (d4) at rate 2/3.
    // Slipped = 2 + 2/3, won = 3 + 2/3: (8/3 + 2.5) / (11/3 + 10).
    const s = learnSlipRate(HISTORY, [WINDOW], ms('2026-10-25'));
    expect(s).toMatchObject({ observed: 3, slipped: 2, pending: 1 });
    expect(s.probability).toBeCloseTo((8 / 3 + 2.5) / (11 / 3 + 10), 10);
  });

  it("counts a deal won before its quarter began (a window before the quarter, for next quarter's forecast) as out of it", () => {
    // Window: Q3 2026 as of 1 June (before Q3). e1 expected 15 Jul, won 20 Jun: pulled into Q2, not
    // Q3's revenue. e2 expected 10 Aug, won 5 Aug: inside. Slipped 1 of 2 won: (1 + 2.5) / (2 + 10).
    const early = [
      deal('e1', { created: '2026-05-01', closeDates: [['2026-05-01', '2026-07-15']], won: '2026-06-20' }),
      deal('e2', { created: '2026-05-01', closeDates: [['2026-05-01', '2026-08-10']], won: '2026-08-05' }),
    ];
    const s = learnSlipRate(early, [{ period: Q3, asOf: ms('2026-06-01') }], ms('2026-10-15'));
    expect(s).toMatchObject({ observed: 2, slipped: 1, pending: 0 });
    expect(s.probability).toBeCloseTo(3.5 / 12, 10);
  });

  it('is the default, and says so, without any observation', () => {
    const s = learnSlipRate([], [WINDOW], ms('2026-10-15'));
    expect(s).toMatchObject({ probability: DEFAULT_SLIP_PROBABILITY, observed: 0, basis: 'default' });
  });

  it('is learned (mostly the tenant own rate) with enough won deals', () => {
    // 40 won deals of the population, 12 of them after the quarter: (12 + 2.5) / (40 + 10) = 0.29.
    const many = Array.from({ length: 40 }, (_, i) =>
      deal(`w${i}`, {
        created: '2026-06-01',
        closeDates: [['2026-06-01', '2026-09-15']],
        won: i < 12 ? '2026-10-10' : '2026-09-10',
      }),
    );
    const s = learnSlipRate(many, [WINDOW], ms('2026-12-01'));
    expect(s).toMatchObject({ observed: 40, slipped: 12, pending: 0, basis: 'learned' });
    expect(s.probability).toBeCloseTo(0.29, 10);
  });
});

describe('outsidePipelineRevenue and analog windows', () => {
  it("counts revenue won after the as-of from deals outside the window's population", () => {
    // d5 (created after 1 July, won 2 Aug, 1000) and d6 (pulled in from Q4, won 1 Sep, 5000).
    const [byOwner] = outsidePipelineRevenue(HISTORY, [WINDOW]);
    expect(byOwner!.get('o1')).toBe(6000);
  });

  it('takes the same quarter-relative moment in earlier quarters that had ended by the forecast', () => {
    const q4 = quarterPeriod(2026, 3, 'UTC');
    const asOf = Date.parse('2026-11-10T00:00:00Z'); // 40 days into Q4: 10 Aug, 11 May, 10 Feb
    const windows = analogWindows(q4, asOf, asOf, 'UTC', { earliest: Date.parse('2026-01-01T00:00:00Z') });
    expect(windows.map((w) => [w.period.label, new Date(w.asOf).toISOString().slice(0, 10)])).toEqual([
      ['2026-Q3', '2026-08-10'],
      ['2026-Q2', '2026-05-11'],
      ['2026-Q1', '2026-02-10'],
    ]);
    // Next quarter (Q1 2027) as of the same day: Q4 2026 has not ended, so Q3 is the first analog,
    // 52 days before its start as the forecast is 52 days before Q1 (1 July - 52 days = 10 May).
    const q1 = quarterPeriod(2027, 0, 'UTC');
    const next = analogWindows(q1, asOf, asOf, 'UTC', { earliest: Date.parse('2026-01-01T00:00:00Z') });
    expect(next.map((w) => [w.period.label, new Date(w.asOf).toISOString().slice(0, 10)])).toEqual([
      ['2026-Q3', '2026-05-10'],
      ['2026-Q2', '2026-02-08'],
    ]);
  });
});
