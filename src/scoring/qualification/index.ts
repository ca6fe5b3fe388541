// Qualification fields as `field:<name>` indicators and cross-validated evaluation (issue 9).
export * from './cross-validate.ts';
export * from './field-encoding.ts';
export * from './field-indicator.ts';
