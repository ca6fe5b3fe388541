// Per-tenant calibration: fit an L2 logistic model on indicator features of closed deals (as of a
// cut-off before close), cross-validate it against the prior score, and serve it only when it
// shows skill (adoption.ts); otherwise keep the priors and say why.

import { type DerivedBands, priorScoreBands, probabilityBands } from '../bands.ts';
import type { DealRecord } from '../deal-input.ts';
import { fnv1a, PRIOR_MODEL, type ScoringModel } from '../model.ts';
import { type AdoptionDecision, DEFAULT_MIN_AUC_GAIN, decideAdoption } from './adoption.ts';
import { chooseL2, runFolds } from './cross-validation.ts';
import { rowsByClass } from './folds.ts';
import { fitLogistic } from './logistic.ts';
import { type CalibrationBin, calibrationByDecile, round4 } from './metrics.ts';
import { mulberry32 } from './rng.ts';
import { buildTrainingSet, type TrainingSet, type TrainingSetOptions } from './training-set.ts';

/**
 * Minimum closed deals before a model is fitted. Default 40 won and 40 lost: enough for 5 folds
 * of 8 + 8. For reference, Salesforce Einstein Opportunity Scoring asks for 200 won + 200 lost,
 * Gong for 50 won + 150 lost; raise these for more stable fits.
 */
export const DEFAULT_MIN_COUNTS = { won: 40, lost: 40 } as const;
const MIN_COUNT_ANCHORS = 'Einstein: 200 won + 200 lost; Gong: 50 won + 150 lost';

export interface CalibrateOptions extends TrainingSetOptions {
  /** Default {@link DEFAULT_MIN_COUNTS}. */
  minWon?: number;
  minLost?: number;
  /** A fixed L2 penalty. Default: chosen by inner cross-validation from L2_GRID. */
  l2?: number;
  /** Cross-validated AUC gain over the prior score needed to adopt. Default 0.02. */
  minAucGain?: number;
  /** Outer cross-validation. Default 5 folds x 2 repeats. */
  folds?: number;
  repeats?: number;
  /** Seed of the splits. Default 1. */
  seed?: number;
  /** The model served now (retraining): named in the report when it is replaced or withdrawn. */
  currentModel?: ScoringModel | null;
}

interface MeanSd {
  mean: number;
  sd: number;
}

export interface CalibrationReport {
  /** 'fitted': a model was adopted and is served; 'prior': the survey prior weights are served. */
  status: 'fitted' | 'prior';
  /** Plain-language summary: what is served and why. */
  message: string;
  modelVersion: string;
  /** The model served before this training (null on the first training). */
  previousModelVersion: string | null;
  leadDays: number;
  counts: {
    won: number;
    lost: number;
    skipped: TrainingSet['skipped'];
  };
  minimums: { won: number; lost: number; anchors: string };
  /** The adoption decision with its cross-validated figures and interval. */
  adoption: AdoptionDecision;
  /** Out-of-fold figures of the fit (null when too few deals to cross-validate). */
  validation: {
    folds: number;
    repeats: number;
    auc: MeanSd;
    brier: MeanSd;
    /** AUC of the prior-weight score on the same folds. */
    priorScoreAuc: MeanSd;
    /** Calibration by decile of every out-of-fold prediction. */
    calibration: CalibrationBin[];
  } | null;
  /** Coefficients of the fit on all rows (also when not adopted, for the record). */
  coefficients: Record<string, number> | null;
  /** The L2 penalty of the final fit (chosen by inner cross-validation unless fixed). */
  l2: number | null;
  seed: number;
  baseRate: number | null;
  /** Default band thresholds for the served model (Tenant.scoring.bands overrides them). */
  bands: DerivedBands;
}

export interface CalibrationResult {
  /** The model to serve: the fit when adopted, else the prior (with its derived bands). */
  model: ScoringModel;
  /** The fit on all rows, adopted or not (null with too few deals); for reports and tests. */
  candidate: ScoringModel | null;
  report: CalibrationReport;
  training: TrainingSet;
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

function meanSd(xs: readonly number[]): MeanSd {
  const ok = xs.filter((x) => Number.isFinite(x));
  if (ok.length === 0) return { mean: Number.NaN, sd: Number.NaN };
  const mean = ok.reduce((a, b) => a + b, 0) / ok.length;
  const sd = ok.length < 2 ? 0 : Math.sqrt(ok.reduce((a, b) => a + (b - mean) ** 2, 0) / (ok.length - 1));
  return { mean: round4(mean), sd: round4(sd) };
}

/** Calibrates a tenant's model from its closed deals. Deterministic for a given seed. */
export function calibrate(records: Iterable<DealRecord>, options: CalibrateOptions = {}): CalibrationResult {
  const training = buildTrainingSet(records, options);
  const minWon = options.minWon ?? DEFAULT_MIN_COUNTS.won;
  const minLost = options.minLost ?? DEFAULT_MIN_COUNTS.lost;
  const seed = options.seed ?? 1;
  const { won, lost } = rowsByClass(training.y);
  const total = won.length + lost.length;
  const baseRate = total > 0 ? won.length / total : null;
  const previousModelVersion = options.currentModel?.version ?? null;
  const priorBands = priorScoreBands(training.priorScores, baseRate ?? Number.NaN);
  const counts = { won: won.length, lost: lost.length, skipped: training.skipped };
  const base = {
    leadDays: training.leadDays,
    minimums: { won: minWon, lost: minLost, anchors: MIN_COUNT_ANCHORS },
    seed,
    counts,
    previousModelVersion,
    baseRate: baseRate === null ? null : round4(baseRate),
  };
  const rule = { minWon, minLost, minAucGain: options.minAucGain ?? DEFAULT_MIN_AUC_GAIN };
  const enough = won.length >= minWon && lost.length >= minLost;
  const runs = enough
    ? runFolds(training, {
        folds: options.folds ?? 5,
        repeats: options.repeats ?? 2,
        seed,
        l2: options.l2,
      })
    : null;
  const adoption = decideAdoption(runs, counts, rule);
  const withdrawn =
    previousModelVersion !== null && previousModelVersion !== PRIOR_MODEL.version && !adoption.adopted
      ? ` The previously adopted model ${previousModelVersion} is withdrawn: the same rule applies on retraining.`
      : '';
  const priorModel: ScoringModel = { ...PRIOR_MODEL, bands: priorBands };
  if (!runs) {
    return {
      model: priorModel,
      candidate: null,
      training,
      report: {
        ...base,
        status: 'prior',
        message: adoption.reason + withdrawn,
        modelVersion: PRIOR_MODEL.version,
        adoption,
        validation: null,
        coefficients: null,
        l2: null,
        bands: priorBands,
      },
    };
  }
  const d = training.features.length;
  const all = Array.from({ length: total }, (_, i) => i);
  const l2 = options.l2 ?? chooseL2(training, all, mulberry32(seed ^ 0x2545f491));
  const final = fitLogistic(training.x, training.y, d, { l2 });
  const intercept = round6(final.intercept);
  const coefficients = final.coefficients.map(round6);
  const version = `fit-${fnv1a(JSON.stringify({ f: training.features, intercept, coefficients }))}`;
  const validation = {
    folds: runs.folds,
    repeats: runs.repeats,
    auc: meanSd(runs.auc),
    brier: meanSd(runs.brier),
    priorScoreAuc: meanSd(runs.priorAuc),
    calibration: calibrationByDecile(runs.oofP, runs.oofY),
  };
  const coefficientReport = Object.fromEntries(training.features.map((f, i) => [f, coefficients[i]!]));
  const bands = probabilityBands(baseRate!);
  const model: ScoringModel = {
    version,
    kind: 'logistic',
    features: training.features,
    intercept,
    coefficients,
    featureTransform: 'confidence-centred-v1',
    trainedOn: { won: won.length, lost: lost.length, leadDays: training.leadDays, l2 },
    bands,
  };
  if (!adoption.adopted) {
    return {
      model: priorModel,
      candidate: model,
      training,
      report: {
        ...base,
        status: 'prior',
        message: adoption.reason + withdrawn,
        modelVersion: PRIOR_MODEL.version,
        adoption,
        validation,
        coefficients: coefficientReport,
        l2,
        bands: priorBands,
      },
    };
  }
  const replaced =
    previousModelVersion !== null &&
    previousModelVersion !== version &&
    previousModelVersion !== PRIOR_MODEL.version
      ? ` Replaces ${previousModelVersion}.`
      : '';
  return {
    model,
    candidate: model,
    training,
    report: {
      ...base,
      status: 'fitted',
      message: `${adoption.reason}. Fitted on ${won.length} won and ${lost.length} lost closed deals (L2 ${l2}).${replaced}`,
      modelVersion: version,
      adoption,
      validation,
      coefficients: coefficientReport,
      l2,
      bands,
    },
  };
}
