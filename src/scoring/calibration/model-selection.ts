// Which learner a tenant gets (issue 15 item 4): the logistic model unless the boosted trees beat it
// on the same outer folds by a margin, with the fold interval of the gain above 0 and a Brier score
// no worse. The simpler model wins ties and noise: it is cheaper to explain, and a richer model
// that does not clearly rank better only adds variance. The chosen family then faces the adoption
// rule against the prior (adoption.ts), unchanged.

import { type Interval, foldInterval } from './adoption.ts';
import type { FoldRuns } from './cross-validation.ts';
import { sigmoid } from '../model.ts';

export type ModelFamily = 'logistic' | 'trees';

/** Cross-validated AUC gain of the trees over the logistic model needed to choose them. */
export const DEFAULT_TREES_MIN_AUC_GAIN = 0.01;

type SelectionCode =
  | 'trees_chosen'
  | 'trees_not_fitted'
  | 'trees_gain_below_margin'
  | 'trees_gain_not_shown'
  | 'trees_brier_worse';

interface CandidateFigures {
  /** Mean and 90% interval over the outer folds. */
  auc: Interval;
  brier: Interval;
}

export interface ModelSelection {
  family: ModelFamily;
  code: SelectionCode;
  /** Plain words: which learner and why. */
  reason: string;
  minAucGain: number;
  candidates: { logistic: CandidateFigures; trees: CandidateFigures | null };
  /** Per-fold AUC of the trees minus the logistic model's, and the same for Brier (below 0: better). */
  aucGain: Interval | null;
  brierDiff: Interval | null;
}

const f3 = (x: number): string => x.toFixed(3);

/** Chooses the family from paired per-fold figures of both candidates. */
export function selectModelFamily(
  runs: FoldRuns,
  minAucGain: number = DEFAULT_TREES_MIN_AUC_GAIN,
): ModelSelection {
  const ratio = runs.testTrainRatio;
  const logistic = { auc: foldInterval(runs.auc, ratio), brier: foldInterval(runs.brier, ratio) };
  const t = runs.trees;
  if (!t) {
    return {
      family: 'logistic',
      code: 'trees_not_fitted',
      reason: 'Logistic model (the tree candidate was not fitted)',
      minAucGain,
      candidates: { logistic, trees: null },
      aucGain: null,
      brierDiff: null,
    };
  }
  const trees = { auc: foldInterval(t.auc, ratio), brier: foldInterval(t.brier, ratio) };
  const aucGain = foldInterval(
    t.auc.map((a, i) => a - runs.auc[i]!),
    ratio,
  );
  const brierDiff = foldInterval(
    t.brier.map((b, i) => b - runs.brier[i]!),
    ratio,
  );
  const figures = `boosted trees AUC ${f3(trees.auc.mean)} / Brier ${f3(trees.brier.mean)} against logistic AUC ${f3(logistic.auc.mean)} / Brier ${f3(logistic.brier.mean)} on the same folds (AUC gain ${f3(aucGain.mean)}, 90% interval ${f3(aucGain.lower)} to ${f3(aucGain.upper)})`;
  const base = { minAucGain, candidates: { logistic, trees }, aucGain, brierDiff };
  if (!(aucGain.mean >= minAucGain)) {
    return {
      ...base,
      family: 'logistic',
      code: 'trees_gain_below_margin',
      reason: `Logistic model: the trees do not beat it by ${minAucGain} AUC (${figures})`,
    };
  }
  if (!(aucGain.lower > 0)) {
    return {
      ...base,
      family: 'logistic',
      code: 'trees_gain_not_shown',
      reason: `Logistic model: the trees' gain is within the noise (${figures})`,
    };
  }
  if (!(brierDiff.mean <= 0)) {
    return {
      ...base,
      family: 'logistic',
      code: 'trees_brier_worse',
      reason: `Logistic model: the trees rank better but their probabilities are worse (${figures})`,
    };
  }
  return { ...base, family: 'trees', code: 'trees_chosen', reason: `Boosted trees: ${figures}` };
}

/**
 * The fold figures of one family in the shape the adoption rule reads (AUC, Brier and out-of-fold
 * predictions of that family; prior and base-rate figures are shared).
 */
export function familyRuns(runs: FoldRuns, family: ModelFamily): FoldRuns {
  if (family === 'logistic' || !runs.trees) return runs;
  return {
    ...runs,
    auc: runs.trees.auc,
    brier: runs.trees.brier,
    oofP: runs.trees.oofLogit.map(sigmoid),
    oofY: runs.trees.oofY,
  };
}
