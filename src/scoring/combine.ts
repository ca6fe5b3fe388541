// Combines indicator results into the deal's HealthResult: a confidence-weighted 0..100 score,
// band, win probability (fitted model only), the top three reasons and the trend.

import type { Band, HealthResult, IndicatorResult, Trend } from '../domain/index.ts';
import { computeActivityStats, emptyActivityStats } from './activity-stats.ts';
import type { BandThresholds, ScoringContext } from './context.ts';
import type { DealInput } from './deal-input.ts';
import {
  access,
  amountAndStageRegression,
  closeDateIntegrity,
  industryUnderstanding,
  jointPlanning,
  knowledgeSharing,
  nextStep,
  openCommunication,
  satisfaction,
  stageAge,
  trust,
} from './indicators/index.ts';
import { NO_ACTIVITY } from './indicators/indicator.ts';
import { CORE_INDICATOR_KEYS } from './weights.ts';
import { indicatorFeature, sigmoid } from './model.ts';
import { ensembleLogit } from './tree-ensemble.ts';

const CORE_COUNT = CORE_INDICATOR_KEYS.length;

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

/**
 * Evaluates every indicator for one deal (core, then the context's extra indicators) into a new
 * array, and returns the number of activities seen as of `ctx.asOf`. The core indicators are called
 * one by one, in CORE_INDICATOR_KEYS order, rather than through an array: direct calls let V8 inline them (a loop over an
 * array of eleven functions is a megamorphic call site), which is a large share of scoring time.
 */
function evaluateInto(input: DealInput, ctx: ScoringContext, out: IndicatorResult[]): number {
  // Reused: indicators read the counters only while being evaluated, and this does not recurse.
  const s = computeActivityStats(input, ctx.asOf, scratchStats);
  out[0] = openCommunication(input, s, ctx);
  out[1] = access(input, s, ctx);
  out[2] = knowledgeSharing(input, s, ctx);
  out[3] = jointPlanning(input, s, ctx);
  out[4] = industryUnderstanding(input, s, ctx);
  out[5] = satisfaction(input, s, ctx);
  out[6] = trust(input, s, ctx);
  out[7] = stageAge(input, s, ctx);
  out[8] = closeDateIntegrity(input, s, ctx);
  out[9] = amountAndStageRegression(input, s, ctx);
  out[10] = nextStep(input, s, ctx);
  const extra = ctx.extraIndicators;
  for (let j = 0; j < extra.length; j++) out[CORE_COUNT + j] = extra[j]!.evaluate(input, s, ctx);
  return s.total;
}

/** Evaluates every indicator for one deal (core, then the context's extra indicators). */
export function evaluateIndicators(
  input: DealInput,
  ctx: ScoringContext,
): { indicators: IndicatorResult[]; activityCount: number } {
  const indicators: IndicatorResult[] = new Array(CORE_COUNT + ctx.extraIndicators.length);
  const activityCount = evaluateInto(input, ctx, indicators);
  return { indicators, activityCount };
}

const round4 = (x: number): number => Math.round(x * 10_000) / 10_000;
let scratchX = new Float64Array(32);
let scratchC = new Float64Array(32);

/**
 * A trees model's win probability and each indicator's path contribution (aligned with
 * `indicators`; 0 for indicators the model does not use): the log-odds are the ensemble's bias
 * plus these contributions (tree-ensemble.ts).
 */
function treesOutput(
  indicators: readonly IndicatorResult[],
  ctx: ScoringContext,
): { winProbability: number; contributions: number[] } {
  const e = ctx.ensemble!;
  const index = ctx.modelFeatureIndex;
  const nf = index.length;
  if (scratchX.length < nf) {
    scratchX = new Float64Array(nf);
    scratchC = new Float64Array(nf);
  }
  // Reused buffers (scoring does not recurse); views of the model's width.
  const x = scratchX.subarray(0, nf);
  const c = scratchC.subarray(0, nf);
  c.fill(0);
  for (let j = 0; j < nf; j++) {
    const idx = index[j]!;
    x[j] = idx >= 0 ? indicatorFeature(indicators[idx]!) : 0;
  }
  const z = ensembleLogit(e, x, c);
  const contributions = new Array<number>(indicators.length).fill(0);
  for (let j = 0; j < nf; j++) {
    const idx = index[j]!;
    if (idx >= 0) contributions[idx] = round4(c[j]!);
  }
  return { winProbability: round4(sigmoid(z)), contributions };
}

/** The logistic model's win probability for these indicators, or null on the prior model. */
function winProbabilityFor(indicators: readonly IndicatorResult[], ctx: ScoringContext): number | null {
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
 * Up to three reasons, worst first: the evidence of the indicators with the largest negative
 * contributions to the score in use, contribution = factor x feature, where the factor is the
 * logistic model's coefficient (or the prior weight before a model) and the feature is
 * confidence x (subScore - 0.5) x 2; on a trees model, the indicator's path contribution, for
 * indicators whose sub-score is below neutral. Only indicators with confidence >= `ctx.reasonMinConfidence`
 * count; equal contributions follow REASON_PRIORITY. A deal with no activity at all says so in the
 * last free slot, so missing data is never silently read as good or bad news.
 */
function topReasons(
  indicators: readonly IndicatorResult[],
  ctx: ScoringContext,
  noActivity: boolean,
  contributions: ArrayLike<number> = contributionsOf(indicators, ctx),
): string[] {
  // Three slots of (index, contribution), most negative first.
  let i0 = -1;
  let i1 = -1;
  let i2 = -1;
  let k0 = 0;
  let k1 = 0;
  let k2 = 0;
  const rank = ctx.reasonRank;
  const minConfidence = ctx.reasonMinConfidence;
  // A tree may credit a good-reading value below the average deal (explain shows it as a negative
  // driver); a reason must read as a problem, so on a trees model only sub-scores below neutral.
  const badOnly = ctx.ensemble !== null;
  for (let i = 0; i < indicators.length; i++) {
    const ind = indicators[i]!;
    if (ind.confidence < minConfidence) continue;
    if (badOnly && !(ind.subScore < 0.5)) continue;
    const c = contributions[i]!;
    if (!(c < -1e-9)) continue;
    // Ties (within 1e-9) go to the higher priority: a tiny rank term keeps the order total.
    const k = c + (rank[i] ?? 999) * 1e-12;
    if (i0 < 0 || k < k0) {
      i2 = i1;
      k2 = k1;
      i1 = i0;
      k1 = k0;
      i0 = i;
      k0 = k;
    } else if (i1 < 0 || k < k1) {
      i2 = i1;
      k2 = k1;
      i1 = i;
      k1 = k;
    } else if (i2 < 0 || k < k2) {
      i2 = i;
      k2 = k;
    }
  }
  const reasons: string[] = [];
  addReason(reasons, indicators, i0);
  addReason(reasons, indicators, i1);
  addReason(reasons, indicators, i2);
  if (noActivity && reasons.length < 3) reasons.push(NO_ACTIVITY);
  return reasons;
}

/** Each indicator's contribution in the model in use: factor (coefficient or prior weight) x feature. */
function contributionsOf(indicators: readonly IndicatorResult[], ctx: ScoringContext): number[] {
  const factor = ctx.contributionFactors;
  const out = new Array<number>(indicators.length);
  for (let i = 0; i < indicators.length; i++) {
    out[i] = Math.round((factor[i] ?? 0) * indicatorFeature(indicators[i]!) * 10_000) / 10_000;
  }
  return out;
}

/** Appends indicator `j`'s evidence unless there are three reasons already or it says the same. */
function addReason(reasons: string[], indicators: readonly IndicatorResult[], j: number): void {
  if (j < 0 || reasons.length >= 3) return;
  const e = indicators[j]!.evidence;
  if (!reasons.includes(e)) reasons.push(e);
}

/**
 * Combines indicator results into a HealthResult (see docs/SCORING.md for the formula). Positional
 * arguments: no options object per deal on the hot path.
 */
function combine(
  dealId: string,
  indicators: IndicatorResult[],
  ctx: ScoringContext,
  previousScore: number | null | undefined,
  noActivity: boolean,
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
  // One story per deal: with an adopted model the score is its win probability x 100; before
  // that, the confidence-weighted mean of sub-scores (neutral 50 with no usable evidence at all).
  const trees = ctx.ensemble ? treesOutput(indicators, ctx) : null;
  const winProbability = trees ? trees.winProbability : winProbabilityFor(indicators, ctx);
  const raw = winProbability !== null ? 100 * winProbability : swc > 1e-9 ? (100 * swcs) / swc : 50;
  const score = Math.min(100, Math.max(0, Math.round(raw * 10) / 10));
  const contributions = trees ? trees.contributions : contributionsOf(indicators, ctx);
  return {
    dealId,
    asOf: ctx.asOfIso,
    score,
    band: bandFor(score, ctx.bands),
    winProbability,
    confidence: sw > 0 ? Math.round((swc / sw) * 1000) / 1000 : 0,
    indicators,
    contributions,
    reasons: topReasons(indicators, ctx, noActivity, contributions),
    trend: trendFor(score, previousScore, ctx.trendDeadZone),
    modelVersion: ctx.model.version,
  };
}

/**
 * The score these indicators get from the prior weights (combine's rule before a model is served):
 * the yardstick live accuracy compares a served model with (live-accuracy.ts).
 */
export function priorScoreOf(indicators: readonly IndicatorResult[], ctx: ScoringContext): number {
  const w = ctx.weights;
  let swc = 0;
  let swcs = 0;
  for (let i = 0; i < indicators.length; i++) {
    const ind = indicators[i]!;
    const wi = w[i] ?? 0;
    swc += wi * ind.confidence;
    swcs += wi * ind.confidence * ind.subScore;
  }
  const raw = swc > 1e-9 ? (100 * swcs) / swc : 50;
  return Math.min(100, Math.max(0, Math.round(raw * 10) / 10));
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
  const indicators: IndicatorResult[] = new Array(CORE_COUNT + ctx.extraIndicators.length);
  const activityCount = evaluateInto(input, ctx, indicators);
  return combine(input.id, indicators, ctx, previous?.score, activityCount === 0);
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
