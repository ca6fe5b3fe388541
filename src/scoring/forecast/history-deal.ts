// What the forecast needs of every deal's history (open or closed): when it was created and
// closed, how it ended, and its close date as it stood at any moment (from the close-date changes).

import type { Deal, FieldChange } from '../../domain/index.ts';
import { valueAsOf } from '../deal-input.ts';
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
  closeDateChanges: readonly FieldChange[];
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
    closeDateChanges: deal.closeDateChanges,
  };
}

/** The close date as it stood at `t` (the same rule compileDeal rebuilds deals with). */
export function closeDateAsOf(deal: HistoryDeal, t: number): number {
  return valueAsOf(deal.closeDateChanges, t, deal.closeDate, parseDate);
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
