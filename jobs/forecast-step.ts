// The forecast with ranges (issue 18 item 1, docs/FORECAST.md), computed at the end of the score
// step from what it already holds: every deal's history and the open deals' results. The backtest
// replays past quarters (a compile and a score per deal open then) and is the expensive part, so
// it is recomputed only when the model, the quarter or the tenant's local day changes.

import { localDayNumber, type Owner, type Tenant, type Target } from '../src/domain/index.ts';
import {
  type BacktestInput,
  type BacktestResult,
  backtestPeriods,
  buildForecastDocument,
  type ForecastDeal,
  type ForecastDocument,
  type HistoryDeal,
  inForecastPopulation,
  quarterContaining,
  replayDeal,
  replaysFor,
  type ScoringContext,
} from '../src/scoring/index.ts';
import type { Pipeline } from '../src/domain/index.ts';
import type { TenantStateStore } from '../src/store/tenant-state.store.ts';

/** What is stored under the tenant's `forecast` document and served by GET /tenants/:id/forecast. */
export interface StoredForecast extends ForecastDocument {
  /** Model version, quarter and local day the backtest was computed for (reused while unchanged). */
  backtestKey: string;
}

export interface ForecastStepInput {
  store: TenantStateStore;
  tenant: Pick<Tenant, 'timezone' | 'targets'>;
  asOf: number;
  ctx: ScoringContext;
  /** Every deal's history, open and closed, by deal id (the score step's HistoryTable, or a map). */
  history: {
    get(dealId: string): HistoryDeal | undefined;
    values(): Iterable<HistoryDeal>;
  };
  open: readonly ForecastDeal[];
  owners: readonly Owner[];
  targets: readonly Target[];
  pipelines: ReadonlyMap<string, Pipeline>;
}

export async function computeAndStoreForecast(input: ForecastStepInput): Promise<StoredForecast> {
  const { store, tenant, asOf, ctx } = input;
  const timezone = tenant.timezone;
  // Read many times over (windows, periods, backtest), never copied into one array.
  const history: Iterable<HistoryDeal> = {
    [Symbol.iterator]: () => input.history.values()[Symbol.iterator](),
  };
  const current = quarterContaining(asOf, timezone);
  const backtestKey = `${ctx.model.version}|${current.label}|${localDayNumber(asOf, timezone)}`;
  const previous = await store.documents.getJson<StoredForecast>('forecast');
  let backtest: BacktestInput[] | BacktestResult;
  if (previous?.backtestKey === backtestKey && previous.backtest) backtest = previous.backtest;
  else {
    const replays = replaysFor(backtestPeriods(current, history, timezone), ctx);
    const past = replays.map(() => [] as ForecastDeal[]);
    // A replayed quarter's forecast keeps only its population (forecastPeriod's own filter: open at
    // its first instant with the close date as it stood then inside it; closeDateAsOf follows
    // compileDeal's rule). The history tells which deals those are, so only they are read and
    // compiled, not every deal with its activities a second time.
    const inReplays = (h: HistoryDeal) =>
      replays.flatMap(({ period }, k) => (inForecastPopulation(h, period.startMs, period) ? [k] : []));
    const ids: string[] = [];
    for (const h of history) if (inReplays(h).length > 0) ids.push(h.id);
    for await (const chunk of store.deals.readDealRecords(ids)) {
      for (const stored of chunk) {
        const h = input.history.get(stored.deal.id);
        if (!h) continue;
        const ks = inReplays(h);
        const record = { ...stored, pipeline: input.pipelines.get(stored.deal.pipelineId) ?? null };
        replayDeal(
          record,
          h,
          ks.map((k) => replays[k]!),
        ).forEach((d, j) => {
          const k = ks[j]!;
          const { period } = replays[k]!;
          if (d && d.closeDate >= period.startDay && d.closeDate < period.endDay) past[k]!.push(d);
        });
      }
    }
    backtest = replays.map((r, k) => ({ period: r.period, deals: past[k]! }));
  }
  const doc: StoredForecast = {
    ...buildForecastDocument({
      asOf,
      timezone,
      deals: input.open,
      history,
      backtest,
      owners: input.owners,
      targets: input.targets,
    }),
    backtestKey,
  };
  await store.documents.setJson('forecast', doc);
  return doc;
}
