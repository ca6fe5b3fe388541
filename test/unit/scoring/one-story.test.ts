// Issue 15 items 1 and 2: one story per deal. Once a model is adopted, score = win probability x 100
// and the band comes from it; bands follow the tenant's base rate unless the tenant overrides them;
// reasons are the largest negative contributions (coefficient x feature) of the model in use.

import { describe, expect, it } from 'vitest';
import type { IndicatorResult } from '../../../src/domain/index.ts';
import { scoreDeal } from '../../../src/scoring/combine.ts';
import { createScoringContext, type ExtraIndicator } from '../../../src/scoring/context.ts';
import { compileDeal } from '../../../src/scoring/deal-input.ts';
import type { ScoringModel } from '../../../src/scoring/model.ts';
import { CORE_INDICATOR_KEYS, PRIOR_WEIGHTS } from '../../../src/scoring/weights.ts';
import { ghostedRecord, healthyRecord, NOW } from './fixtures.ts';

function model(coefs: Record<string, number>, intercept = 0, bands?: ScoringModel['bands']): ScoringModel {
  const features = Object.keys(coefs);
  return {
    version: 'fit-test',
    kind: 'logistic',
    features,
    intercept,
    coefficients: features.map((f) => coefs[f]!),
    featureTransform: 'confidence-centred-v1',
    trainedOn: { won: 100, lost: 300, leadDays: 14, l2: 1 },
    ...(bands ? { bands } : {}),
  };
}

/** The test's own contribution: coefficient x confidence x (subScore - 0.5) x 2. */
const contribution = (coef: number, i: IndicatorResult) => coef * i.confidence * (i.subScore - 0.5) * 2;

const everyCore = (c: number) => Object.fromEntries(CORE_INDICATOR_KEYS.map((k) => [k, c]));

describe('one number per deal (issue 15 item 1)', () => {
  it('scores win probability x 100 once a model is adopted, and the band comes from that score', () => {
    const m = model({ ...everyCore(0.3), close_date_integrity: 2.5 }, -0.8, {
      healthy: 25,
      watch: 12.5,
      basis: 'test',
    });
    const ctx = createScoringContext({ asOf: NOW, model: m });
    for (const record of [healthyRecord(), ghostedRecord()]) {
      const r = scoreDeal(compileDeal(record, { asOf: NOW }), ctx);
      expect(r.winProbability).not.toBeNull();
      expect(r.score).toBeCloseTo(r.winProbability! * 100, 1);
      const expected = r.score >= 25 ? 'healthy' : r.score >= 12.5 ? 'watch' : 'at_risk';
      expect(r.band).toBe(expected);
    }
  });

  it('keeps the prior score before a model and the tenant override of the bands', () => {
    const input = compileDeal(healthyRecord(), { asOf: NOW });
    const prior = scoreDeal(input, createScoringContext({ asOf: NOW }));
    expect(prior.winProbability).toBeNull();
    // The prior score is the confidence-weighted mean of sub-scores with the prior weights.
    let sw = 0;
    let sws = 0;
    prior.indicators.forEach((i) => {
      const w = PRIOR_WEIGHTS[i.key as keyof typeof PRIOR_WEIGHTS];
      sw += w * i.confidence;
      sws += w * i.confidence * i.subScore;
    });
    expect(prior.score).toBeCloseTo((100 * sws) / sw, 0);
    const m = model(everyCore(0.1), -2, { healthy: 25, watch: 12.5, basis: 'test' });
    const own = scoreDeal(input, createScoringContext({ asOf: NOW, model: m }));
    expect(own.score).toBeGreaterThanOrEqual(12.5);
    expect(own.band).not.toBe('at_risk');
    const overridden = createScoringContext({
      asOf: NOW,
      model: m,
      scoring: { bands: { healthy: 90, watch: 80 } },
    });
    const r = scoreDeal(input, overridden);
    expect(r.score).toBe(own.score);
    expect(r.band).toBe('at_risk');
  });
});

describe('reasons from the model in use (issue 15 item 2)', () => {
  it('lists the largest negative contributions of the fitted model, not a fixed priority', () => {
    // Only next step and stage age carry weight in this model: they must be the reasons, in the
    // order of their contributions, even though the deal's close date is the lowest sub-score.
    const m = model({ next_step: 3, stage_age: 1 });
    const r = scoreDeal(
      compileDeal(ghostedRecord(), { asOf: NOW }),
      createScoringContext({ asOf: NOW, model: m }),
    );
    const byKey = Object.fromEntries(r.indicators.map((i) => [i.key, i]));
    const negatives = ['next_step', 'stage_age']
      .map((k) => ({ k, c: contribution(m.coefficients[m.features.indexOf(k)]!, byKey[k]!) }))
      .filter((x) => x.c < 0)
      .sort((a, b) => a.c - b.c);
    expect(negatives.length).toBeGreaterThan(0);
    expect(r.reasons.slice(0, negatives.length)).toEqual(negatives.map((x) => byKey[x.k]!.evidence));
    expect(r.reasons).not.toContain(byKey.close_date_integrity!.evidence);
  });

  it('uses the prior weights x feature before a model, and does not put "no activity" first', () => {
    const record = { ...healthyRecord(), activities: [] };
    const r = scoreDeal(compileDeal(record, { asOf: NOW }), createScoringContext({ asOf: NOW }));
    const ranked = r.indicators
      .map((i) => ({ i, c: contribution(PRIOR_WEIGHTS[i.key as keyof typeof PRIOR_WEIGHTS], i) }))
      .filter((x) => x.c < 0 && x.i.confidence >= 0.4)
      .sort((a, b) => a.c - b.c);
    expect(r.reasons[0]).not.toBe('No activity logged on this deal');
    expect(r.reasons.slice(0, Math.min(3, ranked.length))).toEqual(
      ranked.slice(0, 3).map((x) => x.i.evidence),
    );
  });

  it('names a qualification field when it drives the probability', () => {
    const budget: ExtraIndicator = {
      key: 'field:budget',
      evaluate: () => ({
        key: 'field:budget',
        label: 'Budget',
        value: 0.1,
        subScore: 0.2,
        confidence: 0.9,
        evidence: 'Budget: No, won 10% of 40 closed deals vs 25% overall',
      }),
    };
    const m = model({ ...everyCore(0.1), 'field:budget': 4 });
    const ctx = createScoringContext({ asOf: NOW, model: m, extraIndicators: [budget] });
    const r = scoreDeal(compileDeal({ ...healthyRecord(), activities: [] }, { asOf: NOW }), ctx);
    expect(r.reasons[0]).toBe('Budget: No, won 10% of 40 closed deals vs 25% overall');
  });
});

describe('contributions stored with the result, for explain (issue 15 item 2)', () => {
  it('are factor x feature of the model in use, and the reasons are the most negative', () => {
    const m = model({ ...everyCore(0.4), close_date_integrity: 2 });
    const r = scoreDeal(
      compileDeal(ghostedRecord(), { asOf: NOW }),
      createScoringContext({ asOf: NOW, model: m }),
    );
    const c = r.contributions!;
    r.indicators.forEach((ind, j) => {
      const coef = ind.key === 'close_date_integrity' ? 2 : 0.4;
      expect(c[j]).toBeCloseTo(contribution(coef, ind), 3);
    });
    const worst = r.indicators.map((ind, j) => ({ ind, c: c[j]! })).sort((a, b) => a.c - b.c)[0]!;
    expect(r.reasons[0]).toBe(worst.ind.evidence);
    const amount = r.indicators.findIndex((i) => i.key === 'amount_and_stage_regression');
    expect(c[amount]).toBeGreaterThan(0);
  });
});
