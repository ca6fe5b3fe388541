// The common conversion factor (deals are not independent) from hand-made windows, by hand:
// three quarters, four deals of 100 each open at the quarter's start with a close date inside it.
//   Q1: none won -> c = 0;  Q2: two won -> c = 0.5;  Q3: all four won -> c = 1.
// mean c = 0.5; observed variance (n - 1 = 2): (0.25 + 0 + 0.25) / 2 = 0.25.
// Binomial variance of c at the mean rate, per window: sum a^2 x 0.5 x 0.5 / (sum a)^2
//   = 4 x 100^2 x 0.25 / 400^2 = 0.0625.
// Excess = 0.25 - 0.0625 = 0.1875; relative spread = sqrt(0.1875) / 0.5 = 0.8660.

import { describe, expect, it } from 'vitest';
import { type HistoryDeal, learnConversionSpread, quarterPeriod } from '../../../../src/scoring/index.ts';

const windows = [0, 1, 2].map((q) => {
  const period = quarterPeriod(2026, q, 'UTC');
  return { period, asOf: period.startMs };
});

function quarterDeals(q: number, wonCount: number): HistoryDeal[] {
  const { period } = windows[q]!;
  const mid = period.startMs + 30 * 86_400_000;
  return [0, 1, 2, 3].map((i) => ({
    id: `q${q}d${i}`,
    ownerId: 'o1',
    amount: 100,
    createdAt: period.startMs - 10 * 86_400_000,
    isClosed: true,
    isWon: i < wonCount,
    closedAt: mid,
    closeDate: Date.UTC(
      new Date(mid).getUTCFullYear(),
      new Date(mid).getUTCMonth(),
      new Date(mid).getUTCDate(),
    ),
    closeDateChanges: [],
  }));
}

describe('learnConversionSpread', () => {
  it('takes the spread of conversion between quarters beyond the deals own chance', () => {
    const history = [...quarterDeals(0, 0), ...quarterDeals(1, 2), ...quarterDeals(2, 4)];
    const s = learnConversionSpread(history, windows);
    expect(s.windows).toBe(3);
    expect(s.meanConversion).toBeCloseTo(0.5, 12);
    expect(s.spread).toBeCloseTo(Math.sqrt(0.1875) / 0.5, 12);
  });

  it('is 0 when quarters convert alike (the spread is all deal-by-deal chance)', () => {
    const history = [...quarterDeals(0, 2), ...quarterDeals(1, 2), ...quarterDeals(2, 2)];
    expect(learnConversionSpread(history, windows)).toEqual({ windows: 3, meanConversion: 0.5, spread: 0 });
  });

  it('needs three windows', () => {
    const history = [...quarterDeals(0, 0), ...quarterDeals(1, 4)];
    expect(learnConversionSpread(history, windows.slice(0, 2)).spread).toBe(0);
  });
});
