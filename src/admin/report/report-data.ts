import type { Band, HealthResult } from '../../domain/index.ts';
import { type LiveAccuracyView, readLiveAccuracy } from './live-accuracy-view.ts';
import type { TenantStateStore } from '../../store/tenant-state.store.ts';
import { type OpenDealRow, readOpenDeals } from './open-deals.ts';
import { readTeamElements, type TeamElements } from './team-elements-view.ts';

const WEEK_MS = 7 * 86_400_000;
/** Rows of the at-risk and watch lists (worst first); the open-deals table has every deal. */
const LIST_SHOWN = 25;

interface ListedDeal {
  dealId: string;
  name: string;
  score: number;
  owner: string | null;
  reasons: string[];
  recordUrl: string | null;
}

/** What the report reads of the stored pipeline-health rollup (written by the score step). */
interface StoredRollup {
  asOf: string;
  period: { start: string; end: string };
  rows: {
    level: 'owner' | 'team' | 'total';
    key: string;
    closedWon: number;
    expectedOpen: number;
    expectedRevenue: number;
    /** Absent in rollups stored before issue 15. */
    openAmount?: number;
    target: number | null;
    coverage: number | null;
    pipelineCoverage?: number | null;
    band: Band | null;
    openDeals: number;
  }[];
}

/** What the report reads of the stored "what changed" (jobs/what-changed-step.ts, docs/DIGEST.md). */
interface StoredChangeGroup {
  ownerId: string | null;
  name: string;
  movedOut: { count: number; amount: number };
  pushed: { count: number; days: number };
  amountCut: { count: number; amount: number };
  newAtRisk: { count: number };
  bandChanges: { count: number; deals: { name: string; from: Band; to: Band; reason: string | null }[] };
}
interface StoredWhatChanged {
  asOf: string;
  since: string;
  period: { label: string };
  groups: StoredChangeGroup[];
}

/** What the report reads of the stored forecast (jobs/forecast-step.ts, docs/FORECAST.md). */
interface StoredForecast {
  periods: {
    period: { label: string; start: string; end: string };
    slip: { probability: number; basis: string };
    rows: {
      level: 'owner' | 'team' | 'total';
      key: string;
      target: number | null;
      closedWon: number;
      p10: number;
      p50: number;
      p90: number;
      pReachTarget: number | null;
    }[];
  }[];
  backtest: { intervalCoverage: number | null; evaluated: number; periods: { inside: boolean }[] };
}

interface ReportForecast {
  period: { label: string; start: string; end: string };
  /** Total first, then teams, then owners (by name). */
  rows: {
    level: 'owner' | 'team' | 'total';
    name: string;
    target: number | null;
    closedWon: number;
    p10: number;
    p50: number;
    p90: number;
    pReachTarget: number | null;
  }[];
  slip: { probability: number; basis: string };
  backtest: { intervalCoverage: number | null; evaluated: number; held: number };
}

export interface ReportData {
  tenantId: string;
  tenantName: string;
  asOf: string | null;
  dealsScored: number;
  bands: Record<Band, number>;
  /** Deals per score bucket (0-9 ... 90-100) and band. */
  distribution: { labels: string[]; healthy: number[]; watch: number[]; at_risk: number[] };
  period: { start: string; end: string } | null;
  coverage: {
    ownerId: string;
    owner: string;
    /** Already won in the period. */
    closedWon: number;
    /** Open deals closing in the period, amount x win probability. */
    weightedOpen: number;
    /** closedWon + weightedOpen. */
    expectedRevenue: number;
    /** Unweighted open amount closing in the period. */
    openAmount: number | null;
    target: number | null;
    /** expectedRevenue / target. */
    coverage: number | null;
    /** openAmount / (target - closedWon); null without a target or once it is met. */
    pipelineCoverage: number | null;
    band: Band | null;
    openDeals: number;
  }[];
  /** The account's company currency (ISO 4217); null when the CRM did not say: amounts are plain numbers. */
  currency: string | null;
  /** Every scored open deal, worst first (the table; GET /tenants/:id/deals gives the same rows). */
  deals: OpenDealRow[];
  atRisk: ListedDeal[];
  /** Deals in the watch band, worst first. */
  watch: ListedDeal[];
  /** The seven survey elements x owners (GET /tenants/:id/elements); null before a score step stored it. */
  elements: TeamElements | null;
  /** Average score of the open deals, week by week (oldest first), from the score history. */
  trend: { label: string; averageScore: number | null; deals: number }[];
  /** False until the history has a week-old score besides the current one ("not enough history yet"). */
  trendHasHistory: boolean;
  /** The current quarter's forecast with ranges; null until a score step stored one. */
  forecast: ReportForecast | null;
  /** How the live scores did on the deals that closed since (GET /tenants/:id/model/report `live`). */
  live: LiveAccuracyView | null;
  /** What changed since last week per owner and team (GET /tenants/:id/changes); null before a score step stored it. */
  changes: StoredWhatChanged | null;
}

const BUCKETS = Array.from({ length: 10 }, (_, i) => (i === 9 ? '90-100' : `${i * 10}-${i * 10 + 9}`));

/** Everything the report page draws, read from the tenant's stored results, rollup and history. */
export async function buildReportData(
  store: TenantStateStore,
  tenant: { id: string; name: string },
  now: number,
  weeks = 8,
): Promise<ReportData> {
  const results: HealthResult[] = [];
  for await (const chunk of store.results.iterateResults()) results.push(...chunk);
  const bands: Record<Band, number> = { healthy: 0, watch: 0, at_risk: 0 };
  const distribution = {
    labels: BUCKETS,
    healthy: BUCKETS.map(() => 0),
    watch: BUCKETS.map(() => 0),
    at_risk: BUCKETS.map(() => 0),
  };
  let asOf: string | null = null;
  for (const r of results) {
    bands[r.band] += 1;
    const bucket = Math.min(9, Math.floor(r.score / 10));
    distribution[r.band][bucket] = (distribution[r.band][bucket] ?? 0) + 1;
    if (asOf === null || r.asOf > asOf) asOf = r.asOf;
  }

  const [metadata, rollup, storedForecast, changes] = await Promise.all([
    store.sync.getMetadata(),
    store.documents.getJson<StoredRollup>('pipelineHealth'),
    store.documents.getJson<StoredForecast>('forecast'),
    store.documents.getJson<StoredWhatChanged>('whatChanged'),
  ]);
  const [open, elements, live] = await Promise.all([
    readOpenDeals(store, results, metadata),
    readTeamElements(store, metadata),
    readLiveAccuracy(store),
  ]);
  const ownerNames = new Map((metadata?.owners ?? []).map((o) => [o.id, o.name]));
  const forecast = forecastView(storedForecast, ownerNames);
  const coverage = (rollup?.rows ?? [])
    .filter((row) => row.level === 'owner')
    .map((row) => ({
      ownerId: row.key,
      owner: ownerNames.get(row.key) ?? row.key,
      closedWon: row.closedWon,
      weightedOpen: row.expectedOpen,
      expectedRevenue: row.expectedRevenue,
      openAmount: row.openAmount ?? null,
      target: row.target,
      coverage: row.coverage,
      pipelineCoverage: row.pipelineCoverage ?? null,
      band: row.band,
      openDeals: row.openDeals,
    }))
    .sort((a, b) => a.owner.localeCompare(b.owner));

  const rowById = new Map(open.deals.map((d) => [d.dealId, d]));
  const listed = (band: Band): ListedDeal[] =>
    results
      .filter((r) => r.band === band)
      .sort((a, b) => a.score - b.score)
      .slice(0, LIST_SHOWN)
      .map((r) => {
        const row = rowById.get(r.dealId);
        return {
          dealId: r.dealId,
          name: row?.name ?? r.dealId,
          score: r.score,
          owner: row?.owner ?? null,
          reasons: r.reasons,
          recordUrl: row?.recordUrl ?? null,
        };
      });

  // previousScores(ids, t) gives each deal's latest score at least 6.5 days before t: stepping t
  // back a week at a time samples the history once per week without reading it all.
  const ids = results.map((r) => r.dealId);
  const trend: ReportData['trend'] = [];
  for (let k = weeks - 1; k >= 1; k--) {
    const at = now - (k - 1) * WEEK_MS;
    const scores = [...(await store.results.previousScores(ids, at)).values()].map((s) => s.score);
    trend.push({ label: `${k} week${k === 1 ? '' : 's'} ago`, ...average(scores) });
  }
  trend.push({ label: 'now', ...average(results.map((r) => r.score)) });

  return {
    tenantId: tenant.id,
    tenantName: tenant.name,
    asOf,
    dealsScored: results.length,
    bands,
    distribution,
    period: rollup?.period ?? null,
    coverage,
    currency: open.currency,
    deals: open.deals,
    atRisk: listed('at_risk'),
    watch: listed('watch'),
    elements,
    trend,
    trendHasHistory: trend.filter((p) => p.averageScore !== null).length >= 2,
    forecast,
    live,
    changes,
  };
}

const LEVEL_ORDER = { total: 0, team: 1, owner: 2 } as const;

function forecastView(stored: StoredForecast | null, ownerNames: Map<string, string>): ReportForecast | null {
  const current = stored?.periods[0];
  if (!stored || !current) return null;
  const rows = current.rows
    .map((r) => ({
      level: r.level,
      name:
        r.level === 'total' ? 'All owners' : r.level === 'owner' ? (ownerNames.get(r.key) ?? r.key) : r.key,
      target: r.target,
      closedWon: r.closedWon,
      p10: r.p10,
      p50: r.p50,
      p90: r.p90,
      pReachTarget: r.pReachTarget,
    }))
    .sort((a, b) => LEVEL_ORDER[a.level] - LEVEL_ORDER[b.level] || a.name.localeCompare(b.name));
  return {
    period: current.period,
    rows,
    slip: { probability: current.slip.probability, basis: current.slip.basis },
    backtest: {
      intervalCoverage: stored.backtest.intervalCoverage,
      evaluated: stored.backtest.evaluated,
      held: stored.backtest.periods.filter((p) => p.inside).length,
    },
  };
}

function average(scores: number[]): { averageScore: number | null; deals: number } {
  if (scores.length === 0) return { averageScore: null, deals: 0 };
  const sum = scores.reduce((a, b) => a + b, 0);
  return { averageScore: Math.round((sum / scores.length) * 10) / 10, deals: scores.length };
}
