// Seeded Monte Carlo of a period's revenue for several groups at once (owners, teams, total): in
// each draw every deal is in (won inside the period) with its own probability, independently, and
// revenue from outside the pipeline is added: mean + z x spread per group, with one Student-t draw
// z shared by all groups (so they stay consistent within a draw), floored at 0. Revenue already
// won in the period is fixed.

import { mulberry32 } from '../calibration/rng.ts';

export interface SimulatedDeal {
  amount: number;
  /** Probability of being won inside the period: win probability x (1 - slip probability). */
  pInPeriod: number;
  /** Indices of the groups the deal counts in. */
  groups: readonly number[];
}

export interface SimulationInput {
  groupCount: number;
  /** Revenue already won in the period, per group. */
  fixed: readonly number[];
  deals: readonly SimulatedDeal[];
  /**
   * Revenue from outside the pipeline: per group, its mean and spread (the predictive standard
   * deviation), and the degrees of freedom of the t draw (0: a normal draw).
   */
  outside?: { mean: readonly number[]; spread: readonly number[]; df: number };
  /**
   * A common factor on every deal's probability in a draw: max(0, 1 + z x spread), z Student t
   * with `df` degrees of freedom (0: normal). Absent: deals are independent.
   */
  common?: { spread: number; df: number };
  draws: number;
  seed: number;
}

export interface SimulatedRevenue {
  mean: number;
  p10: number;
  p50: number;
  p90: number;
  /** Every draw's revenue, sorted ascending (for the chance of reaching a target). */
  sorted: Float64Array;
}

/**
 * The q-quantile of sorted draws as the lower inverse of the empirical distribution: the smallest
 * value v with P(revenue <= v) >= q. On a discrete distribution it is one of its values.
 */
export function quantile(sorted: Float64Array, q: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1));
  return sorted[i]!;
}

/** Share of draws reaching `target` (revenue >= target). */
export function shareAtLeast(sorted: Float64Array, target: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid]! < target) lo = mid + 1;
    else hi = mid;
  }
  return sorted.length === 0 ? Number.NaN : (sorted.length - lo) / sorted.length;
}

export function simulateRevenue(input: SimulationInput): SimulatedRevenue[] {
  const { groupCount: g, draws } = input;
  if (!(draws >= 1)) throw new RangeError('draws must be at least 1');
  const rand = mulberry32(input.seed);
  const values = Array.from({ length: g }, () => new Float64Array(draws));
  const sums = new Float64Array(g);
  // Flatten the deals and their groups into typed arrays for the hot loop.
  const n = input.deals.length;
  const amount = new Float64Array(n);
  const p = new Float64Array(n);
  const start = new Int32Array(n + 1);
  for (let i = 0; i < n; i++) start[i + 1] = start[i]! + input.deals[i]!.groups.length;
  const member = new Int32Array(start[n]!);
  for (let i = 0; i < n; i++) {
    const d = input.deals[i]!;
    amount[i] = d.amount;
    p[i] = d.pInPeriod;
    member.set(d.groups, start[i]!);
  }
  const outside = input.outside;
  const normal = () => {
    // Box-Muller; 1 - u keeps the logarithm finite.
    const u = 1 - rand();
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const studentT = (df: number) => {
    let z = normal();
    if (df > 0) {
      let chi2 = 0;
      for (let d = 0; d < df; d++) chi2 += normal() ** 2;
      z /= Math.sqrt(chi2 / df);
    }
    return z;
  };
  const common = input.common && input.common.spread > 0 ? input.common : null;
  for (let k = 0; k < draws; k++) {
    for (let j = 0; j < g; j++) sums[j] = input.fixed[j] ?? 0;
    const factor = common ? Math.max(0, 1 + studentT(common.df) * common.spread) : 1;
    for (let i = 0; i < n; i++) {
      if (rand() < p[i]! * factor) {
        const a = amount[i]!;
        for (let m = start[i]!, end = start[i + 1]!; m < end; m++) sums[member[m]!]! += a;
      }
    }
    if (outside) {
      const z = studentT(outside.df);
      for (let j = 0; j < g; j++)
        sums[j]! += Math.max(0, (outside.mean[j] ?? 0) + z * (outside.spread[j] ?? 0));
    }
    for (let j = 0; j < g; j++) values[j]![k] = sums[j]!;
  }
  return values.map((v) => {
    v.sort();
    let total = 0;
    for (const x of v) total += x;
    return {
      mean: total / draws,
      p10: quantile(v, 0.1),
      p50: quantile(v, 0.5),
      p90: quantile(v, 0.9),
      sorted: v,
    };
  });
}
