import { CORE_INDICATOR_KEYS, type HealthResult } from '../../src/domain/index.ts';

/**
 * A whole HealthResult scored at `at` (epoch ms) with `score`: what store-level tests save when only
 * the score, its time and the model matter (every indicator neutral, no evidence).
 */
export function scoredResult(
  dealId: string,
  at: number,
  score: number,
  model: { modelVersion: string; winProbability: number | null } = {
    modelVersion: 'prior-v1',
    winProbability: null,
  },
): HealthResult {
  return {
    dealId,
    asOf: new Date(at).toISOString(),
    score,
    band: 'watch',
    winProbability: model.winProbability,
    confidence: 0.5,
    indicators: CORE_INDICATOR_KEYS.map((key) => ({
      key,
      label: key,
      value: null,
      subScore: 0.5,
      confidence: 0,
      evidence: '',
    })),
    reasons: [],
    trend: null,
    modelVersion: model.modelVersion,
  };
}
