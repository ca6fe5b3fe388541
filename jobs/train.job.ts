import { z } from 'zod';
import { calibrate, type CalibrationReport } from '../src/scoring/index.ts';
import { type JobDefinition, requireTenant } from './job-definition.ts';

export const TrainPayloadSchema = z.object({
  tenantId: z.string().min(1),
  /** The moment training looks back from (ISO); closed deals up to it are used. */
  asOf: z.iso.datetime({ offset: true }),
  /** Days before each close at which indicators are reconstructed. */
  leadDays: z.number().int().min(1).max(180).optional(),
  seed: z.number().int().default(1),
});
export type TrainPayload = z.infer<typeof TrainPayloadSchema>;

/**
 * Fit the tenant's win model from its closed deals (indicators reconstructed before each close, so
 * nothing after the outcome leaks in) and store the model and its quality report. With too few
 * closed deals the prior weights stay and the report says so.
 */
export const trainJob: JobDefinition<TrainPayload, CalibrationReport> = {
  name: 'train',
  payload: TrainPayloadSchema,
  retry: { attempts: 2, backoff: { type: 'exponential', delay: 5_000 } },
  async process(_job, payload, deps) {
    const tenant = await requireTenant(deps, payload.tenantId);
    const store = deps.store(tenant.id);
    const metadata = await store.getMetadata();
    const pipelines = new Map((metadata?.pipelines ?? []).map((p) => [p.id, p]));
    const records = [];
    for await (const chunk of store.iterateDeals()) {
      for (const stored of chunk) {
        if (stored.deal.isClosed)
          records.push({ ...stored, pipeline: pipelines.get(stored.deal.pipelineId) ?? null });
      }
    }
    const { model, report } = calibrate(records, {
      seed: payload.seed,
      ...(payload.leadDays === undefined ? {} : { leadDays: payload.leadDays }),
    });
    await store.setJson('model', model);
    await store.setJson('trainingReport', report);
    return report;
  },
};
