// A richer model for the evaluate benchmark only: gradient-boosted depth-2 trees on log loss,
// written here so the product's learner is compared against an independent, stronger baseline on
// the same folds and features (issue 15: keep a richer model only if it wins). Not used by the
// product, which has its own learner (src/scoring/calibration/boosted-trees.ts, histogram splits,
// Newton gains); this one stays as the benchmark's independent reference.

const ROUNDS = 150;
const RATE = 0.1;
const BINS = 16;
const MIN_LEAF = 20;

interface Split {
  feature: number;
  threshold: number;
}

interface Tree {
  root: Split;
  /** Splits of the left and right child (null: a leaf there). */
  children: [Split | null, Split | null];
  /** Leaf values, indexed [left-left, left-right, right-left, right-right] (or the two of a stump side). */
  leaves: number[];
}

/** Candidate thresholds per feature: the training rows' quantiles. */
function thresholds(x: Float64Array, d: number, rows: number[]): number[][] {
  const out: number[][] = [];
  for (let j = 0; j < d; j++) {
    const v = rows.map((r) => x[r * d + j]!).sort((a, b) => a - b);
    const t = new Set<number>();
    for (let b = 1; b < BINS; b++) t.add(v[Math.floor((b * v.length) / BINS)]!);
    out.push([...t]);
  }
  return out;
}

/** The split of `rows` that most reduces squared error of the gradients (null: none allowed). */
function bestSplit(
  x: Float64Array,
  d: number,
  rows: number[],
  g: Float64Array,
  cuts: number[][],
): Split | null {
  let best: Split | null = null;
  let bestGain = 0;
  let total = 0;
  for (const r of rows) total += g[r]!;
  for (let j = 0; j < d; j++) {
    for (const t of cuts[j]!) {
      let sl = 0;
      let nl = 0;
      for (const r of rows) {
        if (x[r * d + j]! <= t) {
          sl += g[r]!;
          nl += 1;
        }
      }
      const nr = rows.length - nl;
      if (nl < MIN_LEAF || nr < MIN_LEAF) continue;
      const sr = total - sl;
      const gain = (sl * sl) / nl + (sr * sr) / nr - (total * total) / rows.length;
      if (gain > bestGain) {
        bestGain = gain;
        best = { feature: j, threshold: t };
      }
    }
  }
  return best;
}

function side(x: Float64Array, d: number, r: number, s: Split): 0 | 1 {
  return x[r * d + s.feature]! <= s.threshold ? 0 : 1;
}

/** Newton step for a leaf of log loss: sum of residuals / sum of p(1-p). */
function leafValue(rows: number[], resid: Float64Array, hess: Float64Array): number {
  let s = 0;
  let h = 0;
  for (const r of rows) {
    s += resid[r]!;
    h += hess[r]!;
  }
  return h > 1e-9 ? s / h : 0;
}

/** Fit on `rows`; returns the predicted win probability of any row. */
export function boostedTrees(
  x: Float64Array,
  y: Uint8Array,
  rows: number[],
  d: number,
): (r: number) => number {
  const n = y.length;
  const base = Math.log(
    (rows.reduce((a, r) => a + y[r]!, 0) + 0.5) / (rows.reduce((a, r) => a + 1 - y[r]!, 0) + 0.5),
  );
  const f = new Float64Array(n).fill(base);
  const resid = new Float64Array(n);
  const hess = new Float64Array(n);
  const cuts = thresholds(x, d, rows);
  const trees: Tree[] = [];
  for (let round = 0; round < ROUNDS; round++) {
    for (const r of rows) {
      const p = 1 / (1 + Math.exp(-f[r]!));
      resid[r] = y[r]! - p;
      hess[r] = p * (1 - p);
    }
    const root = bestSplit(x, d, rows, resid, cuts);
    if (root === null) break;
    const halves: [number[], number[]] = [[], []];
    for (const r of rows) halves[side(x, d, r, root)].push(r);
    const children: [Split | null, Split | null] = [
      bestSplit(x, d, halves[0], resid, cuts),
      bestSplit(x, d, halves[1], resid, cuts),
    ];
    const leaves: number[] = [];
    for (const h of [0, 1] as const) {
      const child = children[h];
      const parts: [number[], number[]] = [[], []];
      for (const r of halves[h]) {
        if (child === null) parts[0].push(r);
        else parts[side(x, d, r, child)].push(r);
      }
      leaves.push(RATE * leafValue(parts[0], resid, hess), RATE * leafValue(parts[1], resid, hess));
    }
    const tree: Tree = { root, children, leaves };
    trees.push(tree);
    for (const r of rows) f[r]! += predictTree(tree, x, d, r);
  }
  return (r) => {
    let z = base;
    for (const t of trees) z += predictTree(t, x, d, r);
    return 1 / (1 + Math.exp(-z));
  };
}

function predictTree(t: Tree, x: Float64Array, d: number, r: number): number {
  const h = side(x, d, r, t.root);
  const child = t.children[h];
  return t.leaves[h * 2 + (child === null ? 0 : side(x, d, r, child))]!;
}
