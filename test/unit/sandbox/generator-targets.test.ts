// Issue 15 item 9: the generator's targets are sized from its own deal volume, so the demo shows a
// realistic mix of owners ahead of and behind target (fixed 75k-225k targets made every owner of
// a small world look hopeless and every owner of a large one look ahead).

import { describe, expect, it } from 'vitest';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';

const NOW = '2026-06-15T00:00:00.000Z';

function lastQuarter(deals: number) {
  const world = generateWorld({ seed: 3, deals, now: NOW });
  const start = '2026-01-01';
  const end = '2026-03-31';
  const won = new Map<number, number>();
  for (const d of world.deals) {
    const stage = world.pipelines
      .find((p) => p.key === d.pipelineKey)
      ?.stages.find((s) => s.key === d.stageKey);
    if (!stage?.isWon || !d.closedAt || d.amount === null) continue;
    const day = d.closedAt.slice(0, 10);
    if (day >= start && day <= end && d.ownerN !== null)
      won.set(d.ownerN, (won.get(d.ownerN) ?? 0) + d.amount);
  }
  const targets = world.targets.filter(
    (t) => t.periodStart === start && t.periodEnd === end && t.ownerN !== null,
  );
  return targets.map((t) => ({ won: won.get(t.ownerN!) ?? 0, target: t.amount }));
}

describe('generated targets', () => {
  for (const deals of [300, 3_000]) {
    it(`put some owners ahead of and some behind target (${deals} deals)`, () => {
      const rows = lastQuarter(deals);
      const ahead = rows.filter((r) => r.won >= r.target).length;
      expect(ahead).toBeGreaterThan(0);
      expect(ahead).toBeLessThan(rows.length);
      const won = rows.reduce((s, r) => s + r.won, 0);
      const target = rows.reduce((s, r) => s + r.target, 0);
      expect(target / won).toBeGreaterThan(0.6);
      expect(target / won).toBeLessThan(1.6);
    });
  }
});
