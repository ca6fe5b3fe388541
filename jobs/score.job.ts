import type { Band, HealthResult } from '../src/domain/index.ts';
import { actionLifts } from '../src/scoring/action-lift.ts';
import { type AlertCandidate, detectAlerts } from '../src/scoring/alert-rules.ts';
import {
  buildQualificationIndicators,
  compileDeal,
  createScoringContext,
  type DealInput,
  type FieldSample,
  type ForecastDeal,
  forecastDealFrom,
  HistoryTable,
  NormsLearner,
  outcomeOf,
  PRIOR_MODEL,
  pipelineDealFrom,
  priorScoreOf,
  PipelineRollup,
  type RollupRow,
  ScoringModelSchema,
  scoreDeal,
  TeamElementTally,
} from '../src/scoring/index.ts';
import { type CyclePayload, CyclePayloadSchema } from './cycle-payload.ts';
import { dealSampler } from './deal-sample.ts';
import { computeAndStoreForecast } from './forecast-step.ts';
import { closeScoredDeals, serveModel } from './live-accuracy-step.ts';
import { whatChangedHook } from './what-changed-step.ts';
import { type JobDefinition, progressReporter, requireTenant } from './job-definition.ts';

/** Pipeline health per owner, team and total for the current calendar quarter (UTC dates). */
export interface StoredPipelineHealth {
  asOf: string;
  period: { start: string; end: string };
  rows: RollupRow[];
}

function quarterOf(epochMs: number): { start: string; end: string } {
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
  /** Results dropped because their deal closed. */
  resultsRemoved: number;
  /** Closed deals recorded against their live score of 30 days before (live accuracy). */
  outcomesRecorded: number;
  /** Why the stored model is not served (it did worse than the prior live); absent when it is. */
  modelFallback?: string;
  modelVersion: string;
  durationMs: number;
}

/** A deal compiled as of the run, with what pass 2 needs of its stored record. */
interface CompiledDeal {
  input: DealInput;
  name: string;
  isClosed: boolean;
}

/** Compiled deals the norms are learned from, at most (a deterministic sample above it). */
const NORMS_SAMPLE = 100_000;

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
  async process(_job, payload, deps, signal) {
    const started = deps.now();
    const tenant = await requireTenant(deps, payload.tenantId);
    const store = deps.store(tenant.id);
    const asOf = Date.parse(payload.asOf);
    const metadata = await store.sync.getMetadata();
    const pipelines = new Map((metadata?.pipelines ?? []).map((p) => [p.id, p]));
    const qualification = tenant.scoring.qualificationFields.map((f) => f.field);

    // Pass 1, statistics: outcomes and qualification values of every deal (small), and compiled
    // deals for the norms from a deterministic sample; the norms are learned deal by deal (only
    // the numbers each adds are kept), so memory stays bounded on large tenants.
    const total = await store.deals.dealCount();
    const sampled = dealSampler(total, NORMS_SAMPLE);
    const learner = new NormsLearner();
    const fieldSamples: FieldSample[] = [];
    const history = new HistoryTable(total);
    // When every deal is in the sample, pass 1 compiles them all already: pass 2 scores those
    // instead of reading, decoding and compiling every deal again (bounded: at most NORMS_SAMPLE).
    let compiledChunks: CompiledDeal[][] | null = sampled.all ? [] : null;
    let dealCount = 0;
    for await (const chunk of store.deals.iterateDeals()) {
      // A stopping worker cancels the step (put back, rerun from the start): at most a chunk late.
      signal?.throwIfAborted();
      const compiled: CompiledDeal[] = [];
      for (const stored of chunk) {
        dealCount += 1;
        const record = { ...stored, pipeline: pipelines.get(stored.deal.pipelineId) ?? null };
        const outcome = outcomeOf(record);
        if (outcome) learner.addOutcome(outcome);
        history.add(stored.deal);
        if (qualification.length > 0) {
          const fields: Record<string, FieldSample['fields'][string]> = {};
          for (const f of qualification) if (f in stored.deal.fields) fields[f] = stored.deal.fields[f]!;
          fieldSamples.push({ fields, outcome });
        }
        if (sampled(stored.deal.id)) {
          const input = compileDeal(record, { asOf });
          learner.addDeal(input);
          if (compiledChunks !== null)
            compiled.push({ input, name: stored.deal.name, isClosed: stored.deal.isClosed });
        }
      }
      compiledChunks?.push(compiled);
    }
    const norms = learner.norms();
    await store.documents.setJson('norms', norms);
    const modelJson = await store.documents.getJson<unknown>('model');
    const storedModel = modelJson === null ? null : ScoringModelSchema.parse(modelJson);
    // Live accuracy: a stored model that did worse than the prior on deals closed since is not served.
    const served = await serveModel(store, storedModel, PRIOR_MODEL.version, asOf);
    const model = served.model;
    // Qualification fields (issue 9): each value judged by its win rate among deals closed before asOf.
    const extraIndicators = buildQualificationIndicators(tenant.scoring.qualificationFields, fieldSamples);
    fieldSamples.length = 0;
    const ctx = createScoringContext({ asOf, norms, scoring: tenant.scoring, model, extraIndicators });

    // Pass 2, scoring chunk by chunk: each chunk's results and the alert candidates they raise are
    // saved together, so a rerun after a crash keeps the candidates computed against the bands
    // before this run (deals already scored as of this run are not compared again).
    const bands: Record<Band, number> = { healthy: 0, watch: 0, at_risk: 0 };
    const targets = [...(metadata?.targets ?? []), ...tenant.targets];
    const period = quarterOf(asOf);
    // Summed as the deals come (per owner, team and total), not one object per deal.
    const rollup = new PipelineRollup({ periods: [period], targets, owners: metadata?.owners ?? [] });
    const elements = new TeamElementTally();
    const forecastDeals: ForecastDeal[] = [];
    const report = progressReporter(deps, tenant.id, payload.runId, 'score', 'deals');
    let scored = 0;
    let removed = 0;
    let outcomesRecorded = 0;
    // Pass 1's compiled deals when it kept them (each chunk let go once scored), else a second read.
    const kept = compiledChunks;
    compiledChunks = null;
    const chunks: AsyncIterable<CompiledDeal[]> =
      kept === null
        ? (async function* () {
            for await (const chunk of store.deals.iterateDeals()) {
              yield chunk.map((stored) => ({
                input: compileDeal(
                  { ...stored, pipeline: pipelines.get(stored.deal.pipelineId) ?? null },
                  { asOf },
                ),
                name: stored.deal.name,
                isClosed: stored.deal.isClosed,
              }));
            }
          })()
        : (async function* () {
            while (kept.length > 0) yield kept.shift()!;
          })();
    for await (const chunk of chunks) {
      signal?.throwIfAborted();
      const open: { input: DealInput; name: string }[] = [];
      const closed: DealInput[] = [];
      for (const { input, name, isClosed } of chunk) {
        if (isClosed) {
          closed.push(input);
          rollup.add(pipelineDealFrom(input, null));
        } else open.push({ input, name });
      }
      const ids = open.map((o) => o.input.id);
      const previous = await store.results.previousScores(ids, asOf);
      const lastResults = await store.results.getResults(ids);
      const results: HealthResult[] = [];
      // Beside a fitted model, each deal's prior-weight score goes into its history (live accuracy).
      const priorScores = model === null ? undefined : new Map<string, number>();
      const candidates: StoredAlertCandidate[] = [];
      for (const { input, name } of open) {
        const scoredNow = scoreDeal(input, ctx, previous.get(input.id));
        // What would raise this deal (issue 18): on explain and as the alerts' suggested action.
        const actions = actionLifts(input, ctx, scoredNow);
        const result = actions.length > 0 ? { ...scoredNow, actions } : scoredNow;
        results.push(result);
        priorScores?.set(input.id, priorScoreOf(result.indicators, ctx));
        bands[result.band] += 1;
        rollup.add(pipelineDealFrom(input, result));
        elements.add({ ownerId: input.ownerId, indicators: result.indicators });
        forecastDeals.push(forecastDealFrom(input, result));
        const last = lastResults.get(input.id);
        if (last?.asOf === result.asOf) continue; // scored by an earlier attempt: candidates kept
        // A first score has no previous band.
        for (const c of detectAlerts(result, input, ctx, last ? last.band : null)) {
          candidates.push({ ...c, dealId: input.id, dealName: name, ownerId: input.ownerId });
        }
      }
      await store.results.saveScoredChunk(results, payload.runId, candidates, priorScores);
      // Closed deals lose their result (only those that have one are touched), recording their outcome.
      const closing = await closeScoredDeals(store, closed, asOf, served.versionAt);
      removed += closing.removed;
      outcomesRecorded += closing.recorded;
      scored += results.length;
      report(scored, null);
    }
    signal?.throwIfAborted();
    // Moved in Redis, never read here: a rerun after this point keeps what this attempt kept.
    const alertCandidates = await store.alerts.keepRunCandidates(payload.runId);

    const rows = rollup.rows();
    await store.documents.setJson('pipelineHealth', {
      asOf: payload.asOf,
      period,
      rows,
    } satisfies StoredPipelineHealth);
    await store.documents.setJson('teamElements', { asOf: payload.asOf, ...elements.view() });
    try {
      await computeAndStoreForecast({
        store,
        tenant,
        asOf,
        ctx,
        history,
        open: forecastDeals,
        owners: metadata?.owners ?? [],
        targets,
        pipelines,
      });
    } catch (err) {
      // The forecast is a view on the scores: a fault in it must not stop write-back and alerts.
      // The previous forecast stays (its asOf shows its age); the fault is logged for a fix.
      deps.logger.error(
        { err, tenantId: tenant.id, runId: payload.runId },
        'forecast failed; scores are kept',
      );
    }
    const owners = metadata?.owners ?? [];
    await whatChangedHook({ store, tenant, asOf, bands: ctx.bands, owners }, deps.logger);
    report(scored, scored);
    return {
      deals: dealCount,
      scored,
      resultsRemoved: removed,
      outcomesRecorded,
      ...(served.live.fallBack ? { modelFallback: served.live.reason } : {}),
      bands,
      alertCandidates,
      modelVersion: ctx.model.version,
      durationMs: deps.now() - started,
    };
  },
};
