import type { Band, HealthResult } from '../src/domain/health-result.ts';
import { type AlertCandidate, detectAlerts } from '../src/scoring/alert-rules.ts';
import {
  buildQualificationIndicators,
  compileDeal,
  createScoringContext,
  type DealInput,
  type DealOutcome,
  type FieldSample,
  learnNorms,
  outcomeOf,
  pipelineDealFrom,
  type RollupRow,
  rollupPipelineHealth,
  ScoringModelSchema,
  scoreDeal,
} from '../src/scoring/index.ts';
import { type CyclePayload, CyclePayloadSchema } from './cycle-payload.ts';
import { type JobDefinition, progressReporter, requireTenant } from './job-definition.ts';

/** Pipeline health per owner, team and total for the current calendar quarter (UTC dates). */
export interface StoredPipelineHealth {
  asOf: string;
  period: { start: string; end: string };
  rows: RollupRow[];
}

export function quarterOf(epochMs: number): { start: string; end: string } {
  const d = new Date(epochMs);
  const q = Math.floor(d.getUTCMonth() / 3);
  const start = new Date(Date.UTC(d.getUTCFullYear(), q * 3, 1));
  const end = new Date(Date.UTC(d.getUTCFullYear(), q * 3 + 3, 0));
  return { start: start.toISOString().slice(0, 10), end: end.toISOString().slice(0, 10) };
}

export interface ScoreSummary {
  deals: number;
  scored: number;
  bands: Record<Band, number>;
  alertCandidates: number;
  modelVersion: string;
  durationMs: number;
}

/** An alert a scored deal warrants, kept for the alert step of the same run. */
export interface StoredAlertCandidate extends AlertCandidate {
  dealId: string;
  dealName: string;
  ownerId: string | null;
}

/**
 * Score every open deal as of the run's fixed `asOf` with norms learned from the tenant's stored
 * history and its calibrated model (priors when none). Pure computation over stored state: a
 * retry computes the same results.
 */
export const scoreJob: JobDefinition<CyclePayload, ScoreSummary> = {
  name: 'score',
  payload: CyclePayloadSchema,
  retry: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 } },
  async process(_job, payload, deps) {
    const started = deps.now();
    const tenant = await requireTenant(deps, payload.tenantId);
    const store = deps.store(tenant.id);
    const asOf = Date.parse(payload.asOf);
    const metadata = await store.getMetadata();
    const pipelines = new Map((metadata?.pipelines ?? []).map((p) => [p.id, p]));

    const open: { input: DealInput; name: string }[] = [];
    const closedIds: string[] = [];
    const inputs: DealInput[] = [];
    const outcomes: DealOutcome[] = [];
    const fieldSamples: FieldSample[] = [];
    for await (const chunk of store.iterateDeals()) {
      for (const stored of chunk) {
        const record = { ...stored, pipeline: pipelines.get(stored.deal.pipelineId) ?? null };
        const input = compileDeal(record, { asOf });
        inputs.push(input);
        const outcome = outcomeOf(record);
        if (outcome) outcomes.push(outcome);
        fieldSamples.push({ fields: stored.deal.fields, outcome });
        if (stored.deal.isClosed) closedIds.push(stored.deal.id);
        else open.push({ input, name: stored.deal.name });
      }
    }
    const norms = learnNorms(inputs, outcomes);
    await store.setJson('norms', norms);
    const modelJson = await store.getJson<unknown>('model');
    const model = modelJson === null ? null : ScoringModelSchema.parse(modelJson);
    // Qualification fields (issue 9): each value judged by its win rate among deals closed before asOf.
    const extraIndicators = buildQualificationIndicators(tenant.scoring.qualificationFields, fieldSamples);
    const ctx = createScoringContext({ asOf, norms, scoring: tenant.scoring, model, extraIndicators });

    const ids = open.map((o) => o.input.id);
    const previous = await store.previousScores(ids, asOf);
    const lastResults = await store.getResults(ids);
    const results: HealthResult[] = [];
    const candidates: StoredAlertCandidate[] = [];
    const bands: Record<Band, number> = { healthy: 0, watch: 0, at_risk: 0 };
    const report = progressReporter(deps, tenant.id, payload.runId, 'score', 'deals');
    for (const { input, name } of open) {
      const result = scoreDeal(input, ctx, previous.get(input.id));
      results.push(result);
      bands[result.band] += 1;
      // A first score has no previous band; a rerun of the same run compares against the band before it.
      const last = lastResults.get(input.id);
      const previousBand = last && last.asOf !== result.asOf ? last.band : null;
      for (const c of detectAlerts(result, input, ctx, previousBand)) {
        candidates.push({ ...c, dealId: input.id, dealName: name, ownerId: input.ownerId });
      }
      if (results.length % 5_000 === 0) report(results.length, open.length);
    }
    // A rerun of this step (after a crash) already overwrote the previous bands with this run's:
    // keep the candidates the first attempt computed against the true previous bands.
    if ((await store.getJson<{ runId: string }>('alertCandidates'))?.runId !== payload.runId) {
      await store.setJson('alertCandidates', { runId: payload.runId, candidates });
    }
    await store.saveResults(results);
    await store.removeResults(closedIds);

    const byId = new Map(results.map((r) => [r.dealId, r]));
    const period = quarterOf(asOf);
    const rows = rollupPipelineHealth(
      inputs.map((i) => pipelineDealFrom(i, byId.get(i.id) ?? null)),
      {
        periods: [period],
        targets: [...(metadata?.targets ?? []), ...tenant.targets],
        owners: metadata?.owners ?? [],
      },
    );
    await store.setJson('pipelineHealth', {
      asOf: payload.asOf,
      period,
      rows,
    } satisfies StoredPipelineHealth);
    report(results.length, open.length);
    return {
      deals: inputs.length,
      scored: results.length,
      bands,
      alertCandidates: candidates.length,
      modelVersion: ctx.model.version,
      durationMs: deps.now() - started,
    };
  },
};
