// The whole forecast of a tenant as stored and served: the current and the next quarter in the
// tenant's time zone, and the backtest on past quarters.

import type { Owner, Target } from '../../domain/index.ts';
import { type BacktestInput, type BacktestResult, backtestForecast } from './backtest-forecast.ts';
import type { ForecastDeal } from './forecast-deal.ts';
import { forecastPeriod, type PeriodForecast } from './forecast-period.ts';
import type { HistoryDeal } from './history-deal.ts';
import { quarterContaining, shiftQuarter } from './quarter-period.ts';

export interface ForecastDocument {
  asOf: string;
  timezone: string;
  /** The current quarter, then the next. */
  periods: PeriodForecast[];
  backtest: BacktestResult;
}

export interface ForecastDocumentInput {
  asOf: number;
  timezone: string;
  /** The open deals, scored as of `asOf`. */
  deals: readonly ForecastDeal[];
  /** Every deal, open and closed. */
  history: Iterable<HistoryDeal>;
  backtest: readonly BacktestInput[] | BacktestResult;
  owners?: readonly Owner[];
  targets?: readonly Target[];
  seed?: number;
  draws?: number;
}

function isResult(b: ForecastDocumentInput['backtest']): b is BacktestResult {
  return !Array.isArray(b);
}

export function buildForecastDocument(input: ForecastDocumentInput): ForecastDocument {
  const seed = input.seed ?? 1;
  const current = quarterContaining(input.asOf, input.timezone);
  const options = {
    timezone: input.timezone,
    owners: input.owners ?? [],
    targets: input.targets ?? [],
    ...(input.draws !== undefined ? { draws: input.draws } : {}),
  };
  return {
    asOf: new Date(input.asOf).toISOString(),
    timezone: input.timezone,
    periods: [
      forecastPeriod(input.deals, input.history, current, input.asOf, { ...options, seed }),
      forecastPeriod(input.deals, input.history, shiftQuarter(current, 1, input.timezone), input.asOf, {
        ...options,
        seed: seed + 1,
      }),
    ],
    backtest: isResult(input.backtest)
      ? input.backtest
      : backtestForecast(input.backtest, input.history, { timezone: input.timezone, seed }),
  };
}

/** The demo's and the summary's view: the total row of the current quarter. */
export function forecastSummary(doc: ForecastDocument): {
  period: { label: string; start: string; end: string };
  target: number | null;
  p10: number;
  p50: number;
  p90: number;
  pReachTarget: number | null;
  intervalCoverage: number | null;
} {
  const current = doc.periods[0]!;
  const total = current.rows.find((r) => r.level === 'total')!;
  return {
    period: current.period,
    target: total.target,
    p10: total.p10,
    p50: total.p50,
    p90: total.p90,
    pReachTarget: total.pReachTarget,
    intervalCoverage: doc.backtest.intervalCoverage,
  };
}
