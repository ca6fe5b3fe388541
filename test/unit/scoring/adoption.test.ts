// Issue 15 items 3 and 5: a fitted model is served only when it beats the prior score on held-out
// deals (cross-validated, with an interval); the same rule on retraining; rows ordered by id so the
// same seed gives the same model whatever order the store returns the deals in.

import { describe, expect, it } from 'vitest';
import { calibrate } from '../../../src/scoring/calibration/calibrate.ts';
import { mulberry32, shuffle } from '../../../src/scoring/calibration/rng.ts';
import type { DealRecord } from '../../../src/scoring/deal-input.ts';
import { syntheticClosedDeals } from './synthetic.ts';

const DAY = 86_400_000;

/** The same deals with the outcome replaced by `won(i)` (stage, history and flags follow). */
function relabel(records: DealRecord[], won: (i: number, r: DealRecord) => boolean): DealRecord[] {
  return records.map((r, i) => {
    const w = won(i, r);
    const stageId = w ? 'won' : 'lost';
    return {
      ...r,
      deal: {
        ...r.deal,
        isWon: w,
        stageId,
        amountChanges: [],
        stageHistory: [...r.deal.stageHistory.slice(0, -1), { ...r.deal.stageHistory.at(-1)!, stageId }],
      },
    };
  });
}

/** Outcomes drawn at random, independent of every signal: no model can have skill. */
function noSignal(n: number, seed: number): DealRecord[] {
  const rand = mulberry32(seed);
  return relabel(syntheticClosedDeals(n), () => rand() < 0.4);
}

/** Every deal closed on the same day (an export's bulk close), outcomes without signal. */
function sameCloseDay(n: number, seed: number): DealRecord[] {
  const day = Date.parse('2025-09-30T12:00:00.000Z');
  return noSignal(n, seed).map((r) => ({
    ...r,
    deal: {
      ...r.deal,
      createdAt: new Date(day - 100 * DAY).toISOString(),
      closedAt: new Date(day).toISOString(),
      closeDate: '2025-09-30',
      stageHistory: r.deal.stageHistory.map((s, i, all) =>
        i === all.length - 1 ? { ...s, enteredAt: new Date(day).toISOString() } : s,
      ),
    },
  }));
}

describe('adoption: never serve a model with no skill (issue 15 item 3)', { timeout: 120_000 }, () => {
  it('keeps the prior when the outcomes carry no signal, and says why', () => {
    for (const seed of [1, 2, 3]) {
      const { model, report } = calibrate(noSignal(400, seed));
      expect(report.counts.won).toBeGreaterThanOrEqual(40);
      expect(report.counts.lost).toBeGreaterThanOrEqual(40);
      expect(model.kind).toBe('prior');
      expect(report.status).toBe('prior');
      expect(['no_gain_over_prior', 'gain_not_shown']).toContain(report.adoption.code);
      expect(report.message).toMatch(/prior/);
    }
  });

  it('keeps the prior when every deal closed on one day', () => {
    const { model, report } = calibrate(sameCloseDay(300, 5));
    expect(model.kind).toBe('prior');
    expect(report.adoption.adopted).toBe(false);
  });

  it('adopts a model that beats the prior score on held-out deals, with the interval above zero', () => {
    // Outcomes the reverse of what the prior weights expect: the prior score ranks them backwards,
    // a fitted model learns the sign. Oracle: the prior's AUC is below 0.5 by construction.
    const base = syntheticClosedDeals(400);
    const flipped = relabel(base, (_i, r) => !r.deal.isWon);
    const { model, report } = calibrate(flipped);
    expect(report.adoption.priorAuc!.mean).toBeLessThan(0.5);
    expect(model.kind).toBe('logistic');
    expect(report.adoption.code).toBe('adopted');
    expect(report.adoption.aucGain!.lower).toBeGreaterThan(0);
    expect(report.adoption.auc!.lower).toBeLessThanOrEqual(report.adoption.auc!.mean);
    expect(report.adoption.auc!.upper).toBeGreaterThanOrEqual(report.adoption.auc!.mean);
  });

  it('applies the same rule on retraining: an adopted model is withdrawn when the new fit has no skill', () => {
    const flipped = relabel(syntheticClosedDeals(400), (_i, r) => !r.deal.isWon);
    const first = calibrate(flipped);
    expect(first.model.kind).toBe('logistic');
    const again = calibrate(noSignal(400, 4), { currentModel: first.model });
    expect(again.model.kind).toBe('prior');
    expect(again.report.previousModelVersion).toBe(first.model.version);
    expect(again.report.message).toContain(first.model.version);
  });
});

describe('determinism: rows ordered by id before any split (issue 15 item 5)', { timeout: 120_000 }, () => {
  it('gives the same report and model whatever order the deals arrive in', () => {
    const records = syntheticClosedDeals(300);
    const a = calibrate(records, { seed: 3, minAucGain: -1 });
    for (const s of [11, 12, 13]) {
      const b = calibrate(shuffle([...records], mulberry32(s)), { seed: 3, minAucGain: -1 });
      expect(b.report).toEqual(a.report);
      expect(b.model).toEqual(a.model);
    }
  });
});

describe('short deals (issue 15 item 6)', { timeout: 120_000 }, () => {
  it('reconstructs a deal shorter than the lead at a shorter cut-off instead of dropping it', async () => {
    const { buildTrainingSet } = await import('../../../src/scoring/calibration/training-set.ts');
    // Created 6 days before the close: with a 14-day lead there is no moment to reconstruct.
    const short = syntheticClosedDeals(20).map((r) => {
      const closedAt = Date.parse(r.deal.closedAt!);
      const created = closedAt - 6 * DAY;
      return {
        ...r,
        activities: r.activities.filter((a) => Date.parse(a.occurredAt) >= created),
        deal: {
          ...r.deal,
          createdAt: new Date(created).toISOString(),
          stageHistory: [
            { stageId: 'qualify', enteredAt: new Date(created).toISOString() },
            r.deal.stageHistory.at(-1)!,
          ],
        },
      };
    });
    const ts = buildTrainingSet(short, { leadDays: 14 });
    expect(ts.skipped.tooYoung).toBe(0);
    expect(ts.y.length).toBe(20);
  });
});
