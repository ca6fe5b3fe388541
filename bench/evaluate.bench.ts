// `BENCH_ONLY=evaluate npm run bench`: `evaluate` on generated worlds, side by side with a plain
// logistic regression written here (no regularisation search, no prior, gradient steps of its own)
// and gradient-boosted depth-2 trees (bench/boosted-trees.ts: written independently of the product's
// own tree learner, src/scoring/calibration/boosted-trees.ts) on the same folds and the same
// features. Prints AUC and Brier of each, per world, and the learner the product chose (logistic or
// boosted trees, issue 15 item 4) with both of its candidates' figures.
// BENCH_QUICK=1: one world of 1,500 deals; else worlds of 2,000 and 4,000 deals.
// Public deal datasets: none of the npm / PyPI packages available here ships one (see
// docs/EVALUATE.md), so only generated worlds are measured.

import { worldToRecords } from '../src/cli/world-records.ts';
import { boostedTrees } from './boosted-trees.ts';
import { mulberry32 } from '../src/scoring/calibration/rng.ts';
import { generateWorld } from '../src/sandbox/generator/generate-world.ts';
import {
  buildQualificationIndicators,
  buildTrainingSet,
  crossValidateTrainingSet,
  outcomeOf,
  stratifiedFolds,
} from '../src/scoring/index.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const SIZES = QUICK ? [1_500] : [2_000, 4_000];
const FOLDS = 5;
const REPEATS = 2;
const SEED = 1;

/** Plain logistic regression by batch gradient descent with a tiny ridge (1e-4), written here. */
function plainLogistic(x: Float64Array, y: Uint8Array, rows: number[], d: number): (r: number) => number {
  const w = new Float64Array(d + 1);
  const lr = 0.5;
  for (let it = 0; it < 400; it++) {
    const g = new Float64Array(d + 1);
    for (const r of rows) {
      let z = w[0]!;
      for (let j = 0; j < d; j++) z += w[j + 1]! * x[r * d + j]!;
      const e = 1 / (1 + Math.exp(-z)) - y[r]!;
      g[0]! += e;
      for (let j = 0; j < d; j++) g[j + 1]! += e * x[r * d + j]!;
    }
    for (let j = 0; j <= d; j++) w[j]! -= lr * (g[j]! / rows.length + (j > 0 ? 1e-4 * w[j]! : 0));
  }
  return (r) => {
    let z = w[0]!;
    for (let j = 0; j < d; j++) z += w[j + 1]! * x[r * d + j]!;
    return 1 / (1 + Math.exp(-z));
  };
}

/** AUC by counting pairs (independent of the product's rank-based AUC). */
function pairAuc(p: number[], y: number[]): number {
  let wins = 0;
  let pairs = 0;
  for (let i = 0; i < p.length; i++) {
    if (y[i] !== 1) continue;
    for (let j = 0; j < p.length; j++) {
      if (y[j] !== 0) continue;
      pairs++;
      wins += p[i]! > p[j]! ? 1 : p[i] === p[j] ? 0.5 : 0;
    }
  }
  return wins / pairs;
}

const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const sd = (xs: number[]) => Math.sqrt(xs.reduce((a, b) => a + (b - mean(xs)) ** 2, 0) / (xs.length - 1));
const f = (xs: number[]) => `${mean(xs).toFixed(3)} ± ${sd(xs).toFixed(3)}`;

for (const size of SIZES) {
  const started = performance.now();
  const world = generateWorld({ seed: SEED, deals: size, now: '2026-06-01T00:00:00.000Z' });
  const keys = [...new Set(world.deals.flatMap((d) => Object.keys(d.qualification)))];
  const fields = keys.map((k) => ({ field: k, label: k, kind: 'category' as const }));
  const { records } = worldToRecords(world, fields, 'generated');
  const extraIndicators = buildQualificationIndicators(
    fields,
    records.map((r) => ({ dealId: r.deal.id, fields: r.deal.fields, outcome: outcomeOf(r) })),
  );
  const ts = buildTrainingSet(records, { extraIndicators });
  const report = crossValidateTrainingSet(ts, { folds: FOLDS, repeats: REPEATS, seed: SEED });
  const productSeconds = (performance.now() - started) / 1000;
  // The same folds as crossValidateTrainingSet: same seeded RNG, same rows (deal-id order).
  const rand = mulberry32(SEED);
  const d = ts.features.length;
  const aucs: number[] = [];
  const briers: number[] = [];
  const treeAucs: number[] = [];
  const treeBriers: number[] = [];
  for (let r = 0; r < REPEATS; r++) {
    const fold = stratifiedFolds(ts.y, report.folds, rand);
    for (let k = 0; k < report.folds; k++) {
      const train: number[] = [];
      const test: number[] = [];
      for (let i = 0; i < ts.y.length; i++) (fold[i] === k ? test : train).push(i);
      const predict = plainLogistic(ts.x, ts.y, train, d);
      const p = test.map(predict);
      const y = test.map((i) => ts.y[i]!);
      aucs.push(pairAuc(p, y));
      briers.push(mean(p.map((q, i) => (q - y[i]!) ** 2)));
      const trees = boostedTrees(ts.x, ts.y, train, d);
      const pt = test.map(trees);
      treeAucs.push(pairAuc(pt, y));
      treeBriers.push(mean(pt.map((q, i) => (q - y[i]!) ** 2)));
    }
  }
  console.log(
    `world ${size} deals (seed ${SEED}): ${report.deals.won} won, ${report.deals.lost} lost closed deals used; ${REPEATS} x ${report.folds} folds`,
  );
  const sel = report.selection;
  console.log(`  product chose      ${report.family ?? 'n/a'}: ${sel?.reason ?? report.message}`);
  console.log(
    `  product evaluate   AUC ${report.auc!.mean.toFixed(3)} ± ${report.auc!.std.toFixed(3)}  Brier ${report.brier!.mean.toFixed(3)} ± ${report.brier!.std.toFixed(3)}  (${productSeconds.toFixed(1)} s)`,
  );
  console.log(`  plain logistic     AUC ${f(aucs)}  Brier ${f(briers)}`);
  console.log(`  boosted trees      AUC ${f(treeAucs)}  Brier ${f(treeBriers)}`);
  console.log(
    `  prior score        AUC ${report.priorScoreAuc!.mean.toFixed(3)}; base-rate Brier ${report.baseRateBrier!.mean.toFixed(3)}`,
  );
  console.log(`  adopted: ${report.adopted} (${report.adoption.code})`);
  console.log(
    JSON.stringify({
      deals: size,
      won: report.deals.won,
      lost: report.deals.lost,
      product: {
        family: report.family,
        auc: report.auc,
        brier: report.brier,
        candidates: sel?.candidates ?? null,
        selection: sel?.code ?? null,
      },
      plainLogistic: {
        auc: { mean: mean(aucs), std: sd(aucs) },
        brier: { mean: mean(briers), std: sd(briers) },
      },
      boostedTrees: {
        auc: { mean: mean(treeAucs), std: sd(treeAucs) },
        brier: { mean: mean(treeBriers), std: sd(treeBriers) },
      },
      priorScoreAuc: report.priorScoreAuc!.mean,
      adopted: report.adopted,
      reason: report.reason,
    }),
  );
}
