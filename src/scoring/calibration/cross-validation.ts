// Repeated stratified k-fold cross-validation of the L2 logistic model (and of the boosted-tree
// candidate) on a training set, with the prior-weight score and the base rate scored on the same
// folds. One loop for `calibrate` (which
// decides adoption from it) and for `evaluate` (which reports it).

import { type BoostedTreesOptions, fitBoostedTrees, predictTreesLogit } from './boosted-trees.ts';
import { fitLogistic, predictLogistic } from './logistic.ts';
import { sigmoid } from '../model.ts';
import { auc, brier } from './metrics.ts';
import { selectRows, splitFold, stratifiedFolds } from './folds.ts';
import { mulberry32 } from './rng.ts';
import type { TrainingSet } from './training-set.ts';

/** Penalties tried when the L2 penalty is chosen by inner cross-validation. */
const L2_GRID: readonly number[] = [0.1, 1, 10, 100];

export interface CrossValidationOptions {
  /** Folds per repeat. Default 5 (capped at the smaller class count). */
  folds?: number;
  /** Repeats with fresh shuffles. Default 2. */
  repeats?: number;
  /** Seed of the shuffles. Default 1. */
  seed?: number;
  /** A fixed L2 penalty; when absent it is chosen per training fold by inner cross-validation. */
  l2?: number | undefined;
  /**
   * Also fit the boosted-tree candidate on the same folds (default true); `false` skips it, an
   * object sets its parameters (default BOOSTED_TREES_DEFAULTS).
   */
  trees?: boolean | BoostedTreesOptions | undefined;
}

/** The boosted-tree candidate's figures on the same outer folds as the logistic model. */
interface TreeFoldRuns {
  auc: number[];
  brier: number[];
  /** Every out-of-fold raw log-odds and its label (for Platt scaling of the served ensemble). */
  oofLogit: number[];
  oofY: number[];
}

export interface FoldRuns {
  folds: number;
  repeats: number;
  seed: number;
  /** Per outer fold, in order: the model's AUC and Brier, the prior score's AUC, the base rate's Brier. */
  auc: number[];
  brier: number[];
  priorAuc: number[];
  baseRateBrier: number[];
  /** The L2 penalty used in each outer fold. */
  l2: number[];
  /** Coefficients of each outer fold's fit. */
  coefficients: number[][];
  /** Every out-of-fold prediction and its label. */
  oofP: number[];
  oofY: number[];
  /** Mean test rows / train rows of a fold (for the corrected variance of the fold differences). */
  testTrainRatio: number;
  /** The tree candidate on the same folds (null when not fitted). */
  trees: TreeFoldRuns | null;
}

function logLoss(p: ArrayLike<number>, y: ArrayLike<number>): number {
  let s = 0;
  for (let i = 0; i < y.length; i++) {
    const q = Math.min(1 - 1e-12, Math.max(1e-12, p[i]!));
    s -= y[i] === 1 ? Math.log(q) : Math.log(1 - q);
  }
  return s / Math.max(1, y.length);
}

/**
 * Chooses the L2 penalty from {@link L2_GRID} by the out-of-fold log-loss of a stratified k-fold
 * split of the given rows (ties: the larger penalty, the simpler model).
 */
export function chooseL2(
  ts: Pick<TrainingSet, 'features' | 'x' | 'y'>,
  rows: readonly number[],
  rand: () => number,
  innerFolds = 3,
): number {
  const y = Uint8Array.from(rows, (r) => ts.y[r]!);
  let won = 0;
  for (const v of y) won += v;
  const k = Math.min(innerFolds, won, y.length - won);
  if (k < 2) return 1;
  const fold = stratifiedFolds(y, k, rand);
  const d = ts.features.length;
  const sub = selectRows(ts, rows);
  const loss = L2_GRID.map(() => 0);
  for (let f = 0; f < k; f++) {
    const { train, test } = splitFold(fold, f);
    const tr = selectRows({ features: ts.features, ...sub }, train);
    const te = selectRows({ features: ts.features, ...sub }, test);
    L2_GRID.forEach((l2, g) => {
      const fit = fitLogistic(tr.x, tr.y, d, { l2 });
      loss[g]! += logLoss(predictLogistic(fit, te.x, d), te.y) * test.length;
    });
  }
  let best = L2_GRID.length - 1;
  for (let g = L2_GRID.length - 2; g >= 0; g--) if (loss[g]! < loss[best]! - 1e-12) best = g;
  return L2_GRID[best]!;
}

/**
 * Runs the folds. Null when there are fewer than 2 won or 2 lost rows. Deterministic for a seed:
 * the training set's rows are in deal-id order and the shuffles use the seeded RNG.
 */
export function runFolds(ts: TrainingSet, options: CrossValidationOptions = {}): FoldRuns | null {
  const seed = options.seed ?? 1;
  const repeats = Math.max(1, Math.floor(options.repeats ?? 2));
  let won = 0;
  for (const v of ts.y) won += v;
  const lost = ts.y.length - won;
  const folds = Math.min(Math.max(2, Math.floor(options.folds ?? 5)), won, lost);
  if (folds < 2) return null;
  const d = ts.features.length;
  const rand = mulberry32(seed);
  const inner = mulberry32(seed ^ 0x5bd1e995);
  const out: FoldRuns = {
    folds,
    repeats,
    seed,
    auc: [],
    brier: [],
    priorAuc: [],
    baseRateBrier: [],
    l2: [],
    coefficients: [],
    oofP: [],
    oofY: [],
    testTrainRatio: 0,
    trees: options.trees === false ? null : { auc: [], brier: [], oofLogit: [], oofY: [] },
  };
  const treeOptions = typeof options.trees === 'object' ? options.trees : {};
  let ratio = 0;
  for (let r = 0; r < repeats; r++) {
    const fold = stratifiedFolds(ts.y, folds, rand);
    for (let f = 0; f < folds; f++) {
      const { train, test } = splitFold(fold, f);
      const tr = selectRows(ts, train);
      const te = selectRows(ts, test);
      const l2 = options.l2 ?? chooseL2(ts, train, inner);
      const fit = fitLogistic(tr.x, tr.y, d, { l2 });
      const p = predictLogistic(fit, te.x, d);
      let trainWon = 0;
      for (const v of tr.y) trainWon += v;
      const rate = trainWon / Math.max(1, tr.y.length);
      out.auc.push(auc(p, te.y));
      out.brier.push(brier(p, te.y));
      out.priorAuc.push(
        auc(
          Float64Array.from(test, (row) => ts.priorScores[row]!),
          te.y,
        ),
      );
      out.baseRateBrier.push(brier(new Float64Array(te.y.length).fill(rate), te.y));
      out.l2.push(l2);
      out.coefficients.push(fit.coefficients);
      for (let i = 0; i < p.length; i++) {
        out.oofP.push(p[i]!);
        out.oofY.push(te.y[i]!);
      }
      if (out.trees) {
        const z = predictTreesLogit(fitBoostedTrees(tr.x, tr.y, d, treeOptions), te.x, d);
        const pt = z.map(sigmoid);
        out.trees.auc.push(auc(pt, te.y));
        out.trees.brier.push(brier(pt, te.y));
        for (let i = 0; i < z.length; i++) {
          out.trees.oofLogit.push(z[i]!);
          out.trees.oofY.push(te.y[i]!);
        }
      }
      ratio += test.length / Math.max(1, train.length);
    }
  }
  out.testTrainRatio = ratio / (folds * repeats);
  return out;
}
