import { describe, expect, it } from 'vitest';
import { foldInterval } from '../../../src/scoring/calibration/adoption.ts';

describe('foldInterval', () => {
  it('matches the textbook 90% t interval when the correction term is zero', () => {
    // mean 3, s^2 = 2.5, n = 5: half-width t(0.95, 4) x sqrt(2.5 / 5) = 2.1318 x 0.7071 = 1.5074.
    const i = foldInterval([1, 2, 3, 4, 5], 0);
    expect(i.mean).toBe(3);
    expect(i.lower).toBeCloseTo(3 - 1.5074, 2);
    expect(i.upper).toBeCloseTo(3 + 1.5074, 2);
  });

  it('widens by the Nadeau-Bengio factor for overlapping training folds', () => {
    // n_test / n_train = 1/4 (5 folds): variance x (1/5 + 1/4) / (1/5) = 2.25, half-width x 1.5.
    const plain = foldInterval([1, 2, 3, 4, 5], 0);
    const corrected = foldInterval([1, 2, 3, 4, 5], 0.25);
    expect((corrected.upper - corrected.mean) / (plain.upper - plain.mean)).toBeCloseTo(1.5, 2);
  });
});
