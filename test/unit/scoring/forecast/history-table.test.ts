// The score step keeps every deal's history in columns (issue 19: bounded memory on a tenant of a
// million deals); the forecast must read from it exactly what one HistoryDeal per deal gave it.

import { describe, expect, it } from 'vitest';
import { worldToRecords } from '../../../../src/cli/world-records.ts';
import { generateWorld } from '../../../../src/sandbox/generator/generate-world.ts';
import { HistoryTable, historyDealFrom } from '../../../../src/scoring/index.ts';

describe('HistoryTable', () => {
  it("gives back every generated deal's history as historyDealFrom does, in order and by id", () => {
    const world = generateWorld({ seed: 7, deals: 400, now: '2026-11-15T00:00:00Z' });
    const deals = worldToRecords(world, [], 'generated').records.map((r) => r.deal);
    // Edge values a column could lose: no owner, no amount, no close date, open (NaN close time).
    deals.push({ ...deals[0]!, id: 'bare', ownerId: null, amount: null, closeDate: null, closedAt: null });
    // A small capacity: the columns grow many times while filling.
    const table = new HistoryTable(3);
    for (const d of deals) table.add(d);
    const expected = deals.map(historyDealFrom);
    expect(table.size).toBe(deals.length);
    expect([...table]).toEqual(expected);
    // Iterated again (the forecast reads it once per window and period): the same.
    expect([...table.values()]).toEqual(expected);
    for (const h of expected) expect(table.get(h.id)).toEqual(h);
    expect(table.get('missing')).toBeUndefined();
    expect(expected.filter((h) => h.closeDateChanges.length > 0).length).toBeGreaterThan(20);
    expect(expected.filter((h) => h.isClosed && h.isWon).length).toBeGreaterThan(20);
  });
});
