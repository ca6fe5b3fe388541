// Replays the forecast on past quarters: as of each quarter's first instant, from the deals open
// then (compiled and scored as of that moment by the caller) and only the history known then, and
// compares the 80% interval (P10..P90) of the total with the revenue actually won in the quarter.

import { WARM_UP_MS } from './analog-windows.ts';
import type { ForecastDeal } from './forecast-deal.ts';
import { forecastPeriod } from './forecast-period.ts';
import { type HistoryDeal, wonBetween } from './history-deal.ts';
import { type ForecastPeriod, shiftQuarter } from './quarter-period.ts';

export interface BacktestInput {
  period: ForecastPeriod;
  /** The deals open at `period.startMs`, scored as of it. */
  deals: readonly ForecastDeal[];
}

export interface BacktestPeriod {
  label: string;
  start: string;
  end: string;
  p10: number;
  p50: number;
  p90: number;
  /** Revenue won in the quarter (final amounts of deals won inside it). */
  realised: number;
  /** p10 <= realised <= p90. */
  inside: boolean;
  slipProbability: number;
  analogWindows: number;
}

export interface BacktestResult {
  /** Share of evaluated quarters whose realised revenue fell inside P10..P90; null when none. */
  intervalCoverage: number | null;
  /** Quarters evaluated (each needs `minAnalogs` earlier quarters to learn from). */
  evaluated: number;
  /** Quarters skipped for too little earlier history. */
  skipped: number;
  /** Mean of (p90 - p10) / realised over the evaluated quarters with revenue: how wide the interval is. */
  meanRelativeWidth: number | null;
  periods: BacktestPeriod[];
}

/** The quarters before `current` to replay, most recent first: those after the history's warm-up. */
export function backtestPeriods(
  current: ForecastPeriod,
  history: Iterable<HistoryDeal>,
  timeZone: string,
  max = 8,
): ForecastPeriod[] {
  let firstCreated = Number.POSITIVE_INFINITY;
  for (const h of history) if (h.createdAt < firstCreated) firstCreated = h.createdAt;
  const out: ForecastPeriod[] = [];
  for (let k = 1; k <= max; k++) {
    const p = shiftQuarter(current, -k, timeZone);
    if (p.startMs < firstCreated + WARM_UP_MS) break;
    out.push(p);
  }
  return out;
}

export function backtestForecast(
  inputs: readonly BacktestInput[],
  history: Iterable<HistoryDeal>,
  options: { timezone: string; draws?: number; seed?: number; minAnalogs?: number },
): BacktestResult {
  const minAnalogs = options.minAnalogs ?? 2;
  const periods: BacktestPeriod[] = [];
  let skipped = 0;
  for (const { period, deals } of inputs) {
    const f = forecastPeriod(deals, history, period, period.startMs, {
      timezone: options.timezone,
      draws: options.draws ?? 2_000,
      seed: options.seed ?? 1,
      topDeals: 0,
    });
    if (f.analogWindows < minAnalogs) {
      skipped++;
      continue;
    }
    const total = f.rows.find((r) => r.level === 'total')!;
    let realised = 0;
    for (const h of history) if (wonBetween(h, period.startMs, period.endMs)) realised += h.amount;
    realised = Math.round(realised * 100) / 100;
    periods.push({
      label: period.label,
      start: period.start,
      end: period.end,
      p10: total.p10,
      p50: total.p50,
      p90: total.p90,
      realised,
      inside: total.p10 <= realised && realised <= total.p90,
      slipProbability: f.slip.probability,
      analogWindows: f.analogWindows,
    });
  }
  const n = periods.length;
  const widths = periods.filter((p) => p.realised > 0).map((p) => (p.p90 - p.p10) / p.realised);
  return {
    intervalCoverage:
      n === 0 ? null : Math.round((periods.filter((p) => p.inside).length / n) * 10_000) / 10_000,
    evaluated: n,
    skipped,
    meanRelativeWidth:
      widths.length === 0
        ? null
        : Math.round((widths.reduce((a, b) => a + b, 0) / widths.length) * 1000) / 1000,
    periods,
  };
}
