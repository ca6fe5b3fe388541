// Per-tenant calibration: fit two candidate learners (L2 logistic regression and boosted depth-2
// trees) on indicator features of closed deals (as of a cut-off before close), on the same
// cross-validation folds; keep the trees only when they clearly win (model-selection.ts); serve the
// chosen one only when it beats the prior score (adoption.ts); otherwise keep the priors and say why.

import { type DerivedBands, priorScoreBands, probabilityBands } from '../bands.ts';
import type { DealRecord } from '../deal-input.ts';
import { fnv1a, PRIOR_MODEL, type ScoringModel } from '../model.ts';
import { type BoostedTreesOptions, fitBoostedTrees, withPlatt } from './boosted-trees.ts';
import { type AdoptionDecision, DEFAULT_MIN_AUC_GAIN, decideAdoption } from './adoption.ts';
import { chooseL2, runFolds } from './cross-validation.ts';
import { rowsByClass } from './folds.ts';
import { fitLogistic } from './logistic.ts';
import {
  DEFAULT_TREES_MIN_AUC_GAIN,
  familyRuns,
  type ModelSelection,
  selectModelFamily,
} from './model-selection.ts';
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
  /**
   * The boosted-tree candidate: fitted on the same folds unless `false`; an object sets its
   * parameters (default BOOSTED_TREES_DEFAULTS).
   */
  trees?: boolean | BoostedTreesOptions;
  /** Cross-validated AUC gain of the trees over the logistic model needed to choose them. Default 0.01. */
  minTreesAucGain?: number;
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
  /** Which learner was fitted (logistic or boosted trees), why, with both candidates' figures. */
  selection: ModelSelection | null;
  /** The adoption decision of the chosen learner, with its cross-validated figures and interval. */
  adoption: AdoptionDecision;
  /** Out-of-fold figures of the chosen learner (null when too few deals to cross-validate). */
  validation: {
    folds: number;
    repeats: number;
    auc: MeanSd;
    brier: MeanSd;
    /** AUC of the prior-weight score on the same folds. */
    priorScoreAuc: MeanSd;
    /** Calibration by decile of every out-of-fold prediction (trees: before Platt scaling). */
    calibration: CalibrationBin[];
  } | null;
  /** Coefficients of the logistic fit on all rows (also when not chosen or not adopted, for the record). */
  coefficients: Record<string, number> | null;
  /** The L2 penalty of the final logistic fit (chosen by inner cross-validation unless fixed). */
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
        trees: options.trees ?? true,
      })
    : null;
  const selection = runs
    ? selectModelFamily(runs, options.minTreesAucGain ?? DEFAULT_TREES_MIN_AUC_GAIN)
    : null;
  const chosenRuns = runs && selection ? familyRuns(runs, selection.family) : runs;
  const adoption = decideAdoption(chosenRuns, counts, rule);
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
        selection,
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
  const chosen = chosenRuns!;
  const validation = {
    folds: chosen.folds,
    repeats: chosen.repeats,
    auc: meanSd(chosen.auc),
    brier: meanSd(chosen.brier),
    priorScoreAuc: meanSd(chosen.priorAuc),
    calibration: calibrationByDecile(chosen.oofP, chosen.oofY),
  };
  const coefficientReport = Object.fromEntries(training.features.map((f, i) => [f, coefficients[i]!]));
  const bands = probabilityBands(baseRate!);
  const trainedOn = { won: won.length, lost: lost.length, leadDays: training.leadDays, l2 };
  const model: ScoringModel =
    selection?.family === 'trees' && runs.trees
      ? treesModel(training, runs.trees, options.trees, trainedOn, bands)
      : {
          version: `fit-${fnv1a(JSON.stringify({ f: training.features, intercept, coefficients }))}`,
          kind: 'logistic',
          features: training.features,
          intercept,
          coefficients,
          featureTransform: 'confidence-centred-v1',
          trainedOn,
          bands,
        };
  const version = model.version;
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
        selection,
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
      message: `${adoption.reason}. ${
        model.kind === 'trees'
          ? `Boosted trees (${model.ensemble!.trees.length} trees of depth <= ${model.ensemble!.params.maxDepth}) chosen over the logistic model`
          : 'Logistic model'
      }, fitted on ${won.length} won and ${lost.length} lost closed deals${model.kind === 'trees' ? '' : ` (L2 ${l2})`}.${replaced}`,
      modelVersion: version,
      selection,
      adoption,
      validation,
      coefficients: coefficientReport,
      l2,
      bands,
    },
  };
}

/**
 * The boosted-tree model served: the ensemble refitted on every row, with Platt scaling fitted on
 * the out-of-fold log-odds of the cross-validation folded into its values (boosting on log loss is
 * close to calibrated, but the scaling corrects what over- or under-confidence the folds show).
 */
function treesModel(
  training: TrainingSet,
  oof: { oofLogit: readonly number[]; oofY: readonly number[] },
  treeOptions: CalibrateOptions['trees'],
  trainedOn: NonNullable<ScoringModel['trainedOn']>,
  bands: DerivedBands,
): ScoringModel {
  const d = training.features.length;
  const raw = fitBoostedTrees(training.x, training.y, d, typeof treeOptions === 'object' ? treeOptions : {});
  const platt = fitLogistic(Float64Array.from(oof.oofLogit), Uint8Array.from(oof.oofY), 1, { l2: 1e-6 });
  const slope = platt.coefficients[0]!;
  // A non-positive slope would invert the ranking the folds just validated: leave the trees as they are.
  const ensemble = slope > 0 ? withPlatt(raw, { offset: platt.intercept, slope }) : raw;
  return {
    version: `fit-${fnv1a(JSON.stringify({ k: 'trees', f: training.features, e: ensemble }))}`,
    kind: 'trees',
    features: training.features,
    intercept: 0,
    coefficients: [],
    ensemble,
    featureTransform: 'confidence-centred-v1',
    trainedOn: { ...trainedOn, l2: ensemble.params.l2 },
    bands,
  };
}
