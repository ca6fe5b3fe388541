// One period's forecast: who is in the simulation, with which probabilities, per owner, team and
// total: P10 / P50 / P90 revenue, the chance of reaching the target, and the deals that move the
// range most.

import type { Owner, Target } from '../../domain/index.ts';
import { analogWindows, WARM_UP_MS } from './analog-windows.ts';
import type { ForecastDeal, WinProbabilitySource } from './forecast-deal.ts';
import { type ForecastGroup, forecastGroups } from './forecast-groups.ts';
import { type HistoryDeal, wonBetween } from './history-deal.ts';
import { outsidePipelineRevenue } from './outside-pipeline-revenue.ts';
import type { ForecastPeriod } from './quarter-period.ts';
import { learnSlipRate, type SlipEstimate } from './slip-rate.ts';
import { type ConversionSpread, learnConversionSpread } from './conversion-spread.ts';
import { shareAtLeast, type SimulatedDeal, simulateRevenue } from './simulate-revenue.ts';

const DEFAULT_DRAWS = 10_000;
const MIN_DRAWS = 2_000;
const MAX_DRAW_WORK = 20_000_000;

export interface ForecastOptions {
  timezone: string;
  owners?: readonly Owner[];
  targets?: readonly Target[];
  /**
   * Simulated draws. Default 10,000 (P10 / P50 / P90 move by well under 1% of P50 between seeds),
   * fewer (at least 2,000) when deals x draws would pass 20 million: a large pipeline's sum is
   * smooth, and the step stays under a second or so.
   */
  draws?: number;
  seed?: number;
  /** Deals listed per row as moving the range most. Default 5. */
  topDeals?: number;
  /** Analog windows used at most. Default 8. */
  maxAnalogs?: number;
  /** Leave out the common conversion factor (deals strictly independent). Default false. */
  independent?: boolean;
}

interface MovingDeal {
  dealId: string;
  ownerId: string | null;
  amount: number;
  winProbability: number;
  /** winProbability x (1 - slip): the chance it is won inside the period. */
  pInPeriod: number;
  /** amount^2 x q x (1 - q) as a share of the row's simulated open-pipeline variance. */
  varianceShare: number;
}

interface ForecastRow extends ForecastGroup {
  /** Won inside the period by the as-of: fixed in every draw. */
  closedWon: number;
  /** Open deals in the simulation (close date inside the period) and their unweighted amount. */
  openDeals: number;
  openAmount: number;
  /** Mean of the draws. */
  expectedRevenue: number;
  p10: number;
  p50: number;
  p90: number;
  /** Share of draws at or above the target; null without a target. */
  pReachTarget: number | null;
  /** Mean revenue from outside the open pipeline (analog windows), included in the draws. */
  outsidePipeline: number;
  topDeals: MovingDeal[];
}

export interface PeriodForecast {
  period: { label: string; start: string; end: string };
  asOf: string;
  slip: SlipEstimate;
  /** Past windows the outside-pipeline revenue is drawn from (0: none, the forecast is pipeline only). */
  analogWindows: number;
  /** The common factor on the deals' probabilities learned from the windows (spread 0: none). */
  conversion: ConversionSpread;
  /** Open deals in the simulation by where their win probability came from. */
  probabilitySources: Record<WinProbabilitySource, number>;
  /** Open deals with a close date in the period but no amount: counted, add nothing. */
  openDealsWithoutAmount: number;
  draws: number;
  seed: number;
  rows: ForecastRow[];
}

/**
 * The predictive distribution of next revenue from outside the pipeline, from n analog windows'
 * observations per group: mean, spread sd x sqrt(1 + 1/n) (the uncertainty of the mean as well as
 * the spread), Student t with n - 1 degrees of freedom: with few windows the tails are wide, as
 * they should be. One window: a normal draw with the spread equal to the observed amount.
 */
function outsideDistribution(
  perWindow: readonly (readonly number[])[],
  g: number,
): { mean: number[]; spread: number[]; df: number } | null {
  const n = perWindow.length;
  if (n === 0) return null;
  const mean = Array.from({ length: g }, (_, j) => perWindow.reduce((a, w) => a + w[j]!, 0) / n);
  const spread = mean.map((m, j) => {
    if (n === 1) return m;
    const variance = perWindow.reduce((a, w) => a + (w[j]! - m) ** 2, 0) / (n - 1);
    return Math.sqrt(variance * (1 + 1 / n));
  });
  return { mean, spread, df: n === 1 ? 0 : n - 1 };
}

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}

/**
 * Forecasts `period` as of `asOf` from the deals open then (compiled and scored as of `asOf`) and
 * the tenant's history. Only what was known at `asOf` is used: closed-won revenue up to it, slip
 * and outside-pipeline revenue from analog windows that had ended by then.
 */
export function forecastPeriod(
  deals: readonly ForecastDeal[],
  history: Iterable<HistoryDeal>,
  period: ForecastPeriod,
  asOf: number,
  options: ForecastOptions,
): PeriodForecast {
  const seed = options.seed ?? 1;
  const top = options.topDeals ?? 5;
  let firstCreated = Number.POSITIVE_INFINITY;
  for (const h of history) if (h.createdAt < firstCreated) firstCreated = h.createdAt;
  const windows = analogWindows(period, asOf, asOf, options.timezone, {
    earliest: firstCreated + WARM_UP_MS,
    ...(options.maxAnalogs !== undefined ? { max: options.maxAnalogs } : {}),
  });
  const slip = learnSlipRate(history, windows, asOf);
  const outside = outsidePipelineRevenue(history, windows);
  const conversion = options.independent ? null : learnConversionSpread(history, windows);

  // In deal-id order: the draws do not depend on the order the store returned the deals in.
  const inPeriod = deals
    .filter((d) => d.closeDate >= period.startDay && d.closeDate < period.endDay)
    .sort((a, b) => (a.dealId < b.dealId ? -1 : a.dealId > b.dealId ? 1 : 0));
  const won: HistoryDeal[] = [];
  for (const h of history) if (wonBetween(h, period.startMs, Math.min(period.endMs, asOf + 1))) won.push(h);
  // Every owner with a share of the revenue gets a row, so team and total rows add up.
  const outsideOwners = outside.flatMap((byOwner) => [...byOwner.keys()].map((k) => (k === '' ? null : k)));
  const { groups, groupsOf } = forecastGroups(
    [...inPeriod.map((d) => d.ownerId), ...won.map((h) => h.ownerId), ...outsideOwners],
    options.owners ?? [],
    options.targets ?? [],
    period,
  );
  const g = groups.length;
  const fixed = new Array<number>(g).fill(0);
  for (const h of won) for (const j of groupsOf(h.ownerId)) fixed[j]! += h.amount;

  const openDeals = new Array<number>(g).fill(0);
  const openAmount = new Array<number>(g).fill(0);
  const sources: Record<WinProbabilitySource, number> = { model: 0, prior_score: 0 };
  let withoutAmount = 0;
  const simulated: (SimulatedDeal & { deal: ForecastDeal; variance: number })[] = [];
  for (const d of inPeriod) {
    sources[d.source]++;
    const idx = groupsOf(d.ownerId);
    for (const j of idx) openDeals[j]!++;
    if (!(d.amount > 0)) {
      withoutAmount++;
      continue;
    }
    for (const j of idx) openAmount[j]! += d.amount;
    const q = d.winProbability * (1 - slip.probability);
    simulated.push({
      amount: d.amount,
      pInPeriod: q,
      groups: idx,
      deal: d,
      variance: d.amount ** 2 * q * (1 - q),
    });
  }
  const perWindow = outside.map((byOwner) => {
    const row = new Array<number>(g).fill(0);
    for (const [owner, amount] of byOwner)
      for (const j of groupsOf(owner === '' ? null : owner)) row[j]! += amount;
    return row;
  });
  const outsideRevenue = outsideDistribution(perWindow, g);
  const draws =
    options.draws ??
    Math.max(MIN_DRAWS, Math.min(DEFAULT_DRAWS, Math.floor(MAX_DRAW_WORK / Math.max(1, simulated.length))));
  const results = simulateRevenue({
    groupCount: g,
    fixed,
    deals: simulated,
    ...(outsideRevenue ? { outside: outsideRevenue } : {}),
    ...(conversion && conversion.spread > 0
      ? {
          common: {
            spread: conversion.spread * Math.sqrt(1 + 1 / conversion.windows),
            df: conversion.windows - 1,
          },
        }
      : {}),
    draws,
    seed,
  });

  const rows: ForecastRow[] = groups.map((group, j) => {
    const r = results[j]!;
    const members = simulated.filter((s) => s.groups.includes(j));
    const variance = members.reduce((a, s) => a + s.variance, 0);
    const outsideMean = outsideRevenue?.mean[j] ?? 0;
    return {
      ...group,
      closedWon: round2(fixed[j]!),
      openDeals: openDeals[j]!,
      openAmount: round2(openAmount[j]!),
      expectedRevenue: round2(r.mean),
      p10: round2(r.p10),
      p50: round2(r.p50),
      p90: round2(r.p90),
      pReachTarget: group.target == null ? null : round4(shareAtLeast(r.sorted, group.target)),
      outsidePipeline: round2(outsideMean),
      topDeals: members
        .sort((a, b) => b.variance - a.variance || (a.deal.dealId < b.deal.dealId ? -1 : 1))
        .slice(0, top)
        .map((s) => ({
          dealId: s.deal.dealId,
          ownerId: s.deal.ownerId,
          amount: s.amount,
          winProbability: round4(s.deal.winProbability),
          pInPeriod: round4(s.pInPeriod),
          varianceShare: variance > 0 ? round4(s.variance / variance) : 0,
        })),
    };
  });
  return {
    period: { label: period.label, start: period.start, end: period.end },
    asOf: new Date(asOf).toISOString(),
    slip: { ...slip, probability: round4(slip.probability) },
    analogWindows: windows.length,
    conversion: conversion
      ? {
          windows: conversion.windows,
          meanConversion: conversion.meanConversion === null ? null : round4(conversion.meanConversion),
          spread: round4(conversion.spread),
        }
      : { windows: 0, meanConversion: null, spread: 0 },
    probabilitySources: sources,
    openDealsWithoutAmount: withoutAmount,
    draws,
    seed,
    rows,
  };
}
