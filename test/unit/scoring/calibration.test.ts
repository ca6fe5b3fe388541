import { describe, expect, it } from 'vitest';
import { calibrate } from '../../../src/scoring/calibration/calibrate.ts';
import { fitLogistic, predictLogistic } from '../../../src/scoring/calibration/logistic.ts';
import { auc, brier, calibrationByDecile } from '../../../src/scoring/calibration/metrics.ts';
import { mulberry32 } from '../../../src/scoring/calibration/rng.ts';
import { buildTrainingSet } from '../../../src/scoring/calibration/training-set.ts';
import { scoreDeal } from '../../../src/scoring/combine.ts';
import { createScoringContext } from '../../../src/scoring/context.ts';
import { compileDeal } from '../../../src/scoring/deal-input.ts';
import { ScoringModelSchema } from '../../../src/scoring/model.ts';
import { healthyRecord, ghostedRecord, NOW } from './fixtures.ts';
import { syntheticClosedDeals, withPostCutoffFacts } from './synthetic.ts';

describe('metrics', () => {
  it('computes AUC with ties and Brier score', () => {
    expect(auc([0.1, 0.4, 0.35, 0.8], [0, 0, 1, 1])).toBe(0.75);
    expect(auc([0.5, 0.5], [0, 1])).toBe(0.5);
    expect(auc([0.2, 0.9], [1, 0])).toBe(0);
    expect(auc([0.2, 0.3], [1, 1])).toBeNaN();
    expect(brier([1, 0, 0.5], [1, 0, 1])).toBeCloseTo(0.25 / 3, 10);
  });

  it('bins predictions into ten equal-count deciles', () => {
    const p = Array.from({ length: 100 }, (_, i) => i / 100);
    const y = p.map((v) => (v >= 0.5 ? 1 : 0));
    const bins = calibrationByDecile(p, y);
    expect(bins).toHaveLength(10);
    expect(bins.every((b) => b.count === 10)).toBe(true);
    expect(bins[0]!.observedRate).toBe(0);
    expect(bins[9]!.observedRate).toBe(1);
    expect(bins[9]!.meanPredicted).toBeCloseTo(0.945, 6);
  });
});

describe('fitLogistic', () => {
  it('recovers the coefficients of a known model', () => {
    const rand = mulberry32(3);
    const rows = 20_000;
    const x = new Float64Array(rows * 2);
    const y = new Uint8Array(rows);
    for (let r = 0; r < rows; r++) {
      const a = rand() * 2 - 1;
      const b = rand() * 2 - 1;
      x[r * 2] = a;
      x[r * 2 + 1] = b;
      y[r] = rand() < 1 / (1 + Math.exp(-(0.5 + 2 * a - 1 * b))) ? 1 : 0;
    }
    const fit = fitLogistic(x, y, 2, { l2: 0.01 });
    expect(fit.converged).toBe(true);
    expect(fit.intercept).toBeCloseTo(0.5, 0);
    expect(fit.coefficients[0]).toBeGreaterThan(1.7);
    expect(fit.coefficients[0]).toBeLessThan(2.3);
    expect(fit.coefficients[1]).toBeLessThan(-0.7);
    expect(fit.coefficients[1]).toBeGreaterThan(-1.3);
    // A strong penalty shrinks coefficients towards zero.
    const shrunk = fitLogistic(x, y, 2, { l2: 10_000 });
    expect(Math.abs(shrunk.coefficients[0]!)).toBeLessThan(Math.abs(fit.coefficients[0]!) / 2);
    expect(predictLogistic(fit, x.subarray(0, 2), 2)[0]).toBeGreaterThan(0);
  });

  it('stays finite on perfectly separable and single-class data', () => {
    const x = Float64Array.from([-1, -0.5, 0.5, 1]);
    const sep = fitLogistic(x, Uint8Array.from([0, 0, 1, 1]), 1, { l2: 0.1 });
    expect(Number.isFinite(sep.coefficients[0]!)).toBe(true);
    expect(sep.coefficients[0]).toBeGreaterThan(0);
    const one = fitLogistic(x, Uint8Array.from([1, 1, 1, 1]), 1);
    expect(Number.isFinite(one.intercept)).toBe(true);
  });
});

describe('calibrate', { timeout: 60_000 }, () => {
  const records = syntheticClosedDeals(400);

  it('learns a positive weight for the indicator the outcome depends on, with AUC clearly above 0.5', () => {
    // The prior score already ranks these deals as well (engagement is what the priors weigh), so
    // the fit is not adopted (adoption.test.ts); its mechanics are checked on the candidate.
    const { candidate: model, report } = calibrate(records);
    expect(model!.kind).toBe('logistic');
    expect(model!.version).toMatch(/^fit-[0-9a-f]{8}$/);
    expect(report.coefficients!.open_communication).toBeGreaterThan(0.3);
    expect(report.validation!.auc.mean).toBeGreaterThan(0.62);
    expect(report.validation!.brier.mean).toBeLessThan(0.25);
    // Every row predicted once per repeat (5 folds x 2 repeats by default).
    expect(report.validation!.calibration.reduce((s, b) => s + b.count, 0)).toBe(
      2 * (report.counts.won + report.counts.lost),
    );
    expect(report.counts.won + report.counts.lost).toBe(400);
  });

  it('is deterministic for a seed and serialisable as plain JSON', () => {
    const a = calibrate(records, { seed: 9 });
    const b = calibrate(records, { seed: 9 });
    expect(b.model).toEqual(a.model);
    expect(b.report).toEqual(a.report);
    const c = calibrate(records, { seed: 10 });
    expect(c.report.validation).not.toEqual(a.report.validation);
    expect(ScoringModelSchema.parse(JSON.parse(JSON.stringify(a.model)))).toEqual(a.model);
  });

  it('ignores everything dated after the cut-off (no leakage)', () => {
    const a = calibrate(records);
    const b = calibrate(withPostCutoffFacts(records));
    expect(JSON.stringify(b.model)).toBe(JSON.stringify(a.model));
    expect(b.report).toEqual(a.report);
    expect(Array.from(b.training.x)).toEqual(Array.from(a.training.x));
  });

  it('would see the post-cut-off facts with a shorter lead (the leakage test can fail)', () => {
    const late = withPostCutoffFacts(records);
    const a = buildTrainingSet(records, { leadDays: 2 });
    const b = buildTrainingSet(late, { leadDays: 2 });
    expect(Array.from(b.x)).not.toEqual(Array.from(a.x));
  });

  it('reconstructs the stage as of the cut-off rather than reading the closed record', () => {
    const ts = buildTrainingSet(records.slice(0, 20));
    expect(ts.y.length).toBe(20);
    // Every training deal was open (in Proposal) at its cut-off, whatever its final stage: a closed
    // stage would give stage age zero confidence, hence a zero feature.
    const stageAgeCol = ts.features.indexOf('stage_age');
    for (let r = 0; r < 20; r++) expect(ts.x[r * ts.features.length + stageAgeCol]).not.toBe(0);
    // A deal already in a closed stage at its cut-off (closed, then reopened and closed again) is skipped.
    const r0 = records[0]!;
    const closedAt = Date.parse(r0.deal.closedAt!);
    const reclosed = {
      ...r0,
      deal: {
        ...r0.deal,
        stageHistory: [
          ...r0.deal.stageHistory.slice(0, -1),
          { stageId: 'lost', enteredAt: new Date(closedAt - 30 * 86_400_000).toISOString() },
        ],
      },
    };
    expect(buildTrainingSet([reclosed]).skipped.closedBeforeCutoff).toBe(1);
  });

  it('keeps the priors below the minimum counts and says so', () => {
    const few = syntheticClosedDeals(60);
    const { model, report } = calibrate(few);
    expect(model.version).toBe('prior-v1');
    expect(model.kind).toBe('prior');
    expect(report.status).toBe('prior');
    expect(report.validation).toBeNull();
    expect(report.message).toMatch(
      /^Only \d+ won and \d+ lost closed deals \(need 40 and 40\); keeping the survey prior weights/,
    );
    expect(report.minimums.anchors).toContain('Einstein: 200 won + 200 lost');
    expect(report.adoption.code).toBe('too_few_deals');
    const lowered = calibrate(few, { minWon: 10, minLost: 10 });
    expect(lowered.report.adoption.code).not.toBe('too_few_deals');
    expect(lowered.candidate?.kind).toBe('logistic');
  });

  it('skips deals closed within a day of creation and counts them (shorter ones get a shorter cut-off)', () => {
    const young = syntheticClosedDeals(3).map((r) => ({
      ...r,
      deal: { ...r.deal, createdAt: new Date(Date.parse(r.deal.closedAt!) - 20 * 3_600_000).toISOString() },
    }));
    const { report } = calibrate(young);
    expect(report.counts.skipped.tooYoung).toBe(3);
    expect(report.counts.won + report.counts.lost).toBe(0);
  });

  it('gives win probabilities through scoreDeal once fitted', () => {
    const model = calibrate(records).candidate!;
    const ctx = createScoringContext({ asOf: NOW, model });
    const good = scoreDeal(compileDeal(healthyRecord(), { asOf: NOW }), ctx);
    const bad = scoreDeal(compileDeal(ghostedRecord(), { asOf: NOW }), ctx);
    expect(good.modelVersion).toBe(model.version);
    expect(good.winProbability).not.toBeNull();
    expect(good.winProbability!).toBeGreaterThan(bad.winProbability!);
  });
});
