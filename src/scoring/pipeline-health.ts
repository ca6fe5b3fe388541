// Pipeline health, the survey's own definition, per owner / team / period: expected revenue = sum
// over open deals closing in the period of amount x win probability, plus closed-won so far in the
// period, compared with the target: coverage ratio, band, and the deals that move it most.

import type { HealthResult, Owner, Target } from '../domain/index.ts';
import type { DealInput } from './deal-input.ts';
import { DAY_MS, parseDate } from './time.ts';

/** Where a deal's win probability came from. */
export type ProbabilitySource = 'model' | 'stage' | 'score';

/** What the rollup needs of one deal (build with {@link pipelineDealFrom}). */
export interface PipelineDeal {
  dealId: string;
  ownerId: string | null;
  /** NaN or null when the deal has no amount (counted, contributes 0). */
  amount: number | null;
  /** Expected close date (epoch ms, midnight UTC); NaN when none. */
  closeDate: number;
  isClosed: boolean;
  isWon: boolean;
  /** Epoch ms; NaN when open. */
  closedAt: number;
  /** The CRM stage probability 0..1, or null/NaN. */
  stageProbability: number | null;
  /** The calibrated model's probability (HealthResult.winProbability), or null. */
  winProbability: number | null;
  /** The health score 0..100, or null when not scored. */
  score: number | null;
}

/** Builds a rollup row from a compiled deal and its (optional) health result. */
export function pipelineDealFrom(
  input: DealInput,
  result?: Pick<HealthResult, 'score' | 'winProbability'> | null,
): PipelineDeal {
  return {
    dealId: input.id,
    ownerId: input.ownerId,
    amount: input.amount,
    closeDate: input.closeDate,
    isClosed: input.isClosed,
    isWon: input.isWon,
    closedAt: input.closedAt,
    stageProbability: input.stageProbability,
    winProbability: result?.winProbability ?? null,
    score: result?.score ?? null,
  };
}

/**
 * Score-based fallback when there is neither a model nor a stage probability: 5% at score 0 to 65%
 * at score 100, linear. Deliberately conservative: an uncalibrated score is not a probability.
 */
export function scoreFallbackProbability(score: number): number {
  return 0.05 + (0.6 * Math.min(100, Math.max(0, score))) / 100;
}

/** The probability used for a deal and its source: the model's, else the stage's, else the score's. */
export function probabilityFor(deal: PipelineDeal): { p: number; source: ProbabilitySource } | null {
  if (deal.winProbability != null && Number.isFinite(deal.winProbability))
    return { p: deal.winProbability, source: 'model' };
  if (deal.stageProbability != null && Number.isFinite(deal.stageProbability))
    return { p: deal.stageProbability, source: 'stage' };
  if (deal.score != null && Number.isFinite(deal.score))
    return { p: scoreFallbackProbability(deal.score), source: 'score' };
  return null;
}

interface Period {
  /** Inclusive calendar dates `YYYY-MM-DD`. */
  start: string;
  end: string;
}

interface CoverageBands {
  /** Coverage at or above which the pipeline is healthy. Default 1.0. */
  healthy: number;
  /** Coverage at or above which it is on watch. Default 0.8. */
  watch: number;
}

export interface RollupOptions {
  /** Periods to roll up; default the distinct periods of `targets`. */
  periods?: readonly Period[];
  targets?: readonly Target[];
  /** Owners, for team membership (Owner.team; null goes to "(no team)"). */
  owners?: readonly Owner[];
  coverageBands?: CoverageBands;
  /** How many top deals to list per row. Default 5. */
  topDeals?: number;
}

interface DealContribution {
  dealId: string;
  ownerId: string | null;
  amount: number;
  probability: number;
  source: ProbabilitySource;
  /** amount x probability: what the deal adds to expected revenue. */
  expected: number;
}

export interface RollupRow {
  level: 'owner' | 'team' | 'total';
  /** Owner id, team name, or "*" for the total. */
  key: string;
  period: Period;
  /** Sum over open deals closing in the period of amount x probability. */
  expectedOpen: number;
  /** Closed-won amount with a close time inside the period. */
  closedWon: number;
  /** expectedOpen + closedWon. */
  expectedRevenue: number;
  /** Unweighted amount of the open deals closing in the period (the pipeline). */
  openAmount: number;
  target: number | null;
  /** target - closedWon, at least 0; null without a target. */
  remainingTarget: number | null;
  /**
   * Pipeline coverage as sales teams use it: open amount / remaining target (3x is a common
   * rule of thumb); null without a target or once the target is met.
   */
  pipelineCoverage: number | null;
  /** expectedRevenue / target; null without a (positive) target. */
  coverage: number | null;
  band: 'healthy' | 'watch' | 'at_risk' | null;
  openDeals: number;
  openDealsWithoutAmount: number;
  /** Open deals without any probability (no model, stage probability or score): counted as 0. */
  openDealsWithoutProbability: number;
  /** How many open deals' probabilities came from each source. */
  sources: Record<ProbabilitySource, number>;
  /** The open deals that move expected revenue most (largest amount x probability first). */
  topDeals: DealContribution[];
}

const NO_TEAM = '(no team)';

function round2(x: number): number {
  return Math.round(x * 100) / 100;
}

interface Acc {
  expectedOpen: number;
  openAmount: number;
  closedWon: number;
  openDeals: number;
  noAmount: number;
  noProb: number;
  sources: Record<ProbabilitySource, number>;
  contributions: DealContribution[];
}

function newAcc(): Acc {
  return {
    expectedOpen: 0,
    openAmount: 0,
    closedWon: 0,
    openDeals: 0,
    noAmount: 0,
    noProb: 0,
    sources: { model: 0, stage: 0, score: 0 },
    contributions: [],
  };
}

interface PeriodAccs {
  period: Period;
  from: number;
  /** Exclusive. */
  to: number;
  byOwner: Map<string, Acc>;
  byTeam: Map<string, Acc>;
  total: Acc;
}

/** Orders contributions as the rows list them: largest expected first, ties by deal id. */
const byExpected = (a: DealContribution, b: DealContribution) =>
  b.expected - a.expected || (a.dealId < b.dealId ? -1 : 1);

/**
 * The rollup built one deal at a time: per owner, team and total sums, and only the top deals each
 * row lists (pruned as they come), so a large tenant's deals need not be held together. The same
 * deals give the same rows as {@link rollupPipelineHealth} (sums in the same order per row).
 */
export class PipelineRollup {
  readonly #targets: readonly Target[];
  readonly #teamOf = new Map<string, string>();
  readonly #bands: CoverageBands;
  readonly #top: number;
  readonly #periods: PeriodAccs[];

  constructor(options: RollupOptions = {}) {
    this.#targets = options.targets ?? [];
    const periods: Period[] = options.periods
      ? [...options.periods]
      : [
          ...new Map(
            this.#targets.map((t) => [
              `${t.periodStart}|${t.periodEnd}`,
              { start: t.periodStart, end: t.periodEnd },
            ]),
          ).values(),
        ];
    for (const o of options.owners ?? []) this.#teamOf.set(o.id, o.team ?? NO_TEAM);
    this.#bands = options.coverageBands ?? { healthy: 1, watch: 0.8 };
    this.#top = options.topDeals ?? 5;
    this.#periods = periods.map((period) => ({
      period,
      from: parseDate(period.start),
      to: parseDate(period.end) + DAY_MS,
      byOwner: new Map(),
      byTeam: new Map(),
      total: newAcc(),
    }));
  }

  #accsFor(p: PeriodAccs, ownerId: string | null): Acc[] {
    const key = ownerId ?? '';
    let o = p.byOwner.get(key);
    if (!o) {
      o = newAcc();
      p.byOwner.set(key, o);
    }
    const team = ownerId != null ? (this.#teamOf.get(ownerId) ?? NO_TEAM) : NO_TEAM;
    let t = p.byTeam.get(team);
    if (!t) {
      t = newAcc();
      p.byTeam.set(team, t);
    }
    return [o, t, p.total];
  }

  add(deal: PipelineDeal): void {
    const amount = deal.amount != null && Number.isFinite(deal.amount) ? deal.amount : Number.NaN;
    for (const p of this.#periods) {
      const { from, to } = p;
      if (deal.isClosed) {
        if (deal.isWon && deal.closedAt >= from && deal.closedAt < to && amount > 0)
          for (const a of this.#accsFor(p, deal.ownerId)) a.closedWon += amount;
        continue;
      }
      if (!(deal.closeDate >= from && deal.closeDate < to)) continue;
      const prob = probabilityFor(deal);
      for (const a of this.#accsFor(p, deal.ownerId)) {
        a.openDeals++;
        if (Number.isNaN(amount)) a.noAmount++;
        else a.openAmount += amount;
        if (!prob) a.noProb++;
        else a.sources[prob.source]++;
      }
      if (!prob || Number.isNaN(amount)) continue;
      const c: DealContribution = {
        dealId: deal.dealId,
        ownerId: deal.ownerId,
        amount,
        probability: prob.p,
        source: prob.source,
        expected: amount * prob.p,
      };
      for (const a of this.#accsFor(p, deal.ownerId)) {
        a.expectedOpen += c.expected;
        a.contributions.push(c);
        // Only the top deals are listed: keep those (the order is total, so the same ones survive).
        if (a.contributions.length >= 2 * this.#top + 64)
          a.contributions = a.contributions.sort(byExpected).slice(0, this.#top);
      }
    }
  }

  /** The rows, per period: owners, then teams, then the total (call once, after every deal). */
  rows(): RollupRow[] {
    const [targets, teamOf, bands, top] = [this.#targets, this.#teamOf, this.#bands, this.#top];
    const rows: RollupRow[] = [];
    for (const p of this.#periods) {
      const { period, byOwner, byTeam, total } = p;
      const periodTargets = targets.filter(
        (t) => t.periodStart === period.start && t.periodEnd === period.end,
      );
      const ownerTarget = new Map<string, number>();
      let totalTarget: number | null = null;
      for (const t of periodTargets) {
        if (t.ownerId == null) totalTarget = (totalTarget ?? 0) + t.amount;
        else ownerTarget.set(t.ownerId, (ownerTarget.get(t.ownerId) ?? 0) + t.amount);
      }
      const teamTarget = new Map<string, number>();
      for (const [ownerId, amount] of ownerTarget) {
        const team = teamOf.get(ownerId) ?? NO_TEAM;
        teamTarget.set(team, (teamTarget.get(team) ?? 0) + amount);
      }
      if (totalTarget == null && ownerTarget.size > 0)
        totalTarget = [...ownerTarget.values()].reduce((a, b) => a + b, 0);
      // Owners with a target but no deals still get a row (coverage 0).
      for (const ownerId of ownerTarget.keys()) this.#accsFor(p, ownerId);
      const row = (level: RollupRow['level'], key: string, acc: Acc, target: number | null): RollupRow => {
        const expectedRevenue = acc.expectedOpen + acc.closedWon;
        const coverage = target != null && target > 0 ? expectedRevenue / target : null;
        const remaining = target != null ? Math.max(0, target - acc.closedWon) : null;
        return {
          level,
          key,
          period,
          expectedOpen: round2(acc.expectedOpen),
          closedWon: round2(acc.closedWon),
          expectedRevenue: round2(expectedRevenue),
          openAmount: round2(acc.openAmount),
          target,
          remainingTarget: remaining === null ? null : round2(remaining),
          pipelineCoverage:
            remaining !== null && remaining > 0
              ? Math.round((acc.openAmount / remaining) * 1000) / 1000
              : null,
          coverage: coverage != null ? Math.round(coverage * 1000) / 1000 : null,
          band:
            coverage == null
              ? null
              : coverage >= bands.healthy
                ? 'healthy'
                : coverage >= bands.watch
                  ? 'watch'
                  : 'at_risk',
          openDeals: acc.openDeals,
          openDealsWithoutAmount: acc.noAmount,
          openDealsWithoutProbability: acc.noProb,
          sources: acc.sources,
          topDeals: [...acc.contributions].sort(byExpected).slice(0, top),
        };
      };
      for (const [key, acc] of [...byOwner].sort(([a], [b]) => (a < b ? -1 : 1)))
        rows.push(
          row(
            'owner',
            key === '' ? '(no owner)' : key,
            acc,
            key === '' ? null : (ownerTarget.get(key) ?? null),
          ),
        );
      for (const [key, acc] of [...byTeam].sort(([a], [b]) => (a < b ? -1 : 1)))
        rows.push(row('team', key, acc, teamTarget.get(key) ?? null));
      rows.push(row('total', '*', total, totalTarget));
    }
    return rows;
  }
}

/**
 * Rolls deals up per owner, team and total for each period. Open deals count when their close date
 * falls inside the period (deals whose close date already passed before the period are not
 * counted: they belong to an earlier period); won deals count when closed inside it.
 */
export function rollupPipelineHealth(
  deals: readonly PipelineDeal[],
  options: RollupOptions = {},
): RollupRow[] {
  const rollup = new PipelineRollup(options);
  for (const deal of deals) rollup.add(deal);
  return rollup.rows();
}
