// What the forecast needs of every deal's history (open or closed): when it was created and
// closed, how it ended, and its close date as it stood at any moment (from the close-date changes).

import type { Deal } from '../../domain/index.ts';
import { parseDate, parseTime } from '../time.ts';
import type { ForecastPeriod } from './quarter-period.ts';

export interface HistoryDeal {
  id: string;
  ownerId: string | null;
  /** The final amount (what a won deal brought in); NaN when none. */
  amount: number;
  createdAt: number;
  isClosed: boolean;
  isWon: boolean;
  /** Epoch ms; NaN while open (or when the CRM gave no close time). */
  closedAt: number;
  /** The record's close date now (UTC-midnight ms), NaN when none. */
  closeDate: number;
  /** Close-date changes parsed once (the forecast asks for the close date at many moments). */
  closeDateChanges: readonly CloseDateChange[];
}

/** A close-date change: when (epoch ms), from and to (UTC-midnight ms; NaN for none). */
interface CloseDateChange {
  at: number;
  from: number;
  to: number;
}

export function historyDealFrom(deal: Deal): HistoryDeal {
  return {
    id: deal.id,
    ownerId: deal.ownerId,
    amount: deal.amount ?? Number.NaN,
    createdAt: parseTime(deal.createdAt),
    isClosed: deal.isClosed,
    isWon: deal.isWon,
    closedAt: deal.isClosed ? parseTime(deal.closedAt) : Number.NaN,
    closeDate: parseDate(deal.closeDate),
    closeDateChanges: deal.closeDateChanges
      .map((c) => ({ at: parseTime(c.at), from: parseDate(c.from), to: parseDate(c.to) }))
      .filter((c) => !Number.isNaN(c.at)),
  };
}

/**
 * The close date as it stood at `t`, by the rule compileDeal rebuilds deals with (deal-input.ts
 * `valueAsOf`, on parsed numbers): the last change at or before `t` gives its `to`; failing that,
 * the first later change gives its `from`; with no history the record's close date stands.
 */
export function closeDateAsOf(deal: HistoryDeal, t: number): number {
  let before = Number.NaN;
  let beforeAt = Number.NEGATIVE_INFINITY;
  let seenBefore = false;
  let after = Number.NaN;
  let afterAt = Number.POSITIVE_INFINITY;
  let seenAfter = false;
  for (const c of deal.closeDateChanges) {
    if (c.at <= t) {
      if (c.at >= beforeAt) {
        beforeAt = c.at;
        before = c.to;
        seenBefore = true;
      }
    } else if (c.at < afterAt) {
      afterAt = c.at;
      after = c.from;
      seenAfter = true;
    }
  }
  if (seenBefore) return before;
  if (seenAfter) return after;
  return deal.closeDate;
}

/** Created by `t` and not closed by then. */
export function wasOpenAt(deal: HistoryDeal, t: number): boolean {
  return deal.createdAt <= t && !(deal.isClosed && deal.closedAt <= t);
}

/** True when the deal was won with a close time inside [from, to). */
export function wonBetween(deal: HistoryDeal, from: number, to: number): boolean {
  return deal.isClosed && deal.isWon && deal.closedAt >= from && deal.closedAt < to && deal.amount > 0;
}

/**
 * The forecast's population at `t` for `period`: deals open at `t` whose close date, as it stood at
 * `t`, falls inside the period. Deals whose close date had already passed before the period, lies
 * beyond it, or was missing are not in it (their revenue is "outside the open pipeline").
 */
export function inForecastPopulation(deal: HistoryDeal, t: number, period: ForecastPeriod): boolean {
  if (!wasOpenAt(deal, t)) return false;
  const close = closeDateAsOf(deal, t);
  return close >= period.startDay && close < period.endDay;
}
