// Live accuracy (issue 18 item 5) on hand-computable outcomes: AUC as the share of (won, lost)
// pairs ranked right, Brier as the mean squared error, and the fallback rule of docs/SCORING.md.

import { describe, expect, it } from 'vitest';
import { type LiveOutcome, liveAccuracy } from '../../../src/scoring/live-accuracy.ts';

const DAY = 86_400_000;
const AS_OF = Date.UTC(2026, 11, 1);
let seq = 0;
function outcome(
  closedDaysAgo: number,
  won: boolean,
  score: number,
  priorScore: number,
  modelVersion = 'fit-a',
): LiveOutcome {
  const closedAt = AS_OF - closedDaysAgo * DAY;
  seq += 1;
  return { dealId: `d${seq}`, closedAt, won, scoredAt: closedAt - 30 * DAY, score, priorScore, modelVersion };
}

describe('liveAccuracy', () => {
  it('groups by month of close with AUC and Brier computed by hand', () => {
    // November: won at 80 and 40, lost at 20 and 60. Pairs ranked right: 80>20, 80>60, 40>20 (not
    // 40>60): AUC 3/4. Brier: (0.2^2 + 0.6^2 + 0.2^2 + 0.6^2) / 4 = 0.2.
    const nov = [
      outcome(5, true, 80, 50),
      outcome(6, false, 20, 50),
      outcome(7, false, 60, 50),
      outcome(8, true, 40, 50),
    ];
    const oct = [outcome(40, true, 90, 10), outcome(41, false, 10, 90)];
    const live = liveAccuracy([...nov, ...oct], 'fit-a', AS_OF);
    expect(live.months.map((m) => m.month)).toEqual(['2026-10', '2026-11']);
    const m = live.months[1]!;
    expect(m).toMatchObject({ deals: 4, won: 2, auc: 0.75, brier: 0.2, priorAuc: 0.5, baseRateBrier: 0.25 });
    expect(m.priorBrier).toBeCloseTo(0.25, 10);
    expect(live.months[0]).toMatchObject({ deals: 2, won: 1, auc: 1, priorAuc: 0 });
  });

  it('keeps a fitted model that ranks live deals better than the prior and beats the base rate', () => {
    const outcomes: LiveOutcome[] = [];
    for (let i = 0; i < 30; i++) outcomes.push(outcome(i + 1, true, 70 + (i % 10), 50 - (i % 7)));
    for (let i = 0; i < 30; i++) outcomes.push(outcome(i + 1, false, 20 + (i % 10), 45 + (i % 9)));
    const live = liveAccuracy(outcomes, 'fit-a', AS_OF);
    expect(live.fallBack).toBe(false);
    expect(live.window).toMatchObject({ deals: 60, won: 30, auc: 1 });
    expect(live.reason).toContain('holds up');
    expect(live.window.calibration.reduce((s, b) => s + b.count, 0)).toBe(60);
  });

  it('falls back to the prior when the live model ranks worse than the prior did, and says so', () => {
    const outcomes: LiveOutcome[] = [];
    // The model's live scores are backwards; the prior's are right.
    for (let i = 0; i < 25; i++) outcomes.push(outcome(i + 1, true, 30, 70));
    for (let i = 0; i < 25; i++) outcomes.push(outcome(i + 1, false, 60, 30));
    const live = liveAccuracy(outcomes, 'fit-a', AS_OF);
    expect(live.fallBack).toBe(true);
    expect(live.window).toMatchObject({ auc: 0, priorAuc: 1 });
    expect(live.reason).toMatch(/^Fell back to the prior: .*AUC 0 against 1/);
  });

  it('falls back when the live probabilities do no better than the base rate', () => {
    const outcomes: LiveOutcome[] = [];
    // Ranked right (AUC 1 > prior 0.5) but wildly overconfident: Brier 0.5 against 0.25.
    for (let i = 0; i < 25; i++) outcomes.push(outcome(i + 1, true, 2, 50));
    for (let i = 0; i < 25; i++) outcomes.push(outcome(i + 1, false, 1, 50));
    const live = liveAccuracy(outcomes, 'fit-a', AS_OF);
    expect(live.window.auc).toBe(1);
    expect(live.fallBack).toBe(true);
    expect(live.reason).toContain('base rate');
  });

  it('judges only the served model, within the window, and only with enough of both outcomes', () => {
    const outcomes: LiveOutcome[] = [];
    for (let i = 0; i < 25; i++) outcomes.push(outcome(i + 1, true, 30, 70, 'fit-old'));
    for (let i = 0; i < 25; i++) outcomes.push(outcome(i + 1, false, 60, 30, 'fit-old'));
    // The served model has 50 outcomes too, but half of them closed before the 180-day window.
    for (let i = 0; i < 25; i++) outcomes.push(outcome(i < 12 ? 200 : 10, true, 30, 70));
    for (let i = 0; i < 25; i++) outcomes.push(outcome(i < 12 ? 200 : 10, false, 60, 30));
    const live = liveAccuracy(outcomes, 'fit-a', AS_OF);
    expect(live.window.deals).toBe(26);
    expect(live.fallBack).toBe(false);
    expect(live.reason).toContain('Not enough live evidence yet: 26 deals (13 won, 13 lost)');
    // On the prior there is nothing to fall back from.
    expect(liveAccuracy(outcomes, 'prior-v1', AS_OF).fallBack).toBe(false);
  });
});
