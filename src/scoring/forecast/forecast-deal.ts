// An open deal as the simulation sees it: amount, close date and win probability as of the as-of.

import type { HealthResult } from '../../domain/index.ts';
import type { DealInput } from '../deal-input.ts';

/**
 * Where the win probability comes from (docs/SCORING.md, "one story per deal"): the adopted model's
 * calibrated probability, else the prior score / 100 (the confidence-weighted mean of sub-scores:
 * a 0..1 judgement, not a calibrated probability; the forecast says which was used).
 */
export type WinProbabilitySource = 'model' | 'prior_score';

export interface ForecastDeal {
  dealId: string;
  ownerId: string | null;
  /** NaN when the deal has no amount (counted, adds nothing). */
  amount: number;
  /** UTC-midnight ms; NaN when none. */
  closeDate: number;
  winProbability: number;
  source: WinProbabilitySource;
}

function winProbabilityOf(result: Pick<HealthResult, 'score' | 'winProbability'>): {
  p: number;
  source: WinProbabilitySource;
} {
  if (result.winProbability != null && Number.isFinite(result.winProbability))
    return { p: result.winProbability, source: 'model' };
  return { p: Math.min(1, Math.max(0, result.score / 100)), source: 'prior_score' };
}

/** From a deal compiled as of the forecast's as-of and its health result at that moment. */
export function forecastDealFrom(
  input: DealInput,
  result: Pick<HealthResult, 'score' | 'winProbability'>,
): ForecastDeal {
  const { p, source } = winProbabilityOf(result);
  return {
    dealId: input.id,
    ownerId: input.ownerId,
    amount: Number.isFinite(input.amount) && input.amount > 0 ? input.amount : Number.NaN,
    closeDate: input.closeDate,
    winProbability: p,
    source,
  };
}
