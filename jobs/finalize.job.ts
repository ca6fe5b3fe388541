import { type CyclePayload, CyclePayloadSchema } from './cycle-payload.ts';
import { type JobDefinition, requireTenant } from './job-definition.ts';

/** The record of one cycle, kept in the tenant's run history and printed by `run` and `demo`. */
export interface RunSummary {
  runId: string;
  tenantId: string;
  trigger: CyclePayload['trigger'];
  status: 'completed' | 'failed';
  asOf: string;
  finishedAt: string;
  steps: Record<string, Record<string, unknown>>;
  apiCalls: number;
  rateLimited: number;
  error?: { step: string; code: string; message: string };
}

export function summarise(
  payload: CyclePayload,
  steps: Record<string, Record<string, unknown>>,
  finishedAt: number,
  status: RunSummary['status'],
): RunSummary {
  let apiCalls = 0;
  let rateLimited = 0;
  for (const s of Object.values(steps)) {
    apiCalls += typeof s.apiCalls === 'number' ? s.apiCalls : 0;
    rateLimited += typeof s.rateLimited === 'number' ? s.rateLimited : 0;
  }
  return {
    runId: payload.runId,
    tenantId: payload.tenantId,
    trigger: payload.trigger,
    status,
    asOf: payload.asOf,
    finishedAt: new Date(finishedAt).toISOString(),
    steps,
    apiCalls,
    rateLimited,
  };
}

/** The parent of a cycle's flow: runs after every step succeeded; records the run and frees the tenant. */
export const finalizeJob: JobDefinition<CyclePayload, RunSummary> = {
  name: 'finalize',
  payload: CyclePayloadSchema,
  retry: { attempts: 3, backoff: { type: 'exponential', delay: 1_000 } },
  async process(_job, payload, deps) {
    const tenant = await requireTenant(deps, payload.tenantId);
    const store = deps.store(tenant.id);
    const summary = summarise(payload, await store.runs.runSteps(payload.runId), deps.now(), 'completed');
    // Recording the run frees its cycle lock in the same script.
    await store.runs.recordRun(summary as unknown as Record<string, unknown>);
    return summary;
  },
};
