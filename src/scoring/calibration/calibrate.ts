// Per-tenant calibration: fit an L2 logistic model on indicator features of closed deals (as of a
// cut-off before close), report out-of-sample quality, or keep the priors when history is thin.

import type { DealRecord } from '../deal-input.ts';
import { fnv1a, PRIOR_MODEL, type ScoringModel } from '../model.ts';
import { fitLogistic, predictLogistic } from './logistic.ts';
import { auc, brier, type CalibrationBin, calibrationByDecile, round4 } from './metrics.ts';
import { mulberry32, shuffle } from './rng.ts';
import { buildTrainingSet, type TrainingSet, type TrainingSetOptions } from './training-set.ts';

/**
 * Minimum closed deals before a model is fitted. Default 40 won and 40 lost: enough for a
 * 25% stratified holdout of 10 + 10. For reference, Salesforce Einstein Opportunity Scoring asks
 * for 200 won + 200 lost, Gong for 50 won + 150 lost; raise these for more stable fits.
 */
export const DEFAULT_MIN_COUNTS = { won: 40, lost: 40 } as const;
export const MIN_COUNT_ANCHORS = 'Einstein: 200 won + 200 lost; Gong: 50 won + 150 lost';

export interface CalibrateOptions extends TrainingSetOptions {
  /** Default {@link DEFAULT_MIN_COUNTS}. */
  minWon?: number;
  minLost?: number;
  /** L2 penalty. Default 1. */
  l2?: number;
  /** Share of each class held out for evaluation. Default 0.25. */
  holdoutShare?: number;
  /** Seed of the split. Default 1. */
  seed?: number;
}

export interface CalibrationReport {
  status: 'fitted' | 'prior';
  /** Plain-language summary, e.g. why the priors were kept. */
  message: string;
  modelVersion: string;
  leadDays: number;
  counts: {
    won: number;
    lost: number;
    train: { won: number; lost: number };
    holdout: { won: number; lost: number };
    skipped: TrainingSet['skipped'];
  };
  minimums: { won: number; lost: number; anchors: string };
  /** Holdout metrics (null when not fitted). */
  holdout: {
    auc: number;
    brier: number;
    /** AUC of the prior-weight score on the same holdout, for comparison. */
    priorScoreAuc: number;
    calibration: CalibrationBin[];
  } | null;
  /** Final coefficients by feature (fitted on all rows). */
  coefficients: Record<string, number> | null;
  l2: number;
  seed: number;
}

export interface CalibrationResult {
  model: ScoringModel;
  report: CalibrationReport;
  training: TrainingSet;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function select(ts: TrainingSet, rows: readonly number[]): { x: Float64Array; y: Uint8Array } {
  const d = ts.features.length;
  const x = new Float64Array(rows.length * d);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    x.set(ts.x.subarray(r * d, r * d + d), i * d);
    y[i] = ts.y[r]!;
  });
  return { x, y };
}

/** Calibrates a tenant's model from its closed deals. Deterministic for a given seed. */
export function calibrate(records: Iterable<DealRecord>, options: CalibrateOptions = {}): CalibrationResult {
  const training = buildTrainingSet(records, options);
  const minWon = options.minWon ?? DEFAULT_MIN_COUNTS.won;
  const minLost = options.minLost ?? DEFAULT_MIN_COUNTS.lost;
  const l2 = options.l2 ?? 1;
  const seed = options.seed ?? 1;
  const holdoutShare = options.holdoutShare ?? 0.25;
  const won: number[] = [];
  const lost: number[] = [];
  training.y.forEach((v, i) => {
    (v === 1 ? won : lost).push(i);
  });
  const base = {
    leadDays: training.leadDays,
    minimums: { won: minWon, lost: minLost, anchors: MIN_COUNT_ANCHORS },
    l2,
    seed,
  };
  if (won.length < minWon || lost.length < minLost) {
    return {
      model: PRIOR_MODEL,
      training,
      report: {
        ...base,
        status: 'prior',
        message: `Only ${won.length} won and ${lost.length} lost closed deals (need ${minWon} and ${minLost}); keeping the survey prior weights, no win probability`,
        modelVersion: PRIOR_MODEL.version,
        counts: {
          won: won.length,
          lost: lost.length,
          train: { won: 0, lost: 0 },
          holdout: { won: 0, lost: 0 },
          skipped: training.skipped,
        },
        holdout: null,
        coefficients: null,
      },
    };
  }
  // Stratified split: each class shuffled with the seeded RNG, the first share held out.
  const rand = mulberry32(seed);
  shuffle(won, rand);
  shuffle(lost, rand);
  const hw = Math.max(1, Math.round(won.length * holdoutShare));
  const hl = Math.max(1, Math.round(lost.length * holdoutShare));
  const holdRows = [...won.slice(0, hw), ...lost.slice(0, hl)];
  const trainRows = [...won.slice(hw), ...lost.slice(hl)];
  const d = training.features.length;
  const tr = select(training, trainRows);
  const ho = select(training, holdRows);
  const fit = fitLogistic(tr.x, tr.y, d, { l2 });
  const p = predictLogistic(fit, ho.x, d);
  const priorHold = Float64Array.from(holdRows, (r) => training.priorScores[r]!);
  // The served model is refitted on every row; the holdout figures estimate its quality.
  const final = fitLogistic(training.x, training.y, d, { l2 });
  const intercept = round6(final.intercept);
  const coefficients = final.coefficients.map(round6);
  const version = `fit-${fnv1a(JSON.stringify({ f: training.features, intercept, coefficients }))}`;
  const model: ScoringModel = {
    version,
    kind: 'logistic',
    features: training.features,
    intercept,
    coefficients,
    featureTransform: 'confidence-centred-v1',
    trainedOn: { won: won.length, lost: lost.length, leadDays: training.leadDays, l2 },
  };
  const a = auc(p, ho.y);
  return {
    model,
    training,
    report: {
      ...base,
      status: 'fitted',
      message: `Fitted on ${won.length} won and ${lost.length} lost closed deals; holdout AUC ${round4(a)}`,
      modelVersion: version,
      counts: {
        won: won.length,
        lost: lost.length,
        train: { won: won.length - hw, lost: lost.length - hl },
        holdout: { won: hw, lost: hl },
        skipped: training.skipped,
      },
      holdout: {
        auc: round4(a),
        brier: round4(brier(p, ho.y)),
        priorScoreAuc: round4(auc(priorHold, ho.y)),
        calibration: calibrationByDecile(p, ho.y),
      },
      coefficients: Object.fromEntries(training.features.map((f, i) => [f, coefficients[i]!])),
    },
  };
}
