// Issue 15 item 4: a qualification value encoded by the win rate of deals closed strictly before
// the deal's cut-off gives deals that share a close date no data at all. Training rows must use an
// encoding learned out of fold; serving uses the full history.
// Oracle (analytic): Budget = yes for half the deals; P(won | yes) = 0.8, P(won | no) = 0.2. The
// best possible AUC is P(pos yes, neg no) + 0.5 P(tie) = 0.64 + 0.5 x 0.32 = 0.80.

import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../../src/scoring/calibration/rng.ts';
import { buildTrainingSet } from '../../../src/scoring/calibration/training-set.ts';
import { outcomeOf } from '../../../src/scoring/norms.ts';
import { crossValidate } from '../../../src/scoring/qualification/cross-validate.ts';
import { buildQualificationIndicators } from '../../../src/scoring/qualification/field-indicator.ts';
import { closedDeal } from './qualification-records.ts';

const CLOSE = Date.parse('2025-06-30T12:00:00.000Z');
const CONFIG = [{ field: 'budget', label: 'Budget', kind: 'boolean' as const }];

function sameDayDeals(n: number, seed: number) {
  const rand = mulberry32(seed);
  return Array.from({ length: n }, (_, i) => {
    const yes = rand() < 0.5;
    const won = rand() < (yes ? 0.8 : 0.2);
    return closedDeal(`d-${String(i).padStart(4, '0')}`, CLOSE, won, { budget: yes ? 'Yes' : 'No' });
  });
}

const samplesOf = (records: ReturnType<typeof sameDayDeals>) =>
  records.map((r) => ({ dealId: r.deal.id, fields: r.deal.fields, outcome: outcomeOf(r) }));

describe('out-of-fold target encoding (issue 15 item 4)', { timeout: 120_000 }, () => {
  it('learns a field from deals that all closed on one day', () => {
    const records = sameDayDeals(400, 3);
    const extraIndicators = buildQualificationIndicators(CONFIG, samplesOf(records));
    const report = crossValidate(records, { extraIndicators, folds: 5, repeats: 2, seed: 1 });
    expect(report.auc!.mean).toBeGreaterThan(0.72);
    expect(report.auc!.mean).toBeLessThan(0.88);
    // Every training row has data for the field.
    expect(report.indicators.find((i) => i.key === 'field:budget')!.coverage).toBe(1);
  });

  it('never uses a deal`s own outcome for its own training row', () => {
    // One deal per value: out of fold, its value has no other closed deal, so no data.
    const records = sameDayDeals(60, 4).map((r, i) =>
      i === 0 ? { ...r, deal: { ...r.deal, fields: { budget: 'maybe-unique' } } } : r,
    );
    const config = [{ field: 'budget', label: 'Budget', kind: 'category' as const }];
    const extraIndicators = buildQualificationIndicators(config, samplesOf(records), { minLevelCount: 1 });
    const ts = buildTrainingSet(records, { extraIndicators });
    const row = ts.dealIds.indexOf(records[0]!.deal.id);
    expect(ts.x[row * ts.features.length + ts.features.indexOf('field:budget')]).toBe(0);
  });
});
