// The shape every indicator module shares, and the helper that keeps results in bounds.

import type { IndicatorResult } from '../../domain/index.ts';
import type { ActivityStats } from '../activity-stats.ts';
import type { ScoringContext } from '../context.ts';
import type { DealInput } from '../deal-input.ts';
import { clamp01 } from '../time.ts';
import { type CoreIndicatorKey, INDICATOR_LABELS } from '../weights.ts';

/** One indicator: reads the compiled deal, its activity counters and the context; never throws. */
export type IndicatorFn = (input: DealInput, stats: ActivityStats, ctx: ScoringContext) => IndicatorResult;

/** Builds a result with sub-score and confidence clamped to 0..1 and a finite value (or null). */
export function indicatorResult(
  key: CoreIndicatorKey,
  value: number | null,
  subScore: number,
  confidence: number,
  evidence: string,
): IndicatorResult {
  return {
    key,
    label: INDICATOR_LABELS[key],
    value: value != null && Number.isFinite(value) ? value : null,
    subScore: clamp01(subScore),
    confidence: clamp01(confidence),
    evidence,
  };
}

/** The evidence every activity-based indicator gives when nothing at all is logged. */
export const NO_ACTIVITY = 'No activity logged on this deal';

/** Rounds to `d` decimals. */
export function round(x: number, d = 0): number {
  const f = 10 ** d;
  return Math.round(x * f) / f;
}
