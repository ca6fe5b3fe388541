// Default band thresholds that mean something for the tenant: from its base win rate (fitted model,
// score = win probability x 100) or from the distribution of its prior scores (no model yet).
// Tenant.scoring.bands overrides both.

export interface BandThresholds {
  healthy: number;
  watch: number;
}

export const FIXED_BANDS: BandThresholds = Object.freeze({ healthy: 70, watch: 40 });

export interface DerivedBands extends BandThresholds {
  /** How the thresholds were set, in plain words (shown in the model report). */
  basis: string;
}

/** Below this many closed deals the prior-score distribution is too thin: the fixed 70 / 40 apply. */
const MIN_DEALS_FOR_DERIVED_BANDS = 20;

const pct = (x: number): string => `${Math.round(x * 100)}%`;

/**
 * On the win-probability scale: healthy at or above the tenant's base win rate (at least its usual
 * chance), at risk below half of it, watch in between. With a 25% base rate: healthy >= 25,
 * at risk < 12.5.
 */
export function probabilityBands(baseRate: number): DerivedBands {
  const r = Math.min(0.98, Math.max(0.02, baseRate));
  const healthy = Math.round(r * 1000) / 10;
  const watch = Math.round(r * 500) / 10;
  return {
    healthy,
    watch,
    basis: `win probability against the base win rate ${pct(r)}: healthy at ${healthy} or more (at least the usual chance), at risk below ${watch} (less than half of it)`,
  };
}

function quantile(sorted: readonly number[], q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

/**
 * On the prior score (no probability): thresholds from the prior scores of the tenant's closed
 * deals at their cut-off. The healthy share equals the base win rate (as many deals look healthy
 * as usually win); the lower half of the rest is at risk. Fixed 70 / 40 with fewer than
 * {@link MIN_DEALS_FOR_DERIVED_BANDS} deals.
 */
export function priorScoreBands(priorScores: ArrayLike<number>, baseRate: number): DerivedBands {
  const sorted = Array.from(priorScores)
    .filter((s) => Number.isFinite(s))
    .sort((a, b) => a - b);
  if (sorted.length < MIN_DEALS_FOR_DERIVED_BANDS || !Number.isFinite(baseRate)) {
    return { ...FIXED_BANDS, basis: 'fixed defaults (too few closed deals to derive them)' };
  }
  const r = Math.min(0.95, Math.max(0.05, baseRate));
  const healthy = Math.round(quantile(sorted, 1 - r) * 10) / 10;
  const watch = Math.round(quantile(sorted, (1 - r) / 2) * 10) / 10;
  if (!(healthy > watch)) return { ...FIXED_BANDS, basis: 'fixed defaults (prior scores do not spread)' };
  return {
    healthy,
    watch,
    basis: `prior score distribution of ${sorted.length} closed deals, base win rate ${pct(r)}: the top ${pct(r)} healthy (${healthy} or more), the lowest ${pct((1 - r) / 2)} at risk (below ${watch})`,
  };
}
