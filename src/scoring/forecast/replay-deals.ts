// The deals a past quarter's forecast would have seen: open at the quarter's first instant,
// compiled as of it (stage, amount and close date rebuilt from history; no meetings booked after
// it, as in training) and scored with a context moved to that moment.

import { withAsOf, type ScoringContext } from '../context.ts';
import { compileDeal, type DealRecord } from '../deal-input.ts';
import { scoreDeal } from '../combine.ts';
import { type ForecastDeal, forecastDealFrom } from './forecast-deal.ts';
import { type HistoryDeal, wasOpenAt } from './history-deal.ts';
import type { ForecastPeriod } from './quarter-period.ts';

export interface Replay {
  period: ForecastPeriod;
  ctx: ScoringContext;
}

/** One context per replayed quarter, moved to its first instant. */
export function replaysFor(periods: readonly ForecastPeriod[], ctx: ScoringContext): Replay[] {
  return periods.map((period) => ({ period, ctx: withAsOf(ctx, period.startMs) }));
}

/** For each replay, this deal as its forecast would have seen it, or null when it was not open. */
export function replayDeal(
  record: DealRecord,
  history: HistoryDeal,
  replays: readonly Replay[],
): (ForecastDeal | null)[] {
  return replays.map(({ period, ctx }) => {
    if (!wasOpenAt(history, period.startMs)) return null;
    const input = compileDeal(record, { asOf: period.startMs, futureHorizonDays: 0 });
    if (input.isClosed) return null;
    return forecastDealFrom(input, scoreDeal(input, ctx));
  });
}
