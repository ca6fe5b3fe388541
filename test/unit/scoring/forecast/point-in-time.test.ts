// The backtest must forecast a past quarter only from what was known at its start. Oracle: the same
// forecast computed from a history cut at that moment (deals created later removed, outcomes after
// it undone, close-date changes after it dropped) must be identical. Any peek at later outcomes,
// later close dates or later deals would make the two differ.

import { describe, expect, it } from 'vitest';
import {
  backtestPeriods,
  closeDateAsOf,
  type ForecastDeal,
  forecastPeriod,
  type HistoryDeal,
  quarterContaining,
  replayDeal,
  replaysFor,
} from '../../../../src/scoring/index.ts';
import { worldInputs } from '../../../../bench/forecast-world.ts';

/** The history as a CRM export taken at `t` would have shown it. */
function cutAt(history: readonly HistoryDeal[], t: number): HistoryDeal[] {
  return history
    .filter((h) => h.createdAt <= t)
    .map((h) => {
      const closedByThen = h.isClosed && h.closedAt <= t;
      return {
        ...h,
        isClosed: closedByThen,
        isWon: closedByThen && h.isWon,
        closedAt: closedByThen ? h.closedAt : Number.NaN,
        closeDate: closeDateAsOf(h, t),
        closeDateChanges: h.closeDateChanges.filter((c) => c.at <= t),
      };
    });
}

describe('backtest point in time', () => {
  it('forecasts each replayed quarter the same from the full history and from the history cut at its start', () => {
    const inputs = worldInputs({ seed: 6, deals: 1200, now: '2026-11-15T00:00:00Z' });
    const periods = backtestPeriods(quarterContaining(inputs.now, 'UTC'), inputs.history, 'UTC');
    expect(periods.length).toBeGreaterThanOrEqual(4);
    const replays = replaysFor(periods, inputs.ctx);
    const past = replays.map(() => [] as ForecastDeal[]);
    inputs.records.forEach((r, i) => {
      replayDeal(r, inputs.history[i]!, replays).forEach((d, k) => {
        if (d) past[k]!.push(d);
      });
    });
    let compared = 0;
    for (const [k, period] of periods.entries()) {
      const options = { timezone: 'UTC', draws: 2_000, seed: 1 };
      const full = forecastPeriod(past[k]!, inputs.history, period, period.startMs, options);
      const cut = forecastPeriod(
        past[k]!,
        cutAt(inputs.history, period.startMs),
        period,
        period.startMs,
        options,
      );
      expect(cut, period.label).toEqual(full);
      if (full.analogWindows > 0) compared++;
    }
    // The cut must matter somewhere, or the comparison proves nothing: later deals and outcomes exist.
    expect(compared).toBeGreaterThanOrEqual(3);
    const first = periods.at(-1)!;
    expect(cutAt(inputs.history, first.startMs).length).toBeLessThan(inputs.history.length);
  });
});
