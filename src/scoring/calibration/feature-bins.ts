// Histogram binning of training features for the tree learner: per feature at most `maxBins` bins
// cut at midpoints between distinct training values, by row-count quantiles when there are more
// distinct values than bins. Splits are then searched over bin boundaries only (bounded cost) and
// served as plain thresholds (`x <= cut` goes left), so a new value needs no bin table.

export interface FeatureBins {
  /** Per feature, ascending cut points; bin b holds values in (cuts[b-1], cuts[b]]. */
  cuts: Float64Array[];
  /** Row-major bin codes (rows x d) of the rows binned, in the order given. */
  codes: Uint8Array;
}

/** Largest supported bin count (codes are bytes). */
const MAX_BINS_LIMIT = 256;

/** Cut points of one feature's values (any order). */
function cutsOf(values: Float64Array, maxBins: number): Float64Array {
  const v = Float64Array.from(values).sort();
  const distinct: number[] = [];
  const counts: number[] = [];
  for (let i = 0; i < v.length; i++) {
    if (i > 0 && v[i] === v[i - 1]) counts[counts.length - 1]!++;
    else {
      distinct.push(v[i]!);
      counts.push(1);
    }
  }
  const cuts: number[] = [];
  if (distinct.length <= maxBins) {
    for (let k = 0; k + 1 < distinct.length; k++) cuts.push((distinct[k]! + distinct[k + 1]!) / 2);
  } else {
    // Cut after the distinct value where the running count first reaches the next quantile.
    let seen = 0;
    let next = 1;
    for (let k = 0; k + 1 < distinct.length && next < maxBins; k++) {
      seen += counts[k]!;
      if (seen >= (next * v.length) / maxBins) {
        cuts.push((distinct[k]! + distinct[k + 1]!) / 2);
        while (next < maxBins && seen >= (next * v.length) / maxBins) next++;
      }
    }
  }
  return Float64Array.from(cuts);
}

/** The bin of `x`: the number of cuts below it (so `x <= cuts[b]` exactly when code <= b). */
function binOf(cuts: Float64Array, x: number): number {
  let lo = 0;
  let hi = cuts.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cuts[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Learns the cuts from the given rows of `x` (row-major, d columns) and bins those rows. */
export function binFeatures(
  x: Float64Array,
  d: number,
  rows: ArrayLike<number>,
  maxBins: number,
): FeatureBins {
  if (!(maxBins >= 2 && maxBins <= MAX_BINS_LIMIT))
    throw new RangeError(`maxBins must be 2..${MAX_BINS_LIMIT}`);
  const n = rows.length;
  const cuts: Float64Array[] = [];
  const column = new Float64Array(n);
  for (let j = 0; j < d; j++) {
    for (let i = 0; i < n; i++) column[i] = x[rows[i]! * d + j]!;
    cuts.push(cutsOf(column, maxBins));
  }
  const codes = new Uint8Array(n * d);
  for (let i = 0; i < n; i++) {
    const r = rows[i]!;
    for (let j = 0; j < d; j++) codes[i * d + j] = binOf(cuts[j]!, x[r * d + j]!);
  }
  return { cuts, codes };
}
