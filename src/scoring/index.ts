// Public surface of the scoring engine: pure functions, no I/O, no clock.
export * from './activity-stats.ts';
export * from './calibration/calibrate.ts';
export * from './calibration/logistic.ts';
export * from './calibration/metrics.ts';
export * from './calibration/training-set.ts';
export * from './combine.ts';
export * from './context.ts';
export * from './deal-input.ts';
export * from './model.ts';
export * from './norms.ts';
export * from './pipeline-health.ts';
export * from './weights.ts';
export * from './qualification/index.ts';
export * from './bands.ts';
export * from './calibration/adoption.ts';
export * from './calibration/cross-validation.ts';
export * from './calibration/folds.ts';
