// Test support: the forecast document of a generated world, built the way the score job builds it
// (history of every deal, open deals scored as of the world's today, past quarters replayed).

import type { Owner, Target } from '../../../../src/domain/index.ts';
import { worldToRecords } from '../../../../src/cli/world-records.ts';
import { generateWorld } from '../../../../src/sandbox/generator/generate-world.ts';
import {
  backtestPeriods,
  buildForecastDocument,
  calibrate,
  compileDeal,
  createScoringContext,
  type ForecastDeal,
  type ForecastDocument,
  forecastDealFrom,
  historyDealFrom,
  learnNorms,
  outcomeOf,
  quarterContaining,
  replayDeal,
  replaysFor,
  scoreDeal,
} from '../../../../src/scoring/index.ts';

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
  const world = generateWorld({ seed: options.seed, deals: options.deals, now: options.now });
  const { records, now } = worldToRecords(world, [], 'generated');
  const outcomes = records.flatMap((r) => outcomeOf(r) ?? []);
  const norms = learnNorms(
    records.map((r) => compileDeal(r, { asOf: now })),
    outcomes,
  );
  const model = options.fit ? calibrate(records, { seed: 1 }).model : null;
  const ctx = createScoringContext({ asOf: now, norms, model });
  const history = records.map((r) => historyDealFrom(r.deal));
  const replays = replaysFor(backtestPeriods(quarterContaining(now, timezone), history, timezone), ctx);
  const past = replays.map(() => [] as ForecastDeal[]);
  const open: ForecastDeal[] = [];
  records.forEach((r, i) => {
    if (!r.deal.isClosed) {
      const input = compileDeal(r, { asOf: now });
      open.push(forecastDealFrom(input, scoreDeal(input, ctx)));
    }
    replayDeal(r, history[i]!, replays).forEach((d, k) => {
      if (d) past[k]!.push(d);
    });
  });
  const owners: Owner[] = world.owners.map((o) => ({
    id: `o${o.n}`,
    name: `${o.firstName} ${o.lastName}`,
    email: o.email,
    team: o.team,
  }));
  const targets: Target[] = world.targets.map((t) => ({
    ownerId: t.ownerN === null ? null : `o${t.ownerN}`,
    periodStart: t.periodStart,
    periodEnd: t.periodEnd,
    amount: t.amount,
  }));
  const doc = buildForecastDocument({
    asOf: now,
    timezone,
    deals: open,
    history,
    backtest: replays.map((r, k) => ({ period: r.period, deals: past[k]! })),
    owners,
    targets,
    seed: options.forecastSeed ?? 1,
    ...(options.draws !== undefined ? { draws: options.draws } : {}),
  });
  return { doc, modelVersion: ctx.model.version };
}
