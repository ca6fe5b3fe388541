// `BENCH_ONLY=forecast npm run bench`: the forecast's backtest on generated worlds (docs/FORECAST.md
// "Figures"): how often the 80% interval held the revenue of each replayed quarter, with the
// adopted model's probabilities and with the prior score / 100, and how long a forecast takes.
// BENCH_QUICK=1: the three 1,500-deal worlds only; else also a 10,000-deal world.

import { worldForecast } from './forecast-world.ts';

const QUICK = process.env.BENCH_QUICK === '1';
const NOW = '2026-11-15T00:00:00Z';
const WORLDS: [seed: number, deals: number][] = [
  [1, 1_500],
  [2, 1_500],
  [3, 1_500],
  ...(QUICK ? [] : ([[1, 10_000]] as [number, number][])),
];

for (const [seed, deals] of WORLDS) {
  for (const fit of [true, false]) {
    const started = performance.now();
    const { doc, modelVersion } = worldForecast({ seed, deals, now: NOW, fit });
    const b = doc.backtest;
    const quarters = b.periods
      .map((p) => `${p.label} ${p.inside ? 'in' : p.realised < p.p10 ? 'below P10' : 'above P90'}`)
      .join(', ');
    console.log(
      `world ${deals} deals (seed ${seed}), ${modelVersion.startsWith('fit-') ? 'fitted model' : 'prior score / 100'}: ` +
        `held ${b.periods.filter((p) => p.inside).length} of ${b.evaluated} quarters (coverage ${b.intervalCoverage}), ` +
        `mean width / revenue ${b.meanRelativeWidth}; ${quarters}; ${((performance.now() - started) / 1000).toFixed(1)} s with world generation`,
    );
  }
}
