// "What would raise this deal" (issue 18): each rep-controllable action scored as if done today,
// with the same model and norms, against the deal as it is. The lift is in score points, which on a
// fitted model are points of calibrated win probability (the score is 100 x p there).

import { type HealthResult, REP_ACTION_KEYS, type RepAction } from '../domain/index.ts';
import { scoreDeal } from './combine.ts';
import type { ScoringContext } from './context.ts';
import type { DealInput } from './deal-input.ts';
import { applyRepAction } from './rep-actions.ts';

/** Lifts below this many points are noise next to a score rounded to 0.1: not suggested. */
const MIN_LIFT = 0.5;
const MAX_ACTIONS = 3;

/** The actions with a lift of at least {@link MIN_LIFT} points for this open deal, best first. */
export function actionLifts(input: DealInput, ctx: ScoringContext, result: HealthResult): RepAction[] {
  if (input.isClosed) return [];
  const out: RepAction[] = [];
  for (const key of REP_ACTION_KEYS) {
    const after = scoreDeal(applyRepAction(input, key), ctx);
    const lift = Math.round((after.score - result.score) * 10) / 10;
    if (lift >= MIN_LIFT) out.push({ key, lift });
  }
  // Equal lifts keep the documented order of REP_ACTION_KEYS (the sort is stable).
  out.sort((a, b) => b.lift - a.lift);
  return out.slice(0, MAX_ACTIONS);
}
