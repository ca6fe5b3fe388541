// How much a whole quarter's pipeline converts better or worse than its deals' own chances say:
// deals are not independent (a good or bad quarter moves many of them together). From the analog
// windows, each window's conversion c = amount won inside the quarter / amount of its population
// (the deals open at the window's moment with a close date in the quarter, known once the quarter
// ended). Part of the spread of c between windows is the deal-by-deal chance the simulation
// already draws; the rest (method of moments: observed variance minus the binomial variance of
// each window's amounts) becomes a common factor on every deal's probability in a draw.

import type { AnalogWindow } from './analog-windows.ts';
import { type HistoryDeal, inForecastPopulation } from './history-deal.ts';

export interface ConversionSpread {
  /** Windows with a population; the spread needs at least 3. */
  windows: number;
  /** Mean conversion of the windows (amount won inside / population amount). */
  meanConversion: number | null;
  /** Relative standard deviation of the common factor (0: none beyond the deals' own chances). */
  spread: number;
}

export function learnConversionSpread(
  history: Iterable<HistoryDeal>,
  windows: readonly AnalogWindow[],
): ConversionSpread {
  const conversions: number[] = [];
  const amountsPerWindow: number[][] = [];
  for (const w of windows) {
    const amounts: number[] = [];
    let won = 0;
    for (const deal of history) {
      if (!(deal.amount > 0) || !inForecastPopulation(deal, w.asOf, w.period)) continue;
      amounts.push(deal.amount);
      if (deal.isClosed && deal.isWon && deal.closedAt >= w.period.startMs && deal.closedAt < w.period.endMs)
        won += deal.amount;
    }
    const total = amounts.reduce((a, b) => a + b, 0);
    if (total <= 0) continue;
    conversions.push(won / total);
    amountsPerWindow.push(amounts);
  }
  const n = conversions.length;
  if (n === 0) return { windows: 0, meanConversion: null, spread: 0 };
  const mean = conversions.reduce((a, b) => a + b, 0) / n;
  if (n < 3 || mean <= 0) return { windows: n, meanConversion: mean, spread: 0 };
  const observed = conversions.reduce((a, c) => a + (c - mean) ** 2, 0) / (n - 1);
  // The variance of c if every deal converted independently at the mean rate.
  const binomial =
    amountsPerWindow.reduce((acc, amounts) => {
      const total = amounts.reduce((a, b) => a + b, 0);
      const sq = amounts.reduce((a, b) => a + b * b, 0);
      return acc + (sq * mean * (1 - mean)) / (total * total);
    }, 0) / n;
  const excess = Math.max(0, observed - binomial);
  return { windows: n, meanConversion: mean, spread: Math.sqrt(excess) / mean };
}
