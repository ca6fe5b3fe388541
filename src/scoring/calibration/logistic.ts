// L2-regularised logistic regression by iteratively reweighted least squares (Newton's method).
// Small, dense and deterministic: a dozen features, tens of thousands of rows.

import { sigmoid } from '../model.ts';

export interface LogisticFit {
  intercept: number;
  coefficients: number[];
  iterations: number;
  converged: boolean;
}

export interface LogisticOptions {
  /** L2 penalty on the coefficients (not the intercept). Default 1. */
  l2?: number;
  /** Default 50. */
  maxIterations?: number;
  /** Stop when no parameter moves more than this. Default 1e-9. */
  tolerance?: number;
}

/** Solves A x = b for a symmetric positive-definite A (row-major, n x n) by Cholesky. */
function solveSpd(a: Float64Array, b: Float64Array, n: number): Float64Array {
  const l = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j <= i; j++) {
      let s = a[i * n + j]!;
      for (let k = 0; k < j; k++) s -= l[i * n + k]! * l[j * n + k]!;
      if (i === j) l[i * n + i] = Math.sqrt(Math.max(s, 1e-12));
      else l[i * n + j] = s / l[j * n + j]!;
    }
  }
  const y = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = b[i]!;
    for (let k = 0; k < i; k++) s -= l[i * n + k]! * y[k]!;
    y[i] = s / l[i * n + i]!;
  }
  const x = new Float64Array(n);
  for (let i = n - 1; i >= 0; i--) {
    let s = y[i]!;
    for (let k = i + 1; k < n; k++) s -= l[k * n + i]! * x[k]!;
    x[i] = s / l[i * n + i]!;
  }
  return x;
}

/**
 * Fits P(y=1) = sigmoid(b0 + x·b). `x` is row-major (rows x d), `y` holds 0/1 labels.
 * Penalised Newton steps: (X'WX + λI')Δ = X'(y-p) - λb, where I' leaves the intercept unpenalised.
 */
export function fitLogistic(
  x: Float64Array,
  y: Uint8Array,
  d: number,
  options: LogisticOptions = {},
): LogisticFit {
  const rows = y.length;
  const l2 = options.l2 ?? 1;
  const maxIt = options.maxIterations ?? 50;
  const tol = options.tolerance ?? 1e-9;
  const n = d + 1; // parameter 0 is the intercept
  const beta = new Float64Array(n);
  const h = new Float64Array(n * n);
  const g = new Float64Array(n);
  const xi = new Float64Array(n);
  let it = 0;
  let converged = false;
  while (it < maxIt) {
    it++;
    h.fill(0);
    g.fill(0);
    for (let r = 0; r < rows; r++) {
      xi[0] = 1;
      let z = beta[0]!;
      for (let j = 0; j < d; j++) {
        const v = x[r * d + j]!;
        xi[j + 1] = v;
        z += beta[j + 1]! * v;
      }
      const p = sigmoid(z);
      const w = Math.max(p * (1 - p), 1e-10);
      const resid = y[r]! - p;
      for (let i = 0; i < n; i++) {
        const xv = xi[i]!;
        g[i]! += xv * resid;
        const wx = w * xv;
        for (let j = 0; j <= i; j++) h[i * n + j]! += wx * xi[j]!;
      }
    }
    for (let i = 1; i < n; i++) {
      h[i * n + i]! += l2;
      g[i]! -= l2 * beta[i]!;
    }
    // A tiny ridge on the intercept keeps the system solvable when one class is absent.
    h[0]! += 1e-9;
    for (let i = 0; i < n; i++) for (let j = i + 1; j < n; j++) h[i * n + j] = h[j * n + i]!;
    const step = solveSpd(h, g, n);
    let maxStep = 0;
    for (let i = 0; i < n; i++) {
      beta[i]! += step[i]!;
      maxStep = Math.max(maxStep, Math.abs(step[i]!));
    }
    if (maxStep < tol) {
      converged = true;
      break;
    }
  }
  return { intercept: beta[0]!, coefficients: Array.from(beta.subarray(1)), iterations: it, converged };
}

/** Predicted probabilities for row-major features. */
export function predictLogistic(
  fit: Pick<LogisticFit, 'intercept' | 'coefficients'>,
  x: Float64Array,
  d: number,
): Float64Array {
  const rows = Math.floor(x.length / Math.max(1, d));
  const out = new Float64Array(rows);
  for (let r = 0; r < rows; r++) {
    let z = fit.intercept;
    for (let j = 0; j < d; j++) z += fit.coefficients[j]! * x[r * d + j]!;
    out[r] = sigmoid(z);
  }
  return out;
}
