import { z } from 'zod';
import {
  buildQualificationIndicators,
  calibrate,
  type CalibrationReport,
  type DealRecord,
  type FieldIndicator,
  type FieldSample,
  type FieldEffect,
  fieldEffects,
  outcomeOf,
  ScoringModelSchema,
} from '../src/scoring/index.ts';
import type { Tenant } from '../src/domain/index.ts';
import type { TenantStateStore } from '../src/store/tenant-state.store.ts';
import { type JobDefinition, requireTenant } from './job-definition.ts';

const TrainPayloadSchema = z.object({
  tenantId: z.string().min(1),
  /** The moment training looks back from (ISO); closed deals up to it are used. */
  asOf: z.iso.datetime({ offset: true }),
  /** Days before each close at which indicators are reconstructed. */
  leadDays: z.number().int().min(1).max(180).optional(),
  seed: z.number().int().default(1),
});
export type TrainPayload = z.infer<typeof TrainPayloadSchema>;

/** The stored quality report: the calibration report plus each qualification field's learned effect. */
export interface TrainingReport extends CalibrationReport {
  qualificationFields: FieldEffect[];
}

/**
 * Closed deals a model is fitted from, at most: the most recently closed ones. Bounds the worker's
 * memory on large tenants (each record carries its activities); far more than a logistic model of
 * a few dozen indicators needs.
 */
const MAX_TRAINING_DEALS = 20_000;

/**
 * A tenant's stored closed deals (the most recent MAX_TRAINING_DEALS) and its qualification-field
 * indicators learned from every closed deal. Two passes: deal snapshots alone to pick the deals
 * and gather field outcomes, then the chosen deals with their activities.
 */
export async function loadTrainingData(
  store: TenantStateStore,
  tenant: Tenant,
  signal?: AbortSignal,
): Promise<{ records: DealRecord[]; extraIndicators: FieldIndicator[] }> {
  const metadata = await store.sync.getMetadata();
  const pipelines = new Map((metadata?.pipelines ?? []).map((p) => [p.id, p]));
  const qualification = tenant.scoring.qualificationFields.map((f) => f.field);
  const closed: { id: string; closedAt: number }[] = [];
  const fieldSamples: FieldSample[] = [];
  for await (const deals of store.deals.iterateDealSnapshots()) {
    // A stopping worker cancels the step between chunks (the fit itself runs to its end).
    signal?.throwIfAborted();
    for (const deal of deals) {
      if (!deal.isClosed) continue;
      const closedAt = Date.parse(deal.closedAt ?? '');
      closed.push({ id: deal.id, closedAt: Number.isNaN(closedAt) ? 0 : closedAt });
      if (qualification.length > 0) {
        const fields: Record<string, FieldSample['fields'][string]> = {};
        for (const f of qualification) if (f in deal.fields) fields[f] = deal.fields[f]!;
        fieldSamples.push({ dealId: deal.id, fields, outcome: outcomeOf({ deal, activities: [] }) });
      }
    }
  }
  // The most recent closes (ties by id, so the choice does not depend on Redis' scan order),
  // loaded in id order as before for a deterministic fit.
  closed.sort((a, b) => b.closedAt - a.closedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const chosen = closed
    .slice(0, MAX_TRAINING_DEALS)
    .map((c) => c.id)
    .sort();
  const records: DealRecord[] = [];
  for await (const chunk of store.deals.readDealRecords(chosen)) {
    signal?.throwIfAborted();
    for (const stored of chunk) {
      records.push({ ...stored, pipeline: pipelines.get(stored.deal.pipelineId) ?? null });
    }
  }
  // Qualification fields (issue 9): value -> win-rate encodings are time-stamped, so each closed
  // deal, reconstructed at its cut-off, only sees outcomes of deals closed before that cut-off.
  const extraIndicators = buildQualificationIndicators(tenant.scoring.qualificationFields, fieldSamples);
  return { records, extraIndicators };
}

/**
 * Fit the tenant's win model from its closed deals (indicators reconstructed before each close, so
 * nothing after the outcome leaks in) and store the model and its quality report. With too few
 * closed deals the prior weights stay and the report says so.
 */
export const trainJob: JobDefinition<TrainPayload, TrainingReport> = {
  name: 'train',
  payload: TrainPayloadSchema,
  retry: { attempts: 2, backoff: { type: 'exponential', delay: 5_000 } },
  async process(_job, payload, deps, signal) {
    const tenant = await requireTenant(deps, payload.tenantId);
    const store = deps.store(tenant.id);
    const { records, extraIndicators } = await loadTrainingData(store, tenant, signal);
    // Retraining follows the same adoption rule; the report names the model it replaces or withdraws.
    const current = ScoringModelSchema.safeParse(await store.documents.getJson<unknown>('model'));
    const { model, report: calibration } = calibrate(records, {
      currentModel: current.success ? current.data : null,
      seed: payload.seed,
      extraIndicators,
      ...(payload.leadDays === undefined ? {} : { leadDays: payload.leadDays }),
    });
    const report: TrainingReport = {
      ...calibration,
      qualificationFields: fieldEffects(extraIndicators, Date.parse(payload.asOf), calibration.coefficients),
    };
    await store.documents.setJson('model', model);
    await store.documents.setJson('trainingReport', report);
    return report;
  },
};
