// The forecast with ranges (issue 18, item 1): pure, seeded, no clock. See docs/FORECAST.md.
export * from './analog-windows.ts';
export * from './backtest-forecast.ts';
export * from './conversion-spread.ts';
export * from './forecast-deal.ts';
export * from './forecast-groups.ts';
export * from './forecast-period.ts';
export * from './history-deal.ts';
export * from './outside-pipeline-revenue.ts';
export * from './quarter-period.ts';
export * from './simulate-revenue.ts';
export * from './slip-rate.ts';
export * from './forecast-document.ts';
export * from './replay-deals.ts';
export * from './history-table.ts';
