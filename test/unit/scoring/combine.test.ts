import { describe, expect, it } from 'vitest';
import { HealthResultSchema } from '../../../src/domain/index.ts';
import { bandFor, priorScoreOf, scoreDeal, scoreDeals, trendFor } from '../../../src/scoring/combine.ts';
import { createScoringContext, type ExtraIndicator } from '../../../src/scoring/context.ts';
import { compileDeal } from '../../../src/scoring/deal-input.ts';
import { PRIOR_MODEL, type ScoringModel } from '../../../src/scoring/model.ts';
import { CORE_INDICATOR_KEYS, PRIOR_WEIGHTS, resolveWeights } from '../../../src/scoring/weights.ts';
import { ghostedRecord, healthyRecord, makeDeal, NOW, PIPELINE } from './fixtures.ts';

const ctx = createScoringContext({ asOf: NOW });

describe('scoreDeal: golden deals', () => {
  it('scores an engaged, multithreaded deal with a booked meeting healthy', () => {
    const result = scoreDeal(compileDeal(healthyRecord(), { asOf: NOW }), ctx);
    expect(HealthResultSchema.parse(result)).toEqual(result);
    expect(result.band).toBe('healthy');
    expect(result.score).toBeGreaterThanOrEqual(80);
    expect(result.winProbability).toBeNull();
    expect(result.modelVersion).toBe('prior-v1');
    expect(result.asOf).toBe(NOW);
    expect(result.indicators.map((i) => i.key)).toEqual([...CORE_INDICATOR_KEYS]);
    const byKey = Object.fromEntries(result.indicators.map((i) => [i.key, i]));
    expect(byKey.joint_planning!.evidence).toBe('Meeting booked in 5 days with 2 buyer attendees');
    expect(byKey.trust!.evidence).toBe('3 buyer contacts engaged in 30 days incl. a decision maker');
    // Nothing pulls this deal down: no reasons (the positive drivers are in `explain`).
    expect(result.reasons).toEqual([]);
  });

  it('scores a ghosted deal past its close date with 3 pushes at risk, with the heaviest drags as reasons', () => {
    const result = scoreDeal(compileDeal(ghostedRecord(), { asOf: NOW }), ctx);
    expect(result.band).toBe('at_risk');
    expect(result.score).toBeLessThan(30);
    // Prior weight x feature: joint planning (0.916 x -0.8), knowledge sharing (0.788 x -0.9),
    // close date (0.7 x -0.88) weigh more than the silent buyer (0.405 x -0.83); one-story.test.ts
    // checks the rule against its own computation.
    expect(result.reasons).toEqual([
      'No meeting scheduled in the next 30 days',
      'Only the rep is sending: 5 emails/calls, nothing back from the buyer in 30 days',
      'Close date pushed 3 times and passed 10 days ago',
    ]);
  });

  it('says "No activity logged on this deal" after the real drags and leaves activity indicators out of the score', () => {
    const record = { ...healthyRecord(), activities: [] };
    const result = scoreDeal(compileDeal(record, { asOf: NOW }), ctx);
    expect(result.reasons.at(-1)).toBe('No activity logged on this deal');
    expect(result.reasons.length).toBeLessThanOrEqual(3);
    const activityKeys = ['open_communication', 'access', 'knowledge_sharing', 'trust'];
    for (const ind of result.indicators) if (activityKeys.includes(ind.key)) expect(ind.confidence).toBe(0);
    // Less evidence, lower overall confidence than the same deal with its activity.
    const full = scoreDeal(compileDeal(healthyRecord(), { asOf: NOW }), ctx);
    expect(result.confidence).toBeLessThan(full.confidence);
  });

  it('scores 50 with zero confidence when nothing at all is known', () => {
    const zero = createScoringContext({
      asOf: NOW,
      scoring: { weights: Object.fromEntries(CORE_INDICATOR_KEYS.map((k) => [k, 0])) },
    });
    const result = scoreDeal(compileDeal(healthyRecord(), { asOf: NOW }), zero);
    expect(result.score).toBe(50);
    expect(result.confidence).toBe(0);
  });
});

describe('weights and bands', () => {
  it('derives relationship priors from ln(likelihood ratio)', () => {
    expect(PRIOR_WEIGHTS.joint_planning).toBeCloseTo(Math.log(2.5), 3);
    expect(PRIOR_WEIGHTS.open_communication).toBeCloseTo(Math.log(1.5), 3);
    expect(PRIOR_WEIGHTS.joint_planning).toBeGreaterThan(PRIOR_WEIGHTS.knowledge_sharing);
    expect(PRIOR_WEIGHTS.knowledge_sharing).toBeGreaterThan(PRIOR_WEIGHTS.industry_understanding);
  });

  it('lets a tenant override weights by key, ignoring invalid values', () => {
    const w = resolveWeights(['trust', 'stage_age', 'field:budget'], { trust: 3, stage_age: -1 });
    expect(Array.from(w)).toEqual([3, 0.6, 0.5]);
  });

  it('moves the score toward an indicator the tenant weighs heavily', () => {
    const input = compileDeal(ghostedRecord(), { asOf: NOW });
    const base = scoreDeal(input, ctx);
    const heavy = scoreDeal(
      input,
      createScoringContext({ asOf: NOW, scoring: { weights: { amount_and_stage_regression: 50 } } }),
    );
    // That indicator is good on this deal (no cuts or regressions), so the score rises.
    expect(heavy.score).toBeGreaterThan(base.score + 20);
  });

  it('applies tenant band thresholds', () => {
    expect(bandFor(70, { healthy: 70, watch: 40 })).toBe('healthy');
    expect(bandFor(69.9, { healthy: 70, watch: 40 })).toBe('watch');
    expect(bandFor(39.9, { healthy: 70, watch: 40 })).toBe('at_risk');
    const input = compileDeal(healthyRecord(), { asOf: NOW });
    const strict = createScoringContext({ asOf: NOW, scoring: { bands: { healthy: 99, watch: 98 } } });
    expect(scoreDeal(input, strict).band).toBe('at_risk');
    expect(() =>
      createScoringContext({ asOf: NOW, scoring: { bands: { healthy: 40, watch: 60 } } }),
    ).toThrow();
  });
});

describe('trend', () => {
  it('is steady within the dead zone and null without a previous result', () => {
    expect(trendFor(60, null, 5)).toBeNull();
    expect(trendFor(60, 56, 5)).toBe('steady');
    expect(trendFor(60, 64.9, 5)).toBe('steady');
    expect(trendFor(60, 55, 5)).toBe('improving');
    expect(trendFor(60, 65, 5)).toBe('declining');
  });

  it('compares with the previous result passed in', () => {
    const input = compileDeal(ghostedRecord(), { asOf: NOW });
    expect(scoreDeal(input, ctx, { score: 80 }).trend).toBe('declining');
    expect(scoreDeal(input, ctx).trend).toBeNull();
    const results = scoreDeals([input], ctx, new Map([[input.id, { score: 0 }]]));
    expect(results[0]!.trend).toBe('improving');
  });
});

describe('win probability and model version', () => {
  it('is null on the prior model and the model probability on a fitted one', () => {
    const input = compileDeal(healthyRecord(), { asOf: NOW });
    expect(
      scoreDeal(input, createScoringContext({ asOf: NOW, model: PRIOR_MODEL })).winProbability,
    ).toBeNull();
    const model: ScoringModel = {
      version: 'fit-test',
      kind: 'logistic',
      features: ['open_communication', 'not_a_key'],
      intercept: -1,
      coefficients: [2, 100],
      featureTransform: 'confidence-centred-v1',
      trainedOn: { won: 50, lost: 50, leadDays: 14, l2: 1 },
    };
    const fitted = createScoringContext({ asOf: NOW, model });
    const healthy = scoreDeal(input, fitted);
    const ghosted = scoreDeal(compileDeal(ghostedRecord(), { asOf: NOW }), fitted);
    expect(healthy.modelVersion).toBe('fit-test');
    expect(healthy.winProbability).toBeGreaterThan(0.5);
    expect(ghosted.winProbability).toBeLessThan(0.2);
  });
});

describe('extension point for qualification fields', () => {
  it('adds field:<name> indicators with their weight and can name them as reasons', () => {
    const budget: ExtraIndicator = {
      key: 'field:budget',
      evaluate: (input) => ({
        key: 'field:budget',
        label: 'Budget',
        value: null,
        subScore: input.fields.budget === 'approved' ? 1 : 0,
        confidence: 1,
        evidence: input.fields.budget === 'approved' ? 'Budget approved' : 'Budget not confirmed',
      }),
    };
    const withField = createScoringContext({
      asOf: NOW,
      extraIndicators: [budget],
      scoring: { weights: { 'field:budget': 5 } },
    });
    const record = healthyRecord();
    const approved = scoreDeal(
      compileDeal({ ...record, deal: { ...record.deal, fields: { budget: 'approved' } } }, { asOf: NOW }),
      withField,
    );
    const missing = scoreDeal(compileDeal(record, { asOf: NOW }), withField);
    expect(approved.indicators.at(-1)!.key).toBe('field:budget');
    expect(missing.score).toBeLessThan(approved.score - 20);
    expect(missing.reasons[0]).toBe('Budget not confirmed');
  });
});

describe('scoreDeals', () => {
  it('scores a batch with one context', () => {
    const inputs = [
      healthyRecord(),
      ghostedRecord(),
      { deal: makeDeal({ id: 'x' }), activities: [], pipeline: PIPELINE },
    ].map((r) => compileDeal(r, { asOf: NOW }));
    const results = scoreDeals(inputs, ctx);
    expect(results.map((r) => r.dealId)).toEqual(['deal-1', 'deal-ghost', 'x']);
    expect(results[0]!.score).toBeGreaterThan(results[1]!.score);
  });
});

describe('priorScoreOf (live accuracy yardstick)', () => {
  it('gives the score the prior weights serve, also when a fitted model scores the deal', () => {
    for (const record of [healthyRecord(), ghostedRecord()]) {
      const input = compileDeal(record, { asOf: NOW });
      const onPrior = scoreDeal(input, ctx);
      expect(priorScoreOf(onPrior.indicators, ctx)).toBe(onPrior.score);
      const fitted = createScoringContext({
        asOf: NOW,
        model: {
          version: 'fit-y',
          kind: 'logistic',
          features: ['open_communication'],
          intercept: 3,
          coefficients: [0.1],
          featureTransform: 'confidence-centred-v1',
          trainedOn: { won: 50, lost: 50, leadDays: 14, l2: 1 },
        },
      });
      const onModel = scoreDeal(input, fitted);
      expect(onModel.score).not.toBe(onPrior.score);
      expect(priorScoreOf(onModel.indicators, fitted)).toBe(onPrior.score);
    }
  });
});
