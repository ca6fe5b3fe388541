// When a fitted model may replace the prior: it must beat the prior-weight score on held-out deals
// by a margin, with enough deals, shown by cross-validation with an interval; and its probabilities
// must beat the base rate. Otherwise the prior stays and the report says why.

import type { FoldRuns } from './cross-validation.ts';
import { round4 } from './metrics.ts';

export interface AdoptionRule {
  minWon: number;
  minLost: number;
  /** The cross-validated AUC gain over the prior score must be at least this. Default 0.02. */
  minAucGain: number;
}

export const DEFAULT_MIN_AUC_GAIN = 0.02;

type AdoptionCode =
  | 'adopted'
  | 'too_few_deals'
  | 'cannot_validate'
  | 'no_gain_over_prior'
  | 'gain_not_shown'
  | 'no_calibration_skill';

/** Mean and a two-sided 90% interval over the outer folds. */
export interface Interval {
  mean: number;
  lower: number;
  upper: number;
}

export interface AdoptionDecision {
  adopted: boolean;
  code: AdoptionCode;
  /** Plain words: why the model is or is not served. */
  reason: string;
  minAucGain: number;
  /** Cross-validated AUC of the model, of the prior score, and the model's gain over the prior. */
  auc: Interval | null;
  priorAuc: Interval | null;
  aucGain: Interval | null;
  /** Brier of the model against always predicting the base rate (lower is better). */
  brier: Interval | null;
  baseRateBrier: number | null;
}

const Z90 = 1.6448536269514722;

/** Student-t quantile from the normal one (Cornish-Fisher; within 0.002 of the table for df >= 3). */
function tQuantile(z: number, df: number): number {
  const z3 = z ** 3;
  const z5 = z ** 5;
  const z7 = z ** 7;
  return (
    z +
    (z3 + z) / (4 * df) +
    (5 * z5 + 16 * z3 + 3 * z) / (96 * df * df) +
    (3 * z7 + 19 * z5 + 17 * z3 - 15 * z) / (384 * df ** 3)
  );
}

/**
 * Mean and 90% interval of per-fold values from repeated k-fold cross-validation. The folds overlap
 * in their training rows, so the plain standard error is too small; the variance is corrected by
 * (1/J + n_test/n_train) as Nadeau and Bengio (2003) propose for repeated resampling.
 */
export function foldInterval(values: readonly number[], testTrainRatio: number): Interval {
  const xs = values.filter((v) => Number.isFinite(v));
  const j = xs.length;
  if (j === 0) return { mean: Number.NaN, lower: Number.NaN, upper: Number.NaN };
  const mean = xs.reduce((a, b) => a + b, 0) / j;
  if (j < 2) return { mean: round4(mean), lower: Number.NaN, upper: Number.NaN };
  const s2 = xs.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (j - 1);
  const half = tQuantile(Z90, j - 1) * Math.sqrt((1 / j + testTrainRatio) * s2);
  return { mean: round4(mean), lower: round4(mean - half), upper: round4(mean + half) };
}

const f3 = (x: number): string => x.toFixed(3);

/** Decides whether the cross-validated fit is served; `counts` are the training rows per class. */
export function decideAdoption(
  runs: FoldRuns | null,
  counts: { won: number; lost: number },
  rule: AdoptionRule,
): AdoptionDecision {
  const none = {
    minAucGain: rule.minAucGain,
    auc: null,
    priorAuc: null,
    aucGain: null,
    brier: null,
    baseRateBrier: null,
  };
  if (counts.won < rule.minWon || counts.lost < rule.minLost) {
    return {
      ...none,
      adopted: false,
      code: 'too_few_deals',
      reason: `Only ${counts.won} won and ${counts.lost} lost closed deals (need ${rule.minWon} and ${rule.minLost}); keeping the survey prior weights, no win probability`,
    };
  }
  if (!runs) {
    return {
      ...none,
      adopted: false,
      code: 'cannot_validate',
      reason: 'Too few deals of one outcome to cross-validate; keeping the survey prior weights',
    };
  }
  const ratio = runs.testTrainRatio;
  const gains = runs.auc.map((a, i) => a - runs.priorAuc[i]!);
  const brierDiff = runs.brier.map((b, i) => b - runs.baseRateBrier[i]!);
  const auc = foldInterval(runs.auc, ratio);
  const priorAuc = foldInterval(runs.priorAuc, ratio);
  const aucGain = foldInterval(gains, ratio);
  const brier = foldInterval(runs.brier, ratio);
  const base = foldInterval(runs.baseRateBrier, ratio).mean;
  const brierGain = foldInterval(brierDiff, ratio);
  const figures = { minAucGain: rule.minAucGain, auc, priorAuc, aucGain, brier, baseRateBrier: base };
  const cv = `${runs.repeats} x ${runs.folds}-fold cross-validation: AUC ${f3(auc.mean)} against ${f3(priorAuc.mean)} for the prior score (gain ${f3(aucGain.mean)}, 90% interval ${f3(aucGain.lower)} to ${f3(aucGain.upper)})`;
  if (!(aucGain.mean >= rule.minAucGain)) {
    return {
      ...figures,
      adopted: false,
      code: 'no_gain_over_prior',
      reason: `The fitted model does not beat the prior score by ${rule.minAucGain} AUC on held-out deals (${cv}); keeping the survey prior weights, no win probability`,
    };
  }
  if (!(aucGain.lower > 0)) {
    return {
      ...figures,
      adopted: false,
      code: 'gain_not_shown',
      reason: `The fitted model's gain over the prior score is within the noise (${cv}); keeping the survey prior weights, no win probability`,
    };
  }
  if (!(brierGain.mean < 0)) {
    return {
      ...figures,
      adopted: false,
      code: 'no_calibration_skill',
      reason: `The fitted model's probabilities are no better than the base rate (Brier ${f3(brier.mean)} against ${f3(base)}; ${cv}); keeping the survey prior weights`,
    };
  }
  return {
    ...figures,
    adopted: true,
    code: 'adopted',
    reason: `Adopted: ${cv}; Brier ${f3(brier.mean)} against ${f3(base)} for the base rate`,
  };
}
