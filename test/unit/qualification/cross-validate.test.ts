import { describe, expect, it } from 'vitest';
import { outcomeOf } from '../../../src/scoring/norms.ts';
import { crossValidate } from '../../../src/scoring/qualification/cross-validate.ts';
import { buildQualificationIndicators } from '../../../src/scoring/qualification/field-indicator.ts';
import { QUALIFICATION_FIELDS, qualifiedDeals } from './qualification-records.ts';

describe('crossValidate', { timeout: 60_000 }, () => {
  const records = qualifiedDeals(300, 11);
  const extraIndicators = buildQualificationIndicators(
    QUALIFICATION_FIELDS,
    records.map((r) => ({ dealId: r.deal.id, fields: r.deal.fields, outcome: outcomeOf(r) })),
  );

  it('evaluates closed deals with only qualification fields and an outcome (no activities)', () => {
    const report = crossValidate(records, { extraIndicators, folds: 5, repeats: 2, seed: 4 });
    expect(report.status).toBe('evaluated');
    expect(report.counts.won + report.counts.lost).toBe(300);
    expect(report.auc!.mean).toBeGreaterThan(0.65);
    expect(report.auc!.min).toBeLessThanOrEqual(report.auc!.mean);
    expect(report.auc!.max).toBeGreaterThanOrEqual(report.auc!.mean);
    expect(report.brier!.mean).toBeLessThan(0.25);
    // Every row is predicted once per repeat.
    expect(report.calibration.reduce((s, b) => s + b.count, 0)).toBe(600);
    const budget = report.indicators.find((i) => i.key === 'field:budget_allocated')!;
    expect(budget.coefficient).toBeGreaterThan(0);
    expect(budget.folds.std).toBeGreaterThanOrEqual(0);
    // Out-of-fold encoding (issue 15 item 4): even the earliest deals are judged by the other folds.
    expect(budget.coverage).toBe(1);
    // No activity at all: the activity indicators never have data.
    expect(report.indicators.find((i) => i.key === 'open_communication')!.coverage).toBe(0);
  });

  it('is deterministic for a seed and changes with the seed', () => {
    const a = crossValidate(records, { extraIndicators, folds: 4, repeats: 2, seed: 9 });
    const b = crossValidate(records, { extraIndicators, folds: 4, repeats: 2, seed: 9 });
    const c = crossValidate(records, { extraIndicators, folds: 4, repeats: 2, seed: 10 });
    expect(b).toEqual(a);
    expect(c.auc).not.toEqual(a.auc);
  });

  it('without the fields there is nothing to learn from, and says so by chance-level AUC', () => {
    const report = crossValidate(records, { folds: 5, repeats: 1, seed: 4 });
    expect(report.auc!.mean).toBeLessThan(0.6);
  });

  it('reports too few deals instead of a meaningless figure', () => {
    const report = crossValidate(
      records.filter((r) => !r.deal.isWon).concat(records.filter((r) => r.deal.isWon).slice(0, 1)),
    );
    expect(report.status).toBe('insufficient');
    expect(report.auc).toBeNull();
    expect(report.message).toMatch(/1 won/);
  });
});
