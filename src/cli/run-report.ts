import type { RunSummary } from '../../jobs/finalize.job.ts';
import type { StoredPipelineHealth } from '../../jobs/score.job.ts';
import type { Band } from '../domain/index.ts';
import type { TenantStateStore } from '../store/tenant-state.store.ts';

/** What `run` and `demo` print: the run, the riskiest deals, pipeline health per owner. */
export interface RunReport {
  crm: string;
  tenantId: string;
  runId: string;
  status: RunSummary['status'];
  error: RunSummary['error'] | null;
  deals: number;
  scored: number;
  written: number;
  alerts: number;
  apiCalls: number;
  apiCallsByEndpoint: Record<string, number>;
  rateLimited: number;
  quarantined: number;
  durationMs: number;
  bands: Record<Band, number>;
  modelVersion: string | null;
  riskiest: {
    /** The deal's CRM id (also as `dealId`). */
    id: string;
    dealId: string;
    name: string;
    owner: string | null;
    amount: number | null;
    score: number;
    band: Band;
    winProbability: number | null;
    reasons: string[];
  }[];
  pipelineHealth: {
    period: { start: string; end: string } | null;
    owners: {
      owner: string;
      openDeals: number;
      /** Already won in the period. */
      closedWon: number;
      /** Open deals closing in the period, amount x win probability. */
      weightedOpen: number;
      /** closedWon + weightedOpen. */
      expectedRevenue: number;
      /** Unweighted open amount closing in the period. */
      openAmount: number;
      target: number | null;
      /** expectedRevenue / target. */
      coverage: number | null;
      band: string | null;
      /** openAmount / (target - closedWon): pipeline coverage as sales teams use it. */
      pipelineCoverage: number | null;
    }[];
  };
}

function num(step: Record<string, unknown> | undefined, key: string): number {
  const v = step?.[key];
  return typeof v === 'number' ? v : 0;
}

export async function collectRunReport(
  summary: RunSummary,
  store: TenantStateStore,
  extra: { crm: string; apiCallsByEndpoint?: Record<string, number>; riskiest?: number },
): Promise<RunReport> {
  const metadata = await store.sync.getMetadata();
  const ownerName = new Map((metadata?.owners ?? []).map((o) => [o.id, o.name]));
  const results = [];
  for await (const chunk of store.results.iterateResults()) results.push(...chunk);
  results.sort((a, b) => a.score - b.score);
  const top = results.slice(0, extra.riskiest ?? 10);
  const deals = new Map<string, { name: string; amount: number | null; ownerId: string | null }>();
  for (const r of top) {
    const d = await store.deals.getDeal(r.dealId);
    if (d) deals.set(r.dealId, { name: d.deal.name, amount: d.deal.amount, ownerId: d.deal.ownerId });
  }
  const bands: Record<Band, number> = { healthy: 0, watch: 0, at_risk: 0 };
  for (const r of results) bands[r.band] += 1;
  const health = await store.documents.getJson<StoredPipelineHealth>('pipelineHealth');
  const startedAt = Date.parse(summary.asOf);
  return {
    crm: extra.crm,
    tenantId: summary.tenantId,
    runId: summary.runId,
    status: summary.status,
    error: summary.error ?? null,
    deals: await store.deals.dealCount(),
    scored: num(summary.steps.score, 'scored'),
    written: num(summary.steps['write-back'], 'written'),
    alerts: num(summary.steps.alert, 'raised'),
    apiCalls: summary.apiCalls,
    apiCallsByEndpoint: extra.apiCallsByEndpoint ?? {},
    rateLimited: summary.rateLimited,
    quarantined: await store.sync.quarantineCount(),
    durationMs: Date.parse(summary.finishedAt) - startedAt,
    bands,
    modelVersion: results[0]?.modelVersion ?? null,
    riskiest: top.map((r) => {
      const d = deals.get(r.dealId);
      return {
        id: r.dealId,
        dealId: r.dealId,
        name: d?.name ?? r.dealId,
        owner: d?.ownerId ? (ownerName.get(d.ownerId) ?? d.ownerId) : null,
        amount: d?.amount ?? null,
        score: r.score,
        band: r.band,
        winProbability: r.winProbability,
        reasons: r.reasons,
      };
    }),
    pipelineHealth: {
      period: health?.period ?? null,
      owners: (health?.rows ?? [])
        .filter((row) => row.level === 'owner' || row.level === 'total')
        .map((row) => ({
          owner: row.level === 'total' ? 'All owners' : (ownerName.get(row.key) ?? row.key),
          openDeals: row.openDeals,
          closedWon: Math.round(row.closedWon),
          weightedOpen: Math.round(row.expectedOpen),
          expectedRevenue: Math.round(row.expectedRevenue),
          openAmount: Math.round(row.openAmount ?? 0),
          target: row.target,
          coverage: row.coverage === null ? null : Math.round(row.coverage * 100) / 100,
          band: row.band,
          pipelineCoverage:
            row.pipelineCoverage == null ? null : Math.round(row.pipelineCoverage * 100) / 100,
        })),
    },
  };
}

const money = (n: number | null) => (n === null ? '—' : `$${Math.round(n).toLocaleString('en-US')}`);
const pad = (s: string, n: number) => (s.length >= n ? `${s.slice(0, n - 1)}…` : s.padEnd(n));

export function renderRunReport(report: RunReport): string {
  const lines: string[] = [];
  const out = (s = '') => lines.push(s);
  out(
    `Run ${report.runId} (${report.crm}) ${report.status.toUpperCase()} in ${(report.durationMs / 1000).toFixed(1)} s`,
  );
  if (report.error) out(`  failed at ${report.error.step}: ${report.error.message}`);
  out(
    `  ${report.deals} deals synced, ${report.scored} open deals scored ` +
      `(${report.bands.healthy} healthy, ${report.bands.watch} watch, ${report.bands.at_risk} at risk), ` +
      `${report.written} written back, ${report.alerts} alert tasks raised`,
  );
  out(
    `  ${report.apiCalls} API calls, ${report.rateLimited} rate-limited, ${report.quarantined} malformed records quarantined` +
      (report.modelVersion ? `, model ${report.modelVersion}` : ''),
  );
  const endpoints = Object.entries(report.apiCallsByEndpoint).sort((a, b) => b[1] - a[1]);
  if (endpoints.length > 0) {
    const shown = endpoints.slice(0, 6).map(([e, n]) => `${e} ${n}`);
    if (endpoints.length > 6)
      shown.push(
        `${endpoints.length - 6} more endpoints ${endpoints.slice(6).reduce((s, [, n]) => s + n, 0)}`,
      );
    out(`  calls by endpoint: ${shown.join(', ')}`);
  }
  out();
  out('Riskiest open deals');
  for (const d of report.riskiest) {
    const p = d.winProbability === null ? '' : `  win ${Math.round(d.winProbability * 100)}%`;
    out(
      `  ${String(Math.round(d.score)).padStart(3)}  ${pad(d.band.replace('_', ' '), 8)} ${pad(d.name, 34)} ${pad(d.owner ?? '—', 20)} ${money(d.amount)}${p}`,
    );
    for (const r of d.reasons) out(`         - ${r}`);
  }
  out();
  const period = report.pipelineHealth.period;
  out(
    `Pipeline health per owner${period ? ` (${period.start} to ${period.end})` : ''}: closed-won + probability-weighted open = expected, against target; pipeline coverage = open amount / remaining target`,
  );
  for (const o of report.pipelineHealth.owners) {
    const cov =
      o.coverage === null
        ? 'no target'
        : `${Math.round(o.coverage * 100)}% of target (${(o.band ?? '').replace('_', ' ')})`;
    const pipe =
      o.target === null
        ? ''
        : o.pipelineCoverage === null
          ? ', target already met'
          : `, pipeline coverage ${o.pipelineCoverage.toFixed(1)}x`;
    out(
      `  ${pad(o.owner, 20)} won ${pad(money(o.closedWon), 11)} + weighted open ${pad(money(o.weightedOpen), 11)} = expected ${pad(money(o.expectedRevenue), 11)} target ${pad(money(o.target), 11)} ${cov}; ${o.openDeals} open deals ${money(o.openAmount)}${pipe}`,
    );
  }
  return lines.join('\n');
}
