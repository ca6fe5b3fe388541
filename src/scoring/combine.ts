// Combines indicator results into the deal's HealthResult: a confidence-weighted 0..100 score,
// band, win probability (fitted model only), the top three reasons and the trend.

import type { Band, HealthResult, IndicatorResult, Trend } from '../domain/index.ts';
import { computeActivityStats, emptyActivityStats } from './activity-stats.ts';
import type { BandThresholds, ScoringContext } from './context.ts';
import type { DealInput } from './deal-input.ts';
import { CORE_INDICATORS } from './indicators/index.ts';
import { NO_ACTIVITY } from './indicators/indicator.ts';
import { indicatorFeature, sigmoid } from './model.ts';

export function bandFor(score: number, bands: BandThresholds): Band {
  return score >= bands.healthy ? 'healthy' : score >= bands.watch ? 'watch' : 'at_risk';
}

/**
 * Trend against an earlier score: a change of less than `deadZone` points either way is "steady"
 * (day-to-day noise such as one more day in stage must not flip the trend).
 */
export function trendFor(score: number, previous: number | null | undefined, deadZone: number): Trend | null {
  if (previous == null || !Number.isFinite(previous)) return null;
  const d = score - previous;
  return d >= deadZone ? 'improving' : d <= -deadZone ? 'declining' : 'steady';
}

const scratchStats = emptyActivityStats();

/** Evaluates every indicator for one deal (core, then the context's extra indicators). */
export function evaluateIndicators(
  input: DealInput,
  ctx: ScoringContext,
): { indicators: IndicatorResult[]; activityCount: number } {
  // Reused: indicators read the counters only while being evaluated, and this does not recurse.
  const stats = computeActivityStats(input, ctx.asOf, scratchStats);
  const n = CORE_INDICATORS.length;
  const indicators: IndicatorResult[] = new Array(n + ctx.extraIndicators.length);
  for (let i = 0; i < n; i++) indicators[i] = CORE_INDICATORS[i]!(input, stats, ctx);
  for (let j = 0; j < ctx.extraIndicators.length; j++)
    indicators[n + j] = ctx.extraIndicators[j]!.evaluate(input, stats, ctx);
  return { indicators, activityCount: stats.total };
}

/** The model's win probability for these indicators, or null on the prior model. */
export function winProbabilityFor(
  indicators: readonly IndicatorResult[],
  ctx: ScoringContext,
): number | null {
  const m = ctx.model;
  if (m.kind !== 'logistic') return null;
  let z = m.intercept;
  for (let j = 0; j < m.coefficients.length; j++) {
    const idx = ctx.modelFeatureIndex[j]!;
    if (idx >= 0) z += m.coefficients[j]! * indicatorFeature(indicators[idx]!);
  }
  return Math.round(sigmoid(z) * 10_000) / 10_000;
}

/**
 * Up to three reasons, worst first: the evidence of the lowest-scoring indicators whose confidence
 * is at least `ctx.reasonMinConfidence`. Sub-scores are compared in 0.05 steps; within a step the
 * fixed REASON_PRIORITY decides (so a passed, pushed close date is named before a slightly lower
 * but less specific signal). A deal with no activity at all says so first, so missing data is
 * never silently read as good or bad news.
 */
export function topReasons(
  indicators: readonly IndicatorResult[],
  ctx: ScoringContext,
  noActivity: boolean,
): string[] {
  const picked = [-1, -1, -1];
  const rank = ctx.reasonRank;
  const key = (i: number): number => Math.floor(indicators[i]!.subScore * 20) * 1000 + (rank[i] ?? 999);
  for (let i = 0; i < indicators.length; i++) {
    const ind = indicators[i]!;
    if (ind.confidence < ctx.reasonMinConfidence) continue;
    // Insert into the three-slot list ordered by (0.05 step of subScore asc, priority asc).
    const k = key(i);
    let pos = 3;
    while (pos > 0) {
      const j = picked[pos - 1]!;
      if (j >= 0 && key(j) <= k) break;
      pos--;
    }
    if (pos < 3) {
      for (let k = 2; k > pos; k--) picked[k] = picked[k - 1]!;
      picked[pos] = i;
    }
  }
  const reasons: string[] = noActivity ? [NO_ACTIVITY] : [];
  for (const j of picked) {
    if (j < 0 || reasons.length >= 3) continue;
    const e = indicators[j]!.evidence;
    if (!reasons.includes(e)) reasons.push(e);
  }
  return reasons;
}

/** Combines indicator results into a HealthResult (see docs/SCORING.md for the formula). */
export function combine(
  dealId: string,
  indicators: IndicatorResult[],
  ctx: ScoringContext,
  options: { previousScore?: number | null | undefined; noActivity?: boolean } = {},
): HealthResult {
  const w = ctx.weights;
  let sw = 0;
  let swc = 0;
  let swcs = 0;
  for (let i = 0; i < indicators.length; i++) {
    const ind = indicators[i]!;
    const wi = w[i] ?? 0;
    sw += wi;
    swc += wi * ind.confidence;
    swcs += wi * ind.confidence * ind.subScore;
  }
  // Confidence-weighted mean; with no usable evidence at all the score is neutral (50).
  const raw = swc > 1e-9 ? (100 * swcs) / swc : 50;
  const score = Math.min(100, Math.max(0, Math.round(raw * 10) / 10));
  return {
    dealId,
    asOf: ctx.asOfIso,
    score,
    band: bandFor(score, ctx.bands),
    winProbability: winProbabilityFor(indicators, ctx),
    confidence: sw > 0 ? Math.round((swc / sw) * 1000) / 1000 : 0,
    indicators,
    reasons: topReasons(indicators, ctx, options.noActivity ?? false),
    trend: trendFor(score, options.previousScore, ctx.trendDeadZone),
    modelVersion: ctx.model.version,
  };
}

/**
 * Scores one compiled deal as of `ctx.asOf`. Pure and total: never throws on messy input.
 * `input` should be compiled for the same moment (its stage, amount and close date are rebuilt as
 * of `input.asOf`; activities after `ctx.asOf` are ignored either way). `previous` is the result of
 * about 7 days ago, for the trend.
 */
export function scoreDeal(
  input: DealInput,
  ctx: ScoringContext,
  previous?: Pick<HealthResult, 'score'> | null,
): HealthResult {
  const { indicators, activityCount } = evaluateIndicators(input, ctx);
  return combine(input.id, indicators, ctx, {
    previousScore: previous?.score,
    noActivity: activityCount === 0,
  });
}

/** Scores many deals with one context; `previous` looks up each deal's earlier result by id. */
export function scoreDeals(
  inputs: Iterable<DealInput>,
  ctx: ScoringContext,
  previous?: ReadonlyMap<string, Pick<HealthResult, 'score'>>,
): HealthResult[] {
  const out: HealthResult[] = [];
  for (const input of inputs) out.push(scoreDeal(input, ctx, previous?.get(input.id)));
  return out;
}
