// Out-of-sample quality measures for a probability model: AUC, Brier score, calibration by decile.

/** Area under the ROC curve (Mann-Whitney U with average ranks for ties); NaN without both classes. */
export function auc(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = labels.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => predicted[a]! - predicted[b]! || a - b);
  let pos = 0;
  let rankSumPos = 0;
  let i = 0;
  while (i < n) {
    let j = i;
    while (j + 1 < n && predicted[idx[j + 1]!] === predicted[idx[i]!]) j++;
    const avgRank = (i + j) / 2 + 1;
    for (let k = i; k <= j; k++) {
      if (labels[idx[k]!] === 1) {
        pos++;
        rankSumPos += avgRank;
      }
    }
    i = j + 1;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) return Number.NaN;
  return (rankSumPos - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean squared error of probabilities against 0/1 outcomes. */
export function brier(predicted: ArrayLike<number>, labels: ArrayLike<number>): number {
  const n = labels.length;
  if (n === 0) return Number.NaN;
  let s = 0;
  for (let i = 0; i < n; i++) {
    const d = predicted[i]! - labels[i]!;
    s += d * d;
  }
  return s / n;
}

export interface CalibrationBin {
  /** 1..10, lowest predictions first. */
  decile: number;
  count: number;
  meanPredicted: number;
  observedRate: number;
}

/** Splits predictions into ten equal-count bins (by predicted value) and compares mean vs observed. */
export function calibrationByDecile(
  predicted: ArrayLike<number>,
  labels: ArrayLike<number>,
): CalibrationBin[] {
  const n = labels.length;
  const idx = Array.from({ length: n }, (_, i) => i).sort((a, b) => predicted[a]! - predicted[b]! || a - b);
  const bins: CalibrationBin[] = [];
  for (let b = 0; b < 10; b++) {
    const lo = Math.floor((b * n) / 10);
    const hi = Math.floor(((b + 1) * n) / 10);
    if (hi <= lo) continue;
    let sp = 0;
    let sy = 0;
    for (let k = lo; k < hi; k++) {
      sp += predicted[idx[k]!]!;
      sy += labels[idx[k]!]!;
    }
    const c = hi - lo;
    bins.push({ decile: b + 1, count: c, meanPredicted: round4(sp / c), observedRate: round4(sy / c) });
  }
  return bins;
}

export function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
