// Row selection and stratified fold assignment shared by calibration and cross-validation (one
// helper for both, so the model adopted and the figures reported come from the same split rules).

import { shuffle } from './rng.ts';
import type { TrainingSet } from './training-set.ts';

/** Copies the given rows of a training set into a dense (x, y) pair, in the order given. */
export function selectRows(
  ts: Pick<TrainingSet, 'features' | 'x' | 'y'>,
  rows: readonly number[],
): { x: Float64Array; y: Uint8Array } {
  const d = ts.features.length;
  const x = new Float64Array(rows.length * d);
  const y = new Uint8Array(rows.length);
  rows.forEach((r, i) => {
    x.set(ts.x.subarray(r * d, r * d + d), i * d);
    y[i] = ts.y[r]!;
  });
  return { x, y };
}

/** Row indices of the won (1) and lost (0) rows, in row order. */
export function rowsByClass(y: ArrayLike<number>): { won: number[]; lost: number[] } {
  const won: number[] = [];
  const lost: number[] = [];
  for (let i = 0; i < y.length; i++) (y[i] === 1 ? won : lost).push(i);
  return { won, lost };
}

/**
 * Stratified fold of every row (0..folds-1): each class is shuffled with `rand`, then dealt
 * round-robin, so every fold gets both classes. The rows must already be in a stable order (the
 * training set is sorted by deal id) for the same seed to give the same folds.
 */
export function stratifiedFolds(y: ArrayLike<number>, folds: number, rand: () => number): Int32Array {
  const { won, lost } = rowsByClass(y);
  const fold = new Int32Array(y.length);
  for (const cls of [shuffle(won, rand), shuffle(lost, rand)]) {
    cls.forEach((row, i) => {
      fold[row] = i % folds;
    });
  }
  return fold;
}

/** Splits rows 0..fold.length-1 into those of fold `f` (test) and the rest (train). */
export function splitFold(fold: Int32Array, f: number): { train: number[]; test: number[] } {
  const train: number[] = [];
  const test: number[] = [];
  for (let i = 0; i < fold.length; i++) (fold[i] === f ? test : train).push(i);
  return { train, test };
}
