// Stratified, repeated k-fold cross-validation of the tenant's win model over its closed deals:
// AUC and Brier (mean and spread over folds), calibration by decile of the out-of-fold predictions,
// counts and per-indicator effects. Deterministic for a seed.

import { fitLogistic, predictLogistic } from '../calibration/logistic.ts';
import { auc, brier, type CalibrationBin, calibrationByDecile, round4 } from '../calibration/metrics.ts';
import { mulberry32, shuffle } from '../calibration/rng.ts';
import { buildTrainingSet, type TrainingSet, type TrainingSetOptions } from '../calibration/training-set.ts';
import type { DealRecord } from '../deal-input.ts';

export interface CrossValidateOptions extends TrainingSetOptions {
  /** Folds per repeat. Default 5 (lowered to the smaller class count when there are fewer deals). */
  folds?: number;
  /** Repeats with fresh shuffles. Default 3. */
  repeats?: number;
  /** Seed of the shuffles. Default 1. */
  seed?: number;
  /** L2 penalty, as in calibrate. Default 1. */
  l2?: number;
}

export interface MeanSpread {
  mean: number;
  /** Sample standard deviation over folds. */
  sd: number;
  min: number;
  max: number;
}

export interface IndicatorEffect {
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
  l2: number;
  leadDays: number;
  counts: { won: number; lost: number; skipped: TrainingSet['skipped'] };
  /** Out-of-fold metrics per fold (null when not evaluated). */
  auc: MeanSpread | null;
  brier: MeanSpread | null;
  /** AUC of the prior-weight score per fold, for comparison. */
  priorScoreAuc: MeanSpread | null;
  /** Calibration of every out-of-fold prediction of every repeat. */
  calibration: CalibrationBin[];
  indicators: IndicatorEffect[];
}

function spread(xs: readonly number[]): MeanSpread {
  const ok = xs.filter((x) => Number.isFinite(x));
  if (ok.length === 0) return { mean: Number.NaN, sd: Number.NaN, min: Number.NaN, max: Number.NaN };
  const mean = ok.reduce((a, b) => a + b, 0) / ok.length;
  const sd =
    ok.length < 2 ? 0 : Math.sqrt(ok.reduce((a, b) => a + (b - mean) * (b - mean), 0) / (ok.length - 1));
  return { mean: round4(mean), sd: round4(sd), min: round4(Math.min(...ok)), max: round4(Math.max(...ok)) };
}

function rowsOf(ts: TrainingSet, rows: readonly number[]): { x: Float64Array; y: Uint8Array } {
  const d = ts.features.length;
  const x = new Float64Array(rows.length * d);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    x.set(ts.x.subarray(r * d, r * d + d), i * d);
    y[i] = ts.y[r]!;
  });
  return { x, y };
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
  const l2 = options.l2 ?? 1;
  const d = ts.features.length;
  const won: number[] = [];
  const lost: number[] = [];
  ts.y.forEach((v, i) => {
    (v === 1 ? won : lost).push(i);
  });
  const folds = Math.min(Math.max(2, Math.floor(options.folds ?? 5)), won.length, lost.length);
  const base = {
    folds,
    repeats,
    seed,
    l2,
    leadDays: ts.leadDays,
    counts: { won: won.length, lost: lost.length, skipped: ts.skipped },
  };
  if (folds < 2) {
    return {
      ...base,
      status: 'insufficient',
      message: `Need at least 2 won and 2 lost closed deals to cross-validate (have ${won.length} won, ${lost.length} lost)`,
      auc: null,
      brier: null,
      priorScoreAuc: null,
      calibration: [],
      indicators: [],
    };
  }
  const rand = mulberry32(seed);
  const aucs: number[] = [];
  const briers: number[] = [];
  const priorAucs: number[] = [];
  const coefs: number[][] = ts.features.map(() => []);
  const oofP: number[] = [];
  const oofY: number[] = [];
  for (let r = 0; r < repeats; r++) {
    // Stratified folds: each class shuffled, then dealt round-robin so every fold gets both classes.
    const fold = new Int32Array(ts.y.length);
    for (const cls of [shuffle([...won], rand), shuffle([...lost], rand)]) {
      cls.forEach((row, i) => {
        fold[row] = i % folds;
      });
    }
    for (let f = 0; f < folds; f++) {
      const test: number[] = [];
      const train: number[] = [];
      for (let i = 0; i < ts.y.length; i++) (fold[i] === f ? test : train).push(i);
      const tr = rowsOf(ts, train);
      const te = rowsOf(ts, test);
      const fit = fitLogistic(tr.x, tr.y, d, { l2 });
      const p = predictLogistic(fit, te.x, d);
      aucs.push(auc(p, te.y));
      briers.push(brier(p, te.y));
      priorAucs.push(
        auc(
          Float64Array.from(test, (row) => ts.priorScores[row]!),
          te.y,
        ),
      );
      fit.coefficients.forEach((c, j) => {
        coefs[j]!.push(c);
      });
      for (let i = 0; i < p.length; i++) {
        oofP.push(p[i]!);
        oofY.push(te.y[i]!);
      }
    }
  }
  const all = fitLogistic(ts.x, ts.y, d, { l2 });
  const rows = ts.y.length;
  const indicators = ts.features.map((key, j) => {
    let nonZero = 0;
    for (let i = 0; i < rows; i++) if (ts.x[i * d + j] !== 0) nonZero++;
    return {
      key,
      coefficient: round4(all.coefficients[j]!),
      folds: spread(coefs[j]!),
      coverage: rows === 0 ? 0 : round4(nonZero / rows),
    };
  });
  const a = spread(aucs);
  return {
    ...base,
    status: 'evaluated',
    message: `${repeats} x ${folds}-fold cross-validation on ${won.length} won and ${lost.length} lost closed deals: AUC ${a.mean} (sd ${a.sd})`,
    auc: a,
    brier: spread(briers),
    priorScoreAuc: spread(priorAucs),
    calibration: calibrationByDecile(oofP, oofY),
    indicators,
  };
}
