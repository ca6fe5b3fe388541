// Revenue a quarter brings in from outside the open pipeline the simulation sees: deals created
// after the as-of and won within the quarter, deals pulled in from a later close date, deals whose
// close date had passed or was missing. On a 60-day sales cycle this is a large share of a
// quarter. It is not modelled deal by deal (those deals do not exist yet): each analog window gives
// one observed amount per owner, and every simulated draw takes one window's amounts (bootstrap).

import type { AnalogWindow } from './analog-windows.ts';
import { type HistoryDeal, inForecastPopulation, wonBetween } from './history-deal.ts';

/** Per window, the amount won per owner (key `ownerId ?? ''`) from outside the population. */
export function outsidePipelineRevenue(
  history: Iterable<HistoryDeal>,
  windows: readonly AnalogWindow[],
): Map<string, number>[] {
  return windows.map((w) => {
    const byOwner = new Map<string, number>();
    const from = Math.max(w.period.startMs, w.asOf + 1);
    for (const deal of history) {
      if (!wonBetween(deal, from, w.period.endMs)) continue;
      if (inForecastPopulation(deal, w.asOf, w.period)) continue;
      const key = deal.ownerId ?? '';
      byOwner.set(key, (byOwner.get(key) ?? 0) + deal.amount);
    }
    return byOwner;
  });
}
