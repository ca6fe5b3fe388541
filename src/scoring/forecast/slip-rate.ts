// The chance that a deal expected to close in the period, and won, is won only after it: learned
// from the tenant's own history of close dates. In each analog window, every deal that was open at
// the window's as-of with its close date (as it stood then) inside the quarter is followed to what
// was known at the forecast's own moment (`knownAt`):
//   - won inside the quarter: won, did not slip;
//   - won after the quarter ended: won, slipped (its close date was pushed out, or it closed late);
//     for a window before its quarter (next quarter's forecast), won before the quarter began
//     (pulled in) is not the quarter's revenue either and counts the same way;
//   - lost: not an observation (slip is conditional on winning; the win probability covers losing);
//   - still open at `knownAt` (or closed after it): it slipped out of the quarter, and will be won
//     at the rate of the deals of the windows that closed after their quarter (censoring: leaving
//     these out would hide exactly the deals pushed furthest, and the most recent window's slips).

import type { AnalogWindow } from './analog-windows.ts';
import { type HistoryDeal, inForecastPopulation } from './history-deal.ts';

/** Used when the tenant has no observations, and as the prior the observations are blended with. */
export const DEFAULT_SLIP_PROBABILITY = 0.25;
/** The default counts as this many won deals (a tenant's own data dominates past a few dozen). */
const PRIOR_WEIGHT = 10;
/** Fewer won deals observed than this: the forecast says the slip rate rests on thin history. */
const MIN_SLIP_OBSERVATIONS = 30;

export interface SlipEstimate {
  /** The probability a won deal of the population is won after the period. */
  probability: number;
  /** Won deals observed in the analog windows, and how many of them were won after their quarter. */
  observed: number;
  slipped: number;
  /** Deals still open (at the forecast's moment) after their quarter ended, and the win rate assumed for them. */
  pending: number;
  pendingWinRate: number;
  windows: number;
  /** learned: enough observations; thin: fewer than the minimum, blended with the default; default: none. */
  basis: 'learned' | 'thin' | 'default';
}

export function learnSlipRate(
  history: Iterable<HistoryDeal>,
  windows: readonly AnalogWindow[],
  knownAt: number,
): SlipEstimate {
  let wonIn = 0;
  let wonAfter = 0;
  let lostIn = 0;
  let lostAfter = 0;
  let pending = 0;
  for (const w of windows) {
    for (const deal of history) {
      if (!inForecastPopulation(deal, w.asOf, w.period)) continue;
      const closedByThen = deal.isClosed && deal.closedAt <= knownAt;
      // Outside the quarter: after it, or (a window before its quarter, for next quarter's
      // forecast) before it began, pulled in to an earlier quarter. Either way not its revenue.
      const after = deal.closedAt >= w.period.endMs || deal.closedAt < w.period.startMs;
      if (!closedByThen) pending++;
      else if (deal.isWon) {
        if (after) wonAfter++;
        else wonIn++;
      } else if (after) lostAfter++;
      else lostIn++;
    }
  }
  const late = wonAfter + lostAfter;
  const all = wonIn + wonAfter + lostIn + lostAfter;
  const pendingWinRate = late > 0 ? wonAfter / late : all > 0 ? (wonIn + wonAfter) / all : 0;
  const observed = wonIn + wonAfter;
  const slipped = wonAfter + pending * pendingWinRate;
  const won = observed + pending * pendingWinRate;
  return {
    probability: (slipped + PRIOR_WEIGHT * DEFAULT_SLIP_PROBABILITY) / (won + PRIOR_WEIGHT),
    observed,
    slipped: wonAfter,
    pending,
    pendingWinRate: Math.round(pendingWinRate * 10_000) / 10_000,
    windows: windows.length,
    basis: observed === 0 ? 'default' : observed < MIN_SLIP_OBSERVATIONS ? 'thin' : 'learned',
  };
}
