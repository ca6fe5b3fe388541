// The forecast's simulation against a case computable by hand (issue 18: "two independent deals").
//
// Deal A: 100 with p = 0.6; deal B: 200 with p = 0.7; independent; no slip; 50 already won.
// Revenue R = 50 + 100 x A + 200 x B takes four values:
//   R =  50  when both lost:   0.4 x 0.3 = 0.12
//   R = 150  when A only:      0.6 x 0.3 = 0.18
//   R = 250  when B only:      0.4 x 0.7 = 0.28
//   R = 350  when both won:    0.6 x 0.7 = 0.42
// Cumulative: P(R <= 50) = 0.12, P(R <= 150) = 0.30, P(R <= 250) = 0.58, P(R <= 350) = 1.
// Quantile q = the smallest v with P(R <= v) >= q:
//   P10 = 50 (0.12 >= 0.10), P50 = 250 (0.30 < 0.50 <= 0.58), P90 = 350 (0.58 < 0.90).
// Mean = 50 + 0.6 x 100 + 0.7 x 200 = 250.
// P(R >= 250) = 0.28 + 0.42 = 0.70; P(R >= 300) = 0.42; P(R >= 351) = 0.
// With 10,000 draws a share's standard error is at most 0.005; the nearest quantile boundary is
// 0.02 away from its level (0.12 vs 0.10), four standard errors.

import { describe, expect, it } from 'vitest';
import { quantile, shareAtLeast, simulateRevenue } from '../../../../src/scoring/index.ts';

const TWO_DEALS = {
  groupCount: 1,
  fixed: [50],
  deals: [
    { amount: 100, pInPeriod: 0.6, groups: [0] },
    { amount: 200, pInPeriod: 0.7, groups: [0] },
  ],
  draws: 10_000,
  seed: 7,
};

describe('simulateRevenue: two independent deals, computed by hand', () => {
  it('gives P10 / P50 / P90 = 50 / 250 / 350 and the mean 250', () => {
    const [r] = simulateRevenue(TWO_DEALS);
    expect(r!.p10).toBe(50);
    expect(r!.p50).toBe(250);
    expect(r!.p90).toBe(350);
    expect(r!.mean).toBeCloseTo(250, -1); // within 5: the standard error of the mean is 1.1
  });

  it('gives the chance of reaching a target as the share of draws at or above it', () => {
    const [r] = simulateRevenue(TWO_DEALS);
    expect(Math.abs(shareAtLeast(r!.sorted, 250) - 0.7)).toBeLessThan(0.015);
    expect(Math.abs(shareAtLeast(r!.sorted, 300) - 0.42)).toBeLessThan(0.015);
    expect(shareAtLeast(r!.sorted, 351)).toBe(0);
    expect(shareAtLeast(r!.sorted, 50)).toBe(1);
  });

  it('draws each outcome with its probability', () => {
    const [r] = simulateRevenue(TWO_DEALS);
    const share = (v: number) => r!.sorted.filter((x) => x === v).length / r!.sorted.length;
    for (const [v, p] of [
      [50, 0.12],
      [150, 0.18],
      [250, 0.28],
      [350, 0.42],
    ] as const)
      expect(Math.abs(share(v) - p), `R = ${v}`).toBeLessThan(0.015);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = simulateRevenue(TWO_DEALS)[0]!.sorted;
    const b = simulateRevenue(TWO_DEALS)[0]!.sorted;
    const c = simulateRevenue({ ...TWO_DEALS, seed: 8 })[0]!.sorted;
    expect(Array.from(a)).toEqual(Array.from(b));
    expect(shareAtLeast(a, 300)).not.toBe(shareAtLeast(c, 300));
  });

  it('keeps groups consistent within a draw: the total is the sum of its owners', () => {
    const results = simulateRevenue({
      groupCount: 3,
      fixed: [0, 50, 50],
      deals: [
        { amount: 100, pInPeriod: 0.6, groups: [0, 2] },
        { amount: 200, pInPeriod: 0.7, groups: [1, 2] },
      ],
      draws: 10_000,
      seed: 7,
    });
    // Owner 0 alone: 0 (0.4) or 100 (0.6): P10 = 0, P50 = 100, P90 = 100.
    expect([results[0]!.p10, results[0]!.p50, results[0]!.p90]).toEqual([0, 100, 100]);
    // Owner 1: 50 (0.3) or 250 (0.7): P10 = 50, P50 = 250.
    expect([results[1]!.p10, results[1]!.p50, results[1]!.p90]).toEqual([50, 250, 250]);
    expect([results[2]!.p10, results[2]!.p50, results[2]!.p90]).toEqual([50, 250, 350]);
  });

  it('takes the lower inverse of the distribution as the quantile', () => {
    const sorted = Float64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(quantile(sorted, 0.1)).toBe(1);
    expect(quantile(sorted, 0.5)).toBe(5);
    expect(quantile(sorted, 0.9)).toBe(9);
    expect(quantile(sorted, 0.91)).toBe(10);
  });
});
