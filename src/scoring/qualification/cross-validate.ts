// Stratified, repeated k-fold cross-validation of the tenant's win model over its closed deals:
// AUC and Brier (mean and spread over folds), calibration by decile of the out-of-fold predictions,
// counts, per-indicator effects, the learner the train job would choose (logistic or boosted trees,
// on the same folds) and the adoption decision it would take on them.
// Deterministic for a seed.

import { type AdoptionDecision, DEFAULT_MIN_AUC_GAIN, decideAdoption } from '../calibration/adoption.ts';
import { DEFAULT_MIN_COUNTS } from '../calibration/calibrate.ts';
import type { BoostedTreesOptions } from '../calibration/boosted-trees.ts';
import { chooseL2, runFolds } from '../calibration/cross-validation.ts';
import {
  DEFAULT_TREES_MIN_AUC_GAIN,
  familyRuns,
  type ModelFamily,
  type ModelSelection,
  selectModelFamily,
} from '../calibration/model-selection.ts';
import { fitLogistic } from '../calibration/logistic.ts';
import { type CalibrationBin, calibrationByDecile, round4 } from '../calibration/metrics.ts';
import { mulberry32 } from '../calibration/rng.ts';
import { buildTrainingSet, type TrainingSet, type TrainingSetOptions } from '../calibration/training-set.ts';
import type { DealRecord } from '../deal-input.ts';

export interface CrossValidateOptions extends TrainingSetOptions {
  /** Folds per repeat. Default 5 (lowered to the smaller class count when there are fewer deals). */
  folds?: number;
  /** Repeats with fresh shuffles. Default 3. */
  repeats?: number;
  /** Seed of the shuffles. Default 1. */
  seed?: number;
  /** A fixed L2 penalty. Default: chosen by inner cross-validation in each training fold. */
  l2?: number;
  /** Adoption rule, as in calibrate. */
  minWon?: number;
  minLost?: number;
  minAucGain?: number;
  /** The boosted-tree candidate, as in calibrate (default: fitted with BOOSTED_TREES_DEFAULTS). */
  trees?: boolean | BoostedTreesOptions;
  minTreesAucGain?: number;
}

interface MeanSpread {
  mean: number;
  /** Sample standard deviation over folds. */
  std: number;
  min: number;
  max: number;
}

interface IndicatorEffect {
  key: string;
  /** Coefficient fitted on every row. */
  coefficient: number;
  /** Mean and spread of the coefficient over the folds' fits. */
  folds: MeanSpread;
  /** Share of rows where the indicator had any data (non-zero feature). */
  coverage: number;
}

export interface CrossValidationReport {
  status: 'evaluated' | 'insufficient';
  message: string;
  folds: number;
  repeats: number;
  seed: number;
  /** L2 penalty of the fit on all rows (per fold it is chosen by inner cross-validation unless fixed). */
  l2: number;
  leadDays: number;
  deals: { won: number; lost: number };
  counts: { won: number; lost: number; skipped: TrainingSet['skipped'] };
  /** The learner the train job would fit (null when not evaluated). */
  family: ModelFamily | null;
  /** Why that learner, with both candidates' cross-validated AUC and Brier on the same folds. */
  selection: ModelSelection | null;
  /** Out-of-fold metrics of the chosen learner per fold (null when not evaluated). */
  auc: MeanSpread | null;
  brier: MeanSpread | null;
  /** AUC of the prior-weight score per fold, for comparison. */
  priorScoreAuc: MeanSpread | null;
  /** Brier of always predicting the training folds' base rate. */
  baseRateBrier: MeanSpread | null;
  /** Whether the train job would serve this model, and why (the same rule). */
  adopted: boolean;
  reason: string;
  adoption: AdoptionDecision;
  /** Calibration of every out-of-fold prediction of every repeat (chosen learner; trees before Platt scaling). */
  calibration: CalibrationBin[];
  /** Effects in the logistic candidate (also when the trees are chosen: the additive view). */
  indicators: IndicatorEffect[];
}

function spread(xs: readonly number[]): MeanSpread {
  const ok = xs.filter((x) => Number.isFinite(x));
  if (ok.length === 0) return { mean: Number.NaN, std: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mean = ok.reduce((a, b) => a + b, 0) / ok.length;
  const std =
    ok.length < 2 ? 0 : Math.sqrt(ok.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (ok.length - 1));
  return { mean: round4(mean), std: round4(std), min: round4(Math.min(...ok)), max: round4(Math.max(...ok)) };
}

/** Cross-validates the calibration on a tenant's closed deals. */
export function crossValidate(
  records: Iterable<DealRecord>,
  options: CrossValidateOptions = {},
): CrossValidationReport {
  const ts = buildTrainingSet(records, options);
  return crossValidateTrainingSet(ts, options);
}

/** Cross-validates on an already built training set (its features are leakage-safe by construction). */
export function crossValidateTrainingSet(
  ts: TrainingSet,
  options: CrossValidateOptions = {},
): CrossValidationReport {
  const seed = options.seed ?? 1;
  const repeats = Math.max(1, Math.floor(options.repeats ?? 3));
  const d = ts.features.length;
  let won = 0;
  for (const v of ts.y) won += v;
  const lost = ts.y.length - won;
  const runs = runFolds(ts, {
    folds: options.folds ?? 5,
    repeats,
    seed,
    l2: options.l2,
    trees: options.trees ?? true,
  });
  const selection = runs
    ? selectModelFamily(runs, options.minTreesAucGain ?? DEFAULT_TREES_MIN_AUC_GAIN)
    : null;
  const chosen = runs && selection ? familyRuns(runs, selection.family) : null;
  const adoption = decideAdoption(
    chosen,
    { won, lost },
    {
      minWon: options.minWon ?? DEFAULT_MIN_COUNTS.won,
      minLost: options.minLost ?? DEFAULT_MIN_COUNTS.lost,
      minAucGain: options.minAucGain ?? DEFAULT_MIN_AUC_GAIN,
    },
  );
  const base = {
    folds: runs?.folds ?? Math.min(Math.max(2, Math.floor(options.folds ?? 5)), won, lost),
    repeats,
    seed,
    leadDays: ts.leadDays,
    deals: { won, lost },
    counts: { won, lost, skipped: ts.skipped },
    adopted: adoption.adopted,
    reason: adoption.reason,
    adoption,
    family: selection?.family ?? null,
    selection,
  };
  if (!runs || !chosen) {
    return {
      ...base,
      l2: options.l2 ?? 1,
      status: 'insufficient',
      message: `Need at least 2 won and 2 lost closed deals to cross-validate (have ${won} won, ${lost} lost)`,
      auc: null,
      brier: null,
      priorScoreAuc: null,
      baseRateBrier: null,
      calibration: [],
      indicators: [],
    };
  }
  const rowsAll = Array.from({ length: ts.y.length }, (_, i) => i);
  const l2 = options.l2 ?? chooseL2(ts, rowsAll, mulberry32(seed ^ 0x2545f491));
  const all = fitLogistic(ts.x, ts.y, d, { l2 });
  const rows = ts.y.length;
  const indicators = ts.features.map((key, j) => {
    let nonZero = 0;
    for (let i = 0; i < rows; i++) if (ts.x[i * d + j] !== 0) nonZero++;
    return {
      key,
      coefficient: round4(all.coefficients[j]!),
      folds: spread(runs.coefficients.map((c) => c[j]!)),
      coverage: rows === 0 ? 0 : round4(nonZero / rows),
    };
  });
  const a = spread(chosen.auc);
  const learner = selection!.family === 'trees' ? 'boosted trees' : 'logistic model';
  return {
    ...base,
    l2,
    status: 'evaluated',
    message: `${repeats} x ${runs.folds}-fold cross-validation on ${won} won and ${lost} lost closed deals: ${learner} AUC ${a.mean} (sd ${a.std})`,
    auc: a,
    brier: spread(chosen.brier),
    priorScoreAuc: spread(runs.priorAuc),
    baseRateBrier: spread(runs.baseRateBrier),
    calibration: calibrationByDecile(chosen.oofP, chosen.oofY),
    indicators,
  };
}
