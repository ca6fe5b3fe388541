import { describe, expect, it } from 'vitest';
import { generateWorld, generateWorldWithTruth } from '../../../src/sandbox/generator/generate-world.ts';
import type { SandboxWorld, WorldActivity, WorldDeal } from '../../../src/sandbox/world.ts';

const NOW = '2026-11-27T00:00:00.000Z';

function isWon(world: SandboxWorld, deal: WorldDeal): boolean {
  const pipeline = world.pipelines.find((p) => p.key === deal.pipelineKey);
  return pipeline?.stages.find((s) => s.key === deal.stageKey)?.isWon ?? false;
}

function activitiesByDeal(world: SandboxWorld): Map<number, WorldActivity[]> {
  const map = new Map<number, WorldActivity[]>();
  for (const a of world.activities) {
    const list = map.get(a.dealN) ?? [];
    list.push(a);
    map.set(a.dealN, list);
  }
  return map;
}

/** Probability that a random won deal scores above a random lost deal (ties count half). */
function auc(won: number[], lost: number[]): number {
  let wins = 0;
  for (const w of won) for (const l of lost) wins += w > l ? 1 : w === l ? 0.5 : 0;
  return wins / (won.length * lost.length);
}

function mean(values: number[]): number {
  return values.reduce((s, v) => s + v, 0) / values.length;
}

describe('generateWorld', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    const a = generateWorld({ seed: 11, deals: 150, now: NOW });
    const b = generateWorld({ seed: 11, deals: 150, now: NOW });
    const c = generateWorld({ seed: 12, deals: 150, now: NOW });
    expect(JSON.stringify(a)).toBe(JSON.stringify(b));
    expect(JSON.stringify(a.deals)).not.toBe(JSON.stringify(c.deals));
  });

  it('builds the requested size with tens of activities per deal, pipelines, teams and senior contacts', () => {
    const world = generateWorld({ seed: 5, deals: 400, now: NOW });
    expect(world.deals).toHaveLength(400);
    expect(world.deals.map((d) => d.n)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(world.activities.length / world.deals.length).toBeGreaterThanOrEqual(10);
    expect(world.pipelines.map((p) => p.key)).toEqual(['sales', 'renewals']);
    for (const p of world.pipelines) {
      expect(p.stages.some((s) => s.isClosed && s.isWon)).toBe(true);
      expect(p.stages.some((s) => s.isClosed && !s.isWon)).toBe(true);
    }
    expect(new Set(world.owners.map((o) => o.team)).size).toBeGreaterThan(1);
    expect(world.contacts.some((c) => /VP|Vice President|Chief|CFO|Director|Head/.test(c.title ?? ''))).toBe(
      true,
    );
    expect(world.companies.every((c) => c.domain.endsWith('.example'))).toBe(true);
    const types = new Set(world.activities.map((a) => a.type));
    expect([...types].sort()).toEqual(['call', 'email', 'meeting', 'note', 'task']);
    expect(world.targets.length).toBeGreaterThan(0);
    const tiny = generateWorld({ seed: 5, deals: 3, now: NOW });
    expect(tiny.deals).toHaveLength(3);
    expect(tiny.owners.length).toBeGreaterThanOrEqual(3);
  });

  it('has owners who left (inactive, with an active manager) owning open deals, in small and large worlds', () => {
    for (const [seed, deals] of [
      [42, 400],
      [3, 120],
      [9, 2400],
    ] as const) {
      const world = generateWorld({ seed, deals, now: NOW });
      const inactive = new Set(world.owners.filter((o) => o.active === false).map((o) => o.n));
      expect(inactive.size, `${seed}/${deals}`).toBeGreaterThan(0);
      const open = world.deals.filter(
        (d) => d.closedAt === null && d.ownerN !== null && inactive.has(d.ownerN),
      );
      expect(open.length, `${seed}/${deals}`).toBeGreaterThan(0);
      for (const o of world.owners.filter((x) => x.active === false)) {
        const manager = world.owners.find((m) => m.n === o.managerN);
        expect(manager?.active).not.toBe(false);
      }
    }
  });

  it('keeps time consistent: history ordered, past activities except scheduled meetings, closed before now', () => {
    const world = generateWorld({ seed: 8, deals: 500, now: NOW });
    const now = Date.parse(NOW);
    for (const d of world.deals) {
      const times = d.stageHistory.map((s) => Date.parse(s.enteredAt));
      expect([...times].sort((x, y) => x - y)).toEqual(times);
      expect(Date.parse(d.createdAt)).toBeLessThanOrEqual(now);
      expect(Date.parse(d.updatedAt)).toBeLessThanOrEqual(now);
      if (d.closedAt) expect(Date.parse(d.closedAt)).toBeLessThanOrEqual(now);
    }
    const future = world.activities.filter((a) => Date.parse(a.occurredAt) > now && a.type !== 'task');
    expect(future.length).toBeGreaterThan(0);
    expect(future.every((a) => a.type === 'meeting' && a.meetingOutcome === 'SCHEDULED')).toBe(true);
    const open = world.deals.filter((d) => d.closedAt === null);
    const closed = world.deals.filter((d) => d.closedAt !== null);
    expect(open.length).toBeGreaterThan(50);
    expect(closed.length).toBeGreaterThan(50);
    // Close dates move: some deals have pushes, some amounts change.
    expect(world.deals.some((d) => d.closeDateHistory.length > 2)).toBe(true);
    expect(world.deals.some((d) => d.amountHistory.length > 1)).toBe(true);
  });

  it('makes outcomes depend on behaviour, with noise (won deals engage more, not perfectly)', () => {
    const { world, truth } = generateWorldWithTruth({ seed: 21, deals: 3000, now: NOW, messyShare: 0 });
    const acts = activitiesByDeal(world);
    const closed = world.deals.filter((d) => d.closedAt !== null);
    const metric = (d: WorldDeal) => {
      const list = acts.get(d.n) ?? [];
      const emails = list.filter((a) => a.type === 'email');
      return {
        buyerReplyShare:
          emails.length === 0 ? 0 : emails.filter((a) => a.direction === 'inbound').length / emails.length,
        multiAttendeeMeetings: list.filter((a) => a.type === 'meeting' && a.contactNs.length >= 2).length,
        engagedContacts: new Set(list.flatMap((a) => a.contactNs)).size,
      };
    };
    const won = closed.filter((d) => isWon(world, d)).map(metric);
    const lost = closed.filter((d) => !isWon(world, d)).map(metric);
    expect(won.length).toBeGreaterThan(200);
    expect(lost.length).toBeGreaterThan(200);
    expect(mean(won.map((m) => m.buyerReplyShare))).toBeGreaterThan(
      1.3 * mean(lost.map((m) => m.buyerReplyShare)),
    );
    expect(mean(won.map((m) => m.multiAttendeeMeetings))).toBeGreaterThan(
      1.3 * mean(lost.map((m) => m.multiAttendeeMeetings)),
    );
    expect(mean(won.map((m) => m.engagedContacts))).toBeGreaterThan(
      1.2 * mean(lost.map((m) => m.engagedContacts)),
    );
    const separation = auc(
      won.map((m) => m.buyerReplyShare),
      lost.map((m) => m.buyerReplyShare),
    );
    expect(separation).toBeGreaterThan(0.6);
    expect(separation).toBeLessThan(0.95);
    // Open deals: healthier ones more often have a meeting on the calendar (joint planning).
    const now = Date.parse(NOW);
    const health = new Map(truth.map((t) => [t.dealN, t.health]));
    const open = world.deals.filter((d) => d.closedAt === null);
    const hasFuture = (d: WorldDeal) =>
      (acts.get(d.n) ?? []).some((a) => Date.parse(a.occurredAt) > now && a.type === 'meeting');
    const healthy = open.filter((d) => (health.get(d.n) ?? 0) > 0.5);
    const unhealthy = open.filter((d) => (health.get(d.n) ?? 0) < -0.5);
    const share = (list: WorldDeal[]) => list.filter(hasFuture).length / list.length;
    expect(share(healthy)).toBeGreaterThan(share(unhealthy) + 0.2);
    expect(share(unhealthy)).toBeGreaterThan(0);
  });

  it('qualification fields correlate weakly with the outcome', () => {
    const world = generateWorld({ seed: 4, deals: 3000, now: NOW, messyShare: 0 });
    const closed = world.deals.filter((d) => d.closedAt !== null);
    const rate = (list: WorldDeal[]) => list.filter(isWon.bind(null, world)).length / list.length;
    const budget = closed.filter((d) => d.qualification.budget_allocated === true);
    const noBudget = closed.filter((d) => d.qualification.budget_allocated === false);
    expect(rate(budget)).toBeGreaterThan(rate(noBudget) + 0.05);
    expect(rate(noBudget)).toBeGreaterThan(0.1);
    expect(new Set(world.deals.map((d) => d.qualification.decision_process)).size).toBe(4);
  });

  it('adds messy records at about the configured share, and none when it is 0', () => {
    const world = generateWorld({ seed: 9, deals: 5000, now: NOW, messyShare: 0.02 });
    const messyDeals = world.deals.filter((d) => d.messy !== null).length / world.deals.length;
    const messyActs = world.activities.filter((a) => a.messy !== null).length / world.activities.length;
    expect(messyDeals).toBeGreaterThan(0.012);
    expect(messyDeals).toBeLessThan(0.03);
    expect(messyActs).toBeGreaterThan(0.012);
    expect(messyActs).toBeLessThan(0.03);
    const kinds = new Set(world.deals.map((d) => d.messy).filter((m) => m !== null));
    expect(kinds).toEqual(new Set(['missing_amount', 'null_close_date', 'unknown_stage', 'odd_encoding']));
    const dealNs = new Set(world.deals.map((d) => d.n));
    for (const a of world.activities.filter((x) => x.messy === 'orphaned_association'))
      expect(dealNs.has(a.dealN)).toBe(false);
    const stageKeys = new Set(world.pipelines.flatMap((p) => p.stages.map((s) => s.key)));
    for (const d of world.deals.filter((x) => x.messy === 'unknown_stage'))
      expect(stageKeys.has(d.stageKey)).toBe(false);
    for (const d of world.deals.filter((x) => x.messy === 'missing_amount')) expect(d.amount).toBeNull();
    const clean = generateWorld({ seed: 9, deals: 500, now: NOW, messyShare: 0 });
    expect(clean.deals.every((d) => d.messy === null)).toBe(true);
    expect(clean.activities.every((a) => a.messy === null && dealNs.has(a.dealN))).toBe(true);
  });
});
