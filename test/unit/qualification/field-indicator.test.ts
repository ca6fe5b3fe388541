import { describe, expect, it } from 'vitest';
import { calibrate } from '../../../src/scoring/calibration/calibrate.ts';
import { scoreDeal } from '../../../src/scoring/combine.ts';
import { createScoringContext } from '../../../src/scoring/context.ts';
import { compileDeal } from '../../../src/scoring/deal-input.ts';
import { outcomeOf } from '../../../src/scoring/norms.ts';
import {
  buildQualificationIndicators,
  fieldEffects,
} from '../../../src/scoring/qualification/field-indicator.ts';
import { makeDeal, NOW, NOW_MS, PIPELINE } from '../scoring/fixtures.ts';
import { BASE, closedDeal, QUALIFICATION_FIELDS, qualifiedDeals } from './qualification-records.ts';

const DAY = 86_400_000;
const samplesOf = (records: ReturnType<typeof qualifiedDeals>) =>
  records.map((r) => ({ fields: r.deal.fields, outcome: outcomeOf(r) }));

describe('qualification field indicators', { timeout: 60_000 }, () => {
  const history = qualifiedDeals(400);
  const indicators = buildQualificationIndicators(QUALIFICATION_FIELDS, samplesOf(history));

  it('judges a value by its win rate among earlier closed deals, with evidence naming the field', () => {
    const ctx = createScoringContext({ asOf: NOW, extraIndicators: indicators });
    const input = (budget: string) =>
      compileDeal(
        { deal: makeDeal({ fields: { budget_allocated: budget } }), activities: [], pipeline: PIPELINE },
        { asOf: NOW },
      );
    const budget = indicators[0]!;
    const no = budget.evaluate(input('No'), null as never, ctx);
    const yes = budget.evaluate(input('yes'), null as never, ctx);
    expect(no.key).toBe('field:budget_allocated');
    expect(no.subScore).toBeLessThan(0.4);
    expect(yes.subScore).toBeGreaterThan(0.6);
    expect(no.confidence).toBeGreaterThan(0.9);
    expect(no.evidence).toMatch(/^Budget allocated: No, won \d+% of \d+ closed deals vs \d+% overall$/);
    // A value never seen before: pooled into "other", which has no closed deals, so no confidence.
    const odd = budget.evaluate(input('perhaps'), null as never, ctx);
    expect(odd.confidence).toBe(0);
    expect(odd.value).toBeNull();
  });

  it('cites qualification fields in the reasons of a deal scored with them', () => {
    const ctx = createScoringContext({
      asOf: NOW,
      extraIndicators: indicators,
      scoring: { weights: { 'field:budget_allocated': 2, 'field:competitor': 2 } },
    });
    const deal = makeDeal({ fields: { budget_allocated: 'No', competitor: 'Present', region: 'NA' } });
    const result = scoreDeal(compileDeal({ deal, activities: [], pipeline: PIPELINE }, { asOf: NOW }), ctx);
    expect(result.indicators.map((i) => i.key)).toContain('field:competitor');
    expect(result.reasons.some((r) => r.startsWith('Budget allocated: No'))).toBe(true);
    expect(result.reasons.some((r) => r.startsWith('Competitor: Present'))).toBe(true);
    // The same deal with good answers scores higher.
    const good = makeDeal({ fields: { budget_allocated: 'Yes', competitor: 'None', region: 'NA' } });
    const better = scoreDeal(
      compileDeal({ deal: good, activities: [], pipeline: PIPELINE }, { asOf: NOW }),
      ctx,
    );
    expect(better.score).toBeGreaterThan(result.score);
  });

  it('a field weight of 0 takes the field out of the score', () => {
    const weights = { 'field:budget_allocated': 0, 'field:competitor': 0, 'field:region': 0 };
    const ctx = createScoringContext({ asOf: NOW, extraIndicators: indicators, scoring: { weights } });
    const score = (fields: Record<string, string>) =>
      scoreDeal(
        compileDeal({ deal: makeDeal({ fields }), activities: [], pipeline: PIPELINE }, { asOf: NOW }),
        ctx,
      ).score;
    expect(score({ budget_allocated: 'No', competitor: 'Present' })).toBe(
      score({ budget_allocated: 'Yes', competitor: 'None' }),
    );
  });

  it('never sees outcomes of deals closed at or after "as of" (its own included)', () => {
    // Deal d closes at T; it is scored at its cut-off T - 14 days.
    const T = BASE + 200 * DAY;
    const earlier = Array.from({ length: 40 }, (_, i) =>
      closedDeal(`e${i}`, BASE + 100 * DAY + i * DAY, i % 4 === 0, {
        budget_allocated: i % 2 ? 'yes' : 'no',
      }),
    );
    const later = (won: boolean) =>
      Array.from({ length: 40 }, (_, i) =>
        closedDeal(`l${i}`, T - 13 * DAY + i * DAY, won, { budget_allocated: 'no' }),
      );
    const own = (won: boolean) => closedDeal('d', T, won, { budget_allocated: 'no' });
    const evalAtCutoff = (records: ReturnType<typeof closedDeal>[]) => {
      const [ind] = buildQualificationIndicators([QUALIFICATION_FIELDS[0]], samplesOf(records));
      const asOf = T - 14 * DAY;
      const ctx = createScoringContext({ asOf, extraIndicators: [ind!] });
      const input = compileDeal(own(true), { asOf, futureHorizonDays: 0 });
      return ind!.evaluate(input, null as never, ctx);
    };
    const a = evalAtCutoff([...earlier, ...later(true), own(true)]);
    const b = evalAtCutoff([...earlier, ...later(false), own(false)]);
    expect(a).toEqual(b);
    // An earlier outcome does move it (the test can fail).
    const flipped = earlier.map((r, i) =>
      i === 1 ? closedDeal('e1', Date.parse(r.deal.closedAt!), true, r.deal.fields) : r,
    );
    expect(evalAtCutoff([...flipped, ...later(true), own(true)]).subScore).not.toBe(a.subScore);
  });

  it('learns field coefficients together with the activity indicators and reports each field', () => {
    const { candidate: model, report } = calibrate(history, { extraIndicators: indicators, seed: 3 });
    expect(model!.kind).toBe('logistic');
    expect(model!.features).toContain('field:budget_allocated');
    const coef = report.coefficients!;
    expect(coef['field:budget_allocated']!).toBeGreaterThan(0.5);
    expect(coef['field:competitor']!).toBeGreaterThan(0);
    expect(Math.abs(coef['field:region']!)).toBeLessThan(coef['field:budget_allocated']!);
    expect(report.validation!.auc.mean).toBeGreaterThan(0.7);
    const effects = fieldEffects(indicators, NOW_MS, report.coefficients);
    const budget = effects.find((e) => e.key === 'field:budget_allocated')!;
    expect(budget.coefficient).toBe(coef['field:budget_allocated']);
    const yes = budget.levels.find((l) => l.level === 'Yes')!;
    const no = budget.levels.find((l) => l.level === 'No')!;
    expect(yes.won + yes.lost + no.won + no.lost).toBe(history.length);
    expect(yes.winRate!).toBeGreaterThan(no.winRate!);
  });

  it('a scored model uses the field features for the win probability', () => {
    const model = calibrate(history, { extraIndicators: indicators, seed: 3 }).candidate;
    const ctx = createScoringContext({ asOf: NOW, extraIndicators: indicators, model });
    const p = (budget: string) =>
      scoreDeal(
        compileDeal(
          {
            deal: makeDeal({ fields: { budget_allocated: budget, competitor: 'None' } }),
            activities: [],
            pipeline: PIPELINE,
          },
          { asOf: NOW },
        ),
        ctx,
      ).winProbability!;
    expect(p('Yes')).toBeGreaterThan(p('No'));
  });
});
