// The forecast reads a deal's close date at many past moments from parsed history; it must agree
// with how compileDeal rebuilds the deal as of the same moment (one rule, deal-input.ts).

import { describe, expect, it } from 'vitest';
import { worldToRecords } from '../../../../src/cli/world-records.ts';
import { generateWorld } from '../../../../src/sandbox/generator/generate-world.ts';
import { closeDateAsOf, compileDeal, historyDealFrom } from '../../../../src/scoring/index.ts';

describe('closeDateAsOf', () => {
  it("agrees with compileDeal's close date at every moment of a generated world's history", () => {
    const world = generateWorld({ seed: 4, deals: 300, now: '2026-11-15T00:00:00Z' });
    const { records } = worldToRecords(world, [], 'generated');
    const moments = ['2025-03-01', '2025-09-15', '2026-02-01', '2026-07-01', '2026-11-14'].map((d) =>
      Date.parse(`${d}T00:00:00Z`),
    );
    let withHistory = 0;
    for (const r of records) {
      const h = historyDealFrom(r.deal);
      if (h.closeDateChanges.length > 1) withHistory++;
      for (const t of moments) {
        expect(closeDateAsOf(h, t), `${r.deal.id} at ${new Date(t).toISOString()}`).toEqual(
          compileDeal(r, { asOf: t }).closeDate,
        );
      }
    }
    expect(withHistory).toBeGreaterThan(50); // the world pushes close dates: the rule is exercised
  });
});
