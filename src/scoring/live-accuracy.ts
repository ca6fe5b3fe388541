// Live accuracy (issue 18 item 5): how well the scores that were live before each outcome predicted
// it, by month of close, and whether the served model still beats the prior on them. Training
// measures a model on held-out history; this measures it on deals that closed after it was served.

import { auc, brier, type CalibrationBin, calibrationByDecile, round4 } from './calibration/metrics.ts';

/** One closed deal with the score it had `leadDays` before it closed. */
export interface LiveOutcome {
  dealId: string;
  /** When the deal closed (epoch ms). */
  closedAt: number;
  won: boolean;
  /** When the live score was computed (epoch ms). */
  scoredAt: number;
  /** The score then (0..100; 100 x win probability on a fitted model). */
  score: number;
  /** The prior-weight score then (0..100), the yardstick a fitted model must beat. */
  priorScore: number;
  /** The model that produced `score`. */
  modelVersion: string;
}

interface Quality {
  deals: number;
  won: number;
  /** Null without both outcomes. */
  auc: number | null;
  brier: number | null;
  priorAuc: number | null;
  priorBrier: number | null;
  /** Brier of always predicting this group's win rate. */
  baseRateBrier: number | null;
}

interface LiveMonth extends Quality {
  /** Month of close, YYYY-MM (UTC). */
  month: string;
}

export interface LiveAccuracy {
  asOf: string;
  leadDays: number;
  months: LiveMonth[];
  /** The served model's outcomes within the window, with calibration by decile. */
  window: Quality & { days: number; modelVersion: string; calibration: CalibrationBin[] };
  /** True when the served fitted model did worse than the prior on the window: scores use the prior. */
  fallBack: boolean;
  /** Plain words: why the model is or is not served on this evidence. */
  reason: string;
}

export interface LiveAccuracyOptions {
  /** Outcomes closed within this many days before asOf judge the served model. Default 180. */
  windowDays?: number;
  /** Outcomes needed in the window, and of each class, before judging. Defaults 40 and 10. */
  minDeals?: number;
  minPerClass?: number;
}

/** The score a deal had this long before its close is the one judged (it could still change it). */
export const LIVE_LEAD_DAYS = 30;
const DAY_MS = 86_400_000;

const orNull = (x: number): number | null => (Number.isFinite(x) ? round4(x) : null);

function quality(outcomes: readonly LiveOutcome[]): Quality {
  const p = outcomes.map((o) => o.score / 100);
  const prior = outcomes.map((o) => o.priorScore / 100);
  const y = outcomes.map((o) => (o.won ? 1 : 0));
  const won = y.reduce<number>((s, v) => s + v, 0);
  const rate = outcomes.length > 0 ? won / outcomes.length : Number.NaN;
  return {
    deals: outcomes.length,
    won,
    auc: orNull(auc(p, y)),
    brier: orNull(brier(p, y)),
    priorAuc: orNull(auc(prior, y)),
    priorBrier: orNull(brier(prior, y)),
    baseRateBrier: orNull(rate * (1 - rate)),
  };
}

/**
 * Live accuracy of the stored outcomes as of `asOf`, and the fallback decision for the served
 * model `servedVersion` (a fitted model: `fit-...`; on the prior there is nothing to fall back from).
 * The rule mirrors adoption (docs/SCORING.md section 5): the model must rank the window's deals better
 * than the prior did (AUC) and its probabilities must beat the window's base rate (Brier).
 */
export function liveAccuracy(
  outcomes: readonly LiveOutcome[],
  servedVersion: string,
  asOf: number,
  options: LiveAccuracyOptions = {},
): LiveAccuracy {
  const windowDays = options.windowDays ?? 180;
  const minDeals = options.minDeals ?? 40;
  const minPerClass = options.minPerClass ?? 10;
  const byMonth = new Map<string, LiveOutcome[]>();
  for (const o of outcomes) {
    const month = new Date(o.closedAt).toISOString().slice(0, 7);
    const list = byMonth.get(month) ?? [];
    list.push(o);
    byMonth.set(month, list);
  }
  const months = [...byMonth.keys()].sort().map((month) => ({ month, ...quality(byMonth.get(month)!) }));
  const since = asOf - windowDays * DAY_MS;
  const served = outcomes.filter(
    (o) => o.modelVersion === servedVersion && o.closedAt > since && o.closedAt <= asOf,
  );
  const q = quality(served);
  const window = {
    days: windowDays,
    modelVersion: servedVersion,
    ...q,
    calibration: calibrationByDecile(
      served.map((o) => o.score / 100),
      served.map((o) => (o.won ? 1 : 0)),
    ),
  };
  const base = { asOf: new Date(asOf).toISOString(), leadDays: LIVE_LEAD_DAYS, months, window };
  if (!servedVersion.startsWith('fit-')) {
    return {
      ...base,
      fallBack: false,
      reason: 'The prior weights are served: there is no fitted model to judge.',
    };
  }
  const lost = q.deals - q.won;
  if (q.deals < minDeals || q.won < minPerClass || lost < minPerClass) {
    return {
      ...base,
      fallBack: false,
      reason: `Not enough live evidence yet: ${q.deals} deals (${q.won} won, ${lost} lost) closed in the last ${windowDays} days with a score from model ${servedVersion} ${LIVE_LEAD_DAYS} days before; judging needs ${minDeals}, with ${minPerClass} of each.`,
    };
  }
  const worseRank = q.auc! < q.priorAuc!;
  const noSkill = q.brier! >= q.baseRateBrier!;
  if (worseRank || noSkill) {
    const why = worseRank
      ? `it ranked them worse than the prior (AUC ${q.auc} against ${q.priorAuc})`
      : `its probabilities did no better than the base rate (Brier ${q.brier} against ${q.baseRateBrier})`;
    return {
      ...base,
      fallBack: true,
      reason: `Fell back to the prior: on the ${q.deals} deals closed in the last ${windowDays} days, ${why}.`,
    };
  }
  return {
    ...base,
    fallBack: false,
    reason: `Model ${servedVersion} holds up live: AUC ${q.auc} against the prior's ${q.priorAuc}, Brier ${q.brier} against the base rate's ${q.baseRateBrier}, on ${q.deals} deals closed in the last ${windowDays} days.`,
  };
}
