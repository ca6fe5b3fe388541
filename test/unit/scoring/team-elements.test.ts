import { describe, expect, it } from 'vitest';
import { SURVEY_ELEMENTS, teamElementView } from '../../../src/scoring/team-elements.ts';

/** A deal whose seven elements are all healthy, except the ones given. */
function deal(ownerId: string | null, weak: Record<string, { subScore: number; confidence?: number }> = {}) {
  return {
    ownerId,
    indicators: SURVEY_ELEMENTS.map((e) => ({
      key: e.key,
      subScore: weak[e.key]?.subScore ?? 0.8,
      confidence: weak[e.key]?.confidence ?? 1,
    })),
  };
}

describe('the seven elements across a team (issue 18 item 2)', () => {
  it('counts, per owner and for the team, the share of open deals weak on each element', () => {
    // Ann: 4 open deals; joint planning weak on 3 (0.1, 0.2, 0.39 < 0.4), fine on 1 (0.4 is not weak).
    // Trust is low on one deal but judged on too little evidence (confidence 0.2 < 0.3): not weak.
    // Bob: 2 deals, access weak on 1 (1/2 = 0.5 reaches "most"). One deal without an owner.
    const view = teamElementView([
      deal('ann', { joint_planning: { subScore: 0.1 } }),
      deal('ann', { joint_planning: { subScore: 0.2 }, trust: { subScore: 0.05, confidence: 0.2 } }),
      deal('ann', { joint_planning: { subScore: 0.39 } }),
      deal('ann', { joint_planning: { subScore: 0.4 } }),
      deal('bob', { access: { subScore: 0 } }),
      deal('bob'),
      deal(null, { joint_planning: { subScore: 0 } }),
    ]);
    const ann = view.owners.find((o) => o.ownerId === 'ann')!;
    expect(ann.openDeals).toBe(4);
    expect(ann.elements.joint_planning).toEqual({ weak: 3, judged: 4, weakShare: 0.75 });
    expect(ann.elements.trust).toEqual({ weak: 0, judged: 3, weakShare: 0 });
    expect(ann.notes).toEqual(["Joint planning is weak across most of this owner's deals (3 of 4)"]);

    const bob = view.owners.find((o) => o.ownerId === 'bob')!;
    expect(bob.elements.access).toEqual({ weak: 1, judged: 2, weakShare: 0.5 });
    expect(bob.notes).toEqual(["Frequent access is weak across most of this owner's deals (1 of 2)"]);

    // One ownerless deal: a share of 1, but one deal is no pattern.
    const none = view.owners.find((o) => o.ownerId === null)!;
    expect(none.elements.joint_planning.weakShare).toBe(1);
    expect(none.notes).toEqual([]);

    // Team: 7 deals, joint planning weak on 3 + 1 = 4 (4/7 ≥ 0.5), access on 1 (1/7).
    expect(view.team.openDeals).toBe(7);
    expect(view.team.elements.joint_planning).toEqual({ weak: 4, judged: 7, weakShare: 4 / 7 });
    expect(view.team.elements.access.weakShare).toBeCloseTo(1 / 7, 12);
    expect(view.team.notes).toEqual(['Joint planning is weak across most of the team (4 of 7)']);
    expect(view.elements.map((e) => e.key)).toEqual([
      'open_communication',
      'access',
      'knowledge_sharing',
      'joint_planning',
      'industry_understanding',
      'satisfaction',
      'trust',
    ]);
  });

  it('orders notes worst first and takes its thresholds from the options', () => {
    const view = teamElementView(
      [
        deal('ann', { trust: { subScore: 0.5 }, satisfaction: { subScore: 0.5 } }),
        deal('ann', { trust: { subScore: 0.5 } }),
      ],
      { weakBelow: 0.6, mostShare: 0.5 },
    );
    expect(view.owners[0]!.notes).toEqual([
      "Trust is weak across most of this owner's deals (2 of 2)",
      "Satisfaction is weak across most of this owner's deals (1 of 2)",
    ]);
  });
});
