// Builds the training set: each closed deal reconstructed as of a cut-off before its close, with
// nothing dated after the cut-off (activities, stage history, field changes, other deals' outcomes).

import { createScoringContext, type ExtraIndicator, withAsOf } from '../context.ts';
import { evaluateIndicators } from '../combine.ts';
import { compileDeal, type DealInput, type DealRecord } from '../deal-input.ts';
import { indicatorFeature } from '../model.ts';
import { type DealOutcome, learnNorms, type Norms, outcomeOf } from '../norms.ts';
import { DAY_MS, parseTime } from '../time.ts';
import { CORE_INDICATOR_KEYS } from '../weights.ts';
import { stratifiedFolds } from './folds.ts';
import { mulberry32 } from './rng.ts';

export interface TrainingSetOptions {
  /**
   * Reconstruct each deal this many days before its close. Default 14. A deal shorter than twice
   * this is reconstructed halfway between its creation and its close.
   */
  leadDays?: number;
  /** Keep at most this many activities per deal (the latest before the cut-off). Default 500. */
  maxActivities?: number;
  /** Minimum samples for a learned norm. Default 5. */
  minNormSamples?: number;
  /** Qualification-field indicators to add as features (issue 9). */
  extraIndicators?: readonly ExtraIndicator[];
  /**
   * How extra indicators that support it are encoded for training rows: 'out-of-fold' (default;
   * each row judged by the outcomes of the deals in the other {@link ENCODING_FOLDS} folds, whatever
   * their close time) or 'time' (only deals closed before the row's cut-off).
   */
  fieldEncoding?: 'out-of-fold' | 'time';
}

/** Folds of the out-of-fold target encoding of training rows. */
const ENCODING_FOLDS = 5;

export interface TrainingSet {
  /** Feature names, aligned with the columns of `x`. */
  features: string[];
  /** Row-major features (rows x features.length). */
  x: Float64Array;
  /** 1 = won, 0 = lost. */
  y: Uint8Array;
  dealIds: string[];
  /** Prior-weight scores (0..100) of the same rows, as a baseline. */
  priorScores: Float64Array;
  /** Norms learned from the cut-off data (what the features were computed against). */
  norms: Norms;
  skipped: {
    /** Closed deals without a readable close time. */
    noCloseTime: number;
    /** Closed less than a day after creation (or without a readable creation time). */
    tooYoung: number;
    /** Already in a closed stage at the cut-off. */
    closedBeforeCutoff: number;
  };
  leadDays: number;
}

/** Reconstructs closed deals as of `closedAt - leadDays` and computes their indicator features. */
export function buildTrainingSet(
  records: Iterable<DealRecord>,
  options: TrainingSetOptions = {},
): TrainingSet {
  const leadDays = options.leadDays ?? 14;
  const skipped = { noCloseTime: 0, tooYoung: 0, closedBeforeCutoff: 0 };
  const inputs: DealInput[] = [];
  const labels: number[] = [];
  const outcomes: DealOutcome[] = [];
  // Rows in deal-id order, whatever order the store returned them in: the seeded splits then give
  // the same folds (and the same model) on every run.
  const sorted = [...records].sort((a, b) => (a.deal.id < b.deal.id ? -1 : a.deal.id > b.deal.id ? 1 : 0));
  for (const record of sorted) {
    const { deal } = record;
    if (!deal.isClosed) continue;
    const outcome = outcomeOf(record);
    if (!outcome) {
      skipped.noCloseTime++;
      continue;
    }
    outcomes.push(outcome);
    // A deal shorter than twice the lead is reconstructed halfway through its life instead of being
    // dropped (short deals skew lost; dropping them biases the model). Under a day: nothing to see.
    const created = parseTime(deal.createdAt);
    const life = outcome.closedAt - created;
    if (!(life >= DAY_MS)) {
      skipped.tooYoung++;
      continue;
    }
    const cutoff = outcome.closedAt - Math.min(leadDays * DAY_MS, Math.floor(life / 2));
    // futureHorizonDays 0: not even scheduled meetings after the cut-off may be looked at.
    const input = compileDeal(record, {
      asOf: cutoff,
      futureHorizonDays: 0,
      ...(options.maxActivities !== undefined ? { maxActivities: options.maxActivities } : {}),
    });
    if (input.isClosed) {
      skipped.closedBeforeCutoff++;
      continue;
    }
    inputs.push(input);
    labels.push(deal.isWon ? 1 : 0);
  }
  // Each deal's norms data is cut at its own cut-off; outcomes are counted only when closed before
  // the cut-off of the deal being scored (see PreparedNorms), so a deal never sees its own label.
  const norms = learnNorms(
    inputs,
    outcomes,
    options.minNormSamples ? { minSamples: options.minNormSamples } : {},
  );
  const extra = options.extraIndicators ?? [];
  const base = createScoringContext({ asOf: 0, norms, extraIndicators: extra });
  // Out-of-fold encoding: rows dealt into folds (stratified, fixed seed, rows in id order); a row
  // of fold f is judged by an encoding that never saw the outcomes of fold f (its own included).
  const oof = (options.fieldEncoding ?? 'out-of-fold') === 'out-of-fold' && extra.some((e) => e.outOfFold);
  const labelsArr = Uint8Array.from(labels);
  const foldOf = oof ? stratifiedFolds(labelsArr, ENCODING_FOLDS, mulberry32(0x0f0f0f0f)) : null;
  const contexts = foldOf
    ? Array.from({ length: ENCODING_FOLDS }, (_, f) => {
        const ids = new Set(inputs.filter((_i, r) => foldOf[r] === f).map((i) => i.id));
        return createScoringContext({
          asOf: 0,
          norms,
          extraIndicators: extra.map((e) => e.outOfFold?.(ids) ?? e),
        });
      })
    : null;
  const features = [...CORE_INDICATOR_KEYS, ...extra.map((e) => e.key)] as string[];
  const d = features.length;
  const x = new Float64Array(inputs.length * d);
  const priorScores = new Float64Array(inputs.length);
  const w = base.weights;
  inputs.forEach((input, r) => {
    const ctx = withAsOf(contexts && foldOf ? contexts[foldOf[r]!]! : base, input.asOf);
    const { indicators } = evaluateIndicators(input, ctx);
    let swc = 0;
    let swcs = 0;
    for (let j = 0; j < d; j++) {
      const ind = indicators[j]!;
      x[r * d + j] = indicatorFeature(ind);
      swc += w[j]! * ind.confidence;
      swcs += w[j]! * ind.confidence * ind.subScore;
    }
    priorScores[r] = swc > 1e-9 ? (100 * swcs) / swc : 50;
  });
  return {
    features,
    x,
    y: labelsArr,
    dealIds: inputs.map((i) => i.id),
    priorScores,
    norms,
    skipped,
    leadDays,
  };
}
