import { describe, expect, it } from 'vitest';
import { type ChangeDeal, computeWhatChanged } from '../../../src/scoring/what-changed.ts';

// asOf Wednesday 2026-11-18 12:00 UTC: the week looked at is (2026-11-11 12:00, asOf]; the current
// quarter is 2026-Q4 (2026-10-01 .. 2026-12-31).
const AS_OF = Date.parse('2026-11-18T12:00:00Z');
const BANDS = { healthy: 70, watch: 40 };
const OWNERS = [
  { id: 'ann', name: 'Ann' },
  { id: 'bob', name: 'Bob' },
];

function deal(id: string, over: Partial<ChangeDeal> = {}): ChangeDeal {
  return {
    id,
    name: `Deal ${id}`,
    ownerId: 'ann',
    createdAt: '2026-09-01T00:00:00Z',
    amount: 1000,
    closeDate: '2026-12-15',
    closeDateChanges: [],
    amountChanges: [],
    band: 'healthy',
    reason: null,
    scoreWeekAgo: 80,
    ...over,
  };
}

const run = (deals: ChangeDeal[]) =>
  computeWhatChanged(deals, { asOf: AS_OF, timezone: 'UTC', bands: BANDS, owners: OWNERS });

describe('what changed since last week (issue 18 item 3)', () => {
  it('finds close dates moved out of the quarter and pushed, with days, per owner and team', () => {
    const doc = run([
      // Pushed from 20 Dec to 20 Jan this week: out of Q4, and pushed 31 days.
      deal('a', {
        closeDate: '2027-01-20',
        closeDateChanges: [{ at: '2026-11-14T09:00:00Z', from: '2026-12-20', to: '2027-01-20' }],
      }),
      // Pushed twice this week within Q4: 1 Dec -> 5 Dec -> 10 Dec = 9 days, still in the quarter.
      deal('b', {
        ownerId: 'bob',
        amount: 500,
        closeDate: '2026-12-10',
        closeDateChanges: [
          { at: '2026-11-12T09:00:00Z', from: '2026-12-01', to: '2026-12-05' },
          { at: '2026-11-17T09:00:00Z', from: '2026-12-05', to: '2026-12-10' },
        ],
      }),
      // Pushed before the week (not counted) and pulled in this week (not a push).
      deal('c', {
        closeDate: '2026-12-01',
        closeDateChanges: [
          { at: '2026-11-01T09:00:00Z', from: '2026-11-20', to: '2026-12-20' },
          { at: '2026-11-16T09:00:00Z', from: '2026-12-20', to: '2026-12-01' },
        ],
      }),
      // A change after asOf is not part of the week (a rerun of an older asOf).
      deal('d', {
        closeDate: '2027-02-01',
        closeDateChanges: [{ at: '2026-11-19T09:00:00Z', from: '2026-12-01', to: '2027-02-01' }],
      }),
    ]);
    const [team, ann, bob] = doc.groups;
    expect(doc.period).toEqual({ label: '2026-Q4', start: '2026-10-01', end: '2026-12-31' });
    expect(doc.since).toBe('2026-11-11T12:00:00.000Z');
    expect(team!.ownerId).toBeNull();
    expect(team!.movedOut.count).toBe(1);
    expect(team!.movedOut.deals[0]).toMatchObject({ dealId: 'a', from: '2026-12-20', to: '2027-01-20' });
    expect(team!.pushed).toMatchObject({ count: 2, days: 31 + 9 });
    expect(ann).toMatchObject({ ownerId: 'ann', name: 'Ann' });
    expect(ann!.pushed).toMatchObject({ count: 1, days: 31 });
    expect(ann!.movedOut.count).toBe(1);
    expect(bob!.pushed).toMatchObject({ count: 1, days: 9 });
    expect(bob!.movedOut.count).toBe(0);
    expect(bob!.pushed.deals[0]).toMatchObject({
      dealId: 'b',
      from: '2026-12-01',
      to: '2026-12-10',
      days: 9,
    });
  });

  it('sums amounts cut this week, not raises or cuts before it', () => {
    const doc = run([
      deal('a', { amount: 700, amountChanges: [{ at: '2026-11-13T00:00:00Z', from: '1000', to: '700' }] }),
      deal('b', { amount: 900, amountChanges: [{ at: '2026-11-13T00:00:00Z', from: '800', to: '900' }] }),
      deal('c', { amount: 100, amountChanges: [{ at: '2026-11-01T00:00:00Z', from: '1000', to: '100' }] }),
      deal('d', {
        ownerId: 'bob',
        amount: 200,
        amountChanges: [
          { at: '2026-11-12T00:00:00Z', from: '500', to: '300' },
          { at: '2026-11-15T00:00:00Z', from: '300', to: '200' },
        ],
      }),
    ]);
    const [team, ann, bob] = doc.groups;
    expect(team!.amountCut).toMatchObject({ count: 2, amount: 300 + 300 });
    expect(ann!.amountCut.deals).toEqual([
      { dealId: 'a', name: 'Deal a', ownerId: 'ann', amount: 700, from: 1000, to: 700 },
    ]);
    expect(bob!.amountCut).toMatchObject({ count: 1, amount: 300 });
  });

  it('reports new at-risk deals and band changes with the top reason, banding last week by the thresholds', () => {
    const doc = run([
      // watch (55) a week ago, at risk now.
      deal('a', { band: 'at_risk', scoreWeekAgo: 55, reason: 'No buyer reply in 20 days, usually 3' }),
      // at risk both weeks: a band change? no; new at risk? no.
      deal('b', { band: 'at_risk', scoreWeekAgo: 20 }),
      // created this week and at risk: new at risk, no band change (no band then).
      deal('c', { band: 'at_risk', scoreWeekAgo: null, createdAt: '2026-11-16T00:00:00Z', reason: 'r' }),
      // older deal without a score a week ago: nothing said.
      deal('d', { band: 'at_risk', scoreWeekAgo: null }),
      // healthy (70 = threshold) a week ago, watch now; Bob's.
      deal('e', { ownerId: 'bob', band: 'watch', scoreWeekAgo: 70, reason: 'Stage age 90 days' }),
    ]);
    const [team, ann, bob] = doc.groups;
    expect(team!.newAtRisk.count).toBe(2);
    expect(team!.newAtRisk.deals.map((d) => d.dealId).sort()).toEqual(['a', 'c']);
    expect(team!.bandChanges.count).toBe(2);
    expect(ann!.bandChanges.deals).toEqual([
      {
        dealId: 'a',
        name: 'Deal a',
        ownerId: 'ann',
        amount: 1000,
        from: 'watch',
        to: 'at_risk',
        reason: 'No buyer reply in 20 days, usually 3',
      },
    ]);
    expect(bob!.bandChanges.deals[0]).toMatchObject({
      from: 'healthy',
      to: 'watch',
      reason: 'Stage age 90 days',
    });
    expect(bob!.newAtRisk.count).toBe(0);
  });

  it('lists only owners with a change; deals without an owner count for the team', () => {
    const doc = run([
      deal('a', {
        ownerId: null,
        amount: 400,
        amountChanges: [{ at: '2026-11-17T00:00:00Z', from: '500', to: '400' }],
      }),
      deal('b', { ownerId: 'bob' }),
    ]);
    expect(doc.groups).toHaveLength(1);
    expect(doc.groups[0]!.amountCut).toMatchObject({ count: 1, amount: 100 });
  });

  it('counts every deal but lists the 20 largest, whichever order they come in (summed as they come)', () => {
    // 150 band changes with distinct amounts, largest neither first nor last.
    const amounts = Array.from({ length: 150 }, (_, k) => ((k * 67) % 150) * 10 + 5);
    const doc = run(amounts.map((amount, k) => deal(`x${k}`, { amount, band: 'watch', scoreWeekAgo: 80 })));
    const team = doc.groups[0]!;
    expect(team.bandChanges.count).toBe(150);
    const expected = [...amounts].sort((a, b) => b - a).slice(0, 20);
    expect(team.bandChanges.deals.map((d) => d.amount)).toEqual(expected);
  });
});
