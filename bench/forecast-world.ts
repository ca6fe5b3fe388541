// Bench and test support: the forecast inputs and document of a generated world, built the way the score job
// builds them (history of every deal, open deals scored as of the world's today, past quarters
// replayed), but in memory.

import { worldToRecords } from '../src/cli/world-records.ts';
import type { Owner, Pipeline, Target } from '../src/domain/index.ts';
import { generateWorld } from '../src/sandbox/generator/generate-world.ts';
import type { SandboxWorld } from '../src/sandbox/world.ts';
import {
  backtestPeriods,
  buildForecastDocument,
  calibrate,
  compileDeal,
  createScoringContext,
  type DealRecord,
  type ForecastDeal,
  type ForecastDocument,
  forecastDealFrom,
  type HistoryDeal,
  historyDealFrom,
  learnNorms,
  outcomeOf,
  quarterContaining,
  replayDeal,
  replaysFor,
  type ScoringContext,
  scoreDeal,
} from '../src/scoring/index.ts';

export interface WorldInputs {
  world: SandboxWorld;
  records: DealRecord[];
  now: number;
  ctx: ScoringContext;
  history: HistoryDeal[];
  open: ForecastDeal[];
  owners: Owner[];
  targets: Target[];
  pipelines: Map<string, Pipeline>;
}

export function worldInputs(options: {
  seed: number;
  deals: number;
  now: string;
  fit?: boolean;
}): WorldInputs {
  const world = generateWorld({ seed: options.seed, deals: options.deals, now: options.now });
  const { records, now } = worldToRecords(world, [], 'generated');
  const norms = learnNorms(
    records.map((r) => compileDeal(r, { asOf: now })),
    records.flatMap((r) => outcomeOf(r) ?? []),
  );
  const model = options.fit ? calibrate(records, { seed: 1 }).model : null;
  const ctx = createScoringContext({ asOf: now, norms, model });
  const open: ForecastDeal[] = [];
  for (const r of records) {
    if (r.deal.isClosed) continue;
    const input = compileDeal(r, { asOf: now });
    open.push(forecastDealFrom(input, scoreDeal(input, ctx)));
  }
  const pipelines = new Map<string, Pipeline>();
  for (const r of records) if (r.pipeline) pipelines.set(r.pipeline.id, r.pipeline);
  return {
    world,
    records,
    now,
    ctx,
    history: records.map((r) => historyDealFrom(r.deal)),
    open,
    owners: world.owners.map((o) => ({
      id: `o${o.n}`,
      name: `${o.firstName} ${o.lastName}`,
      email: o.email,
      team: o.team,
    })),
    targets: world.targets.map((t) => ({
      ownerId: t.ownerN === null ? null : `o${t.ownerN}`,
      periodStart: t.periodStart,
      periodEnd: t.periodEnd,
      amount: t.amount,
    })),
    pipelines,
  };
}

export interface WorldForecast {
  doc: ForecastDocument;
  modelVersion: string;
}

export function worldForecast(options: {
  seed: number;
  deals: number;
  now: string;
  timezone?: string;
  fit?: boolean;
  forecastSeed?: number;
  draws?: number;
}): WorldForecast {
  const timezone = options.timezone ?? 'UTC';
  const inputs = worldInputs(options);
  const { now, ctx, history, records } = inputs;
  const replays = replaysFor(backtestPeriods(quarterContaining(now, timezone), history, timezone), ctx);
  const past = replays.map(() => [] as ForecastDeal[]);
  records.forEach((r, i) => {
    replayDeal(r, history[i]!, replays).forEach((d, k) => {
      if (d) past[k]!.push(d);
    });
  });
  const doc = buildForecastDocument({
    asOf: now,
    timezone,
    deals: inputs.open,
    history,
    backtest: replays.map((r, k) => ({ period: r.period, deals: past[k]! })),
    owners: inputs.owners,
    targets: inputs.targets,
    seed: options.forecastSeed ?? 1,
    ...(options.draws !== undefined ? { draws: options.draws } : {}),
  });
  return { doc, modelVersion: ctx.model.version };
}
