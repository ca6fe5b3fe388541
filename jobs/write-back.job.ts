import type { HealthWrite, WriteFailure } from '../connectors/crm-connector.ts';
import {
  changedHealthFields,
  type HealthFieldValues,
  toHealthFieldValues,
} from '../src/domain/health-fields.ts';
import { AppError } from '../src/shared/app-error.ts';
import { type CyclePayload, CyclePayloadSchema } from './cycle-payload.ts';
import { type JobDefinition, progressReporter, requireTenant } from './job-definition.ts';
import { stepLease } from './step-lease.ts';

export interface WriteBackSummary {
  /** Deals whose values changed since last written. */
  changed: number;
  written: number;
  /** Interrupted writes (crash) found already applied in the CRM, so not written again. */
  recovered: number;
  failed: number;
  /** The first failures with the CRM's reason (all are counted). */
  failures: WriteFailure[];
  apiCalls: number;
  rateLimited: number;
  durationMs: number;
}

/** Writes are handed to the connector this many at a time, each slice guarded by write intents. */
const SLICE = 1_000;

function sameValue(a: unknown, b: unknown): boolean {
  const norm = (v: unknown) => (v === null || v === undefined || v === '' ? '' : String(v));
  if (typeof a === 'number' || typeof b === 'number')
    return Math.abs(Number(a) - Number(b)) < 1e-9 || norm(a) === norm(b);
  return norm(a) === norm(b);
}

/** True when the CRM already holds every value of the intent. */
function landed(intent: Partial<HealthFieldValues>, crm: Partial<HealthFieldValues> | undefined): boolean {
  if (crm === undefined) return false;
  return Object.entries(intent).every(
    ([k, v]) => k === 'scoredAt' || sameValue(v, crm[k as keyof HealthFieldValues]),
  );
}

/**
 * Write changed health values back to the CRM. Exactly-once effect on an at-least-once job: the
 * values are recorded as intents before the CRM call and as written after it; after a crash the
 * intents are checked against the CRM (one batched read) so nothing is written twice, and
 * "last written" only moves on success.
 */
export const writeBackJob: JobDefinition<CyclePayload, WriteBackSummary> = {
  name: 'write-back',
  payload: CyclePayloadSchema,
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 5_000 } },
  async process(job, payload, deps) {
    const started = deps.now();
    const tenant = await requireTenant(deps, payload.tenantId);
    const store = deps.store(tenant.id);
    const connector = deps.connector(tenant);
    const fence = store.effectFence(stepLease(job));
    const before = connector.usage();

    let recovered = 0;
    const intents = await store.getWriteIntents();
    if (intents.size > 0) {
      const inCrm = await connector.readHealth([...intents.keys()]);
      const done = new Map([...intents].filter(([id, intent]) => landed(intent, inCrm.get(id))));
      await store.markWritten(done);
      await store.clearWriteIntents([...intents.keys()].filter((id) => !done.has(id)));
      recovered = done.size;
    }

    const writes: HealthWrite[] = [];
    for await (const results of store.iterateResults()) {
      const written = await store.getWritten(results.map((r) => r.dealId));
      for (const r of results) {
        const values = changedHealthFields(written.get(r.dealId), toHealthFieldValues(r));
        if (Object.keys(values).length > 0) writes.push({ dealId: r.dealId, values });
      }
    }

    const report = progressReporter(deps, tenant.id, payload.runId, 'write-back', 'deals');
    let writtenCount = 0;
    const failures: WriteFailure[] = [];
    let retryable = 0;
    for (let i = 0; i < writes.length; i += SLICE) {
      const slice = writes.slice(i, i + SLICE);
      const values = new Map(slice.map((w) => [w.dealId, w.values]));
      // Each CRM batch is fenced: its intents are stored only while this worker still owns the step.
      const outcome = await connector.writeHealth(slice, {
        beforeBatch: (ids) => fence.saveWriteIntents(new Map(ids.map((id) => [id, values.get(id) ?? {}]))),
      });
      const ok = new Set(outcome.written);
      await store.markWritten(
        new Map(slice.filter((w) => ok.has(w.dealId)).map((w) => [w.dealId, w.values])),
      );
      await store.clearWriteIntents(outcome.failed.map((f) => f.dealId));
      writtenCount += ok.size;
      for (const f of outcome.failed) {
        if (f.retryable) retryable += 1;
        failures.push(f);
      }
      report(writtenCount, writes.length);
    }
    for (const f of failures) {
      deps.logger.warn(
        { tenantId: tenant.id, dealId: f.dealId, code: f.code, reason: f.message },
        'write failed',
      );
    }
    if (retryable > 0) {
      // The retry diffs again, so only what did not land is written.
      throw new AppError(
        'CRM_UNAVAILABLE',
        `${retryable} of ${writes.length} writes failed transiently; retrying`,
      );
    }
    const after = connector.usage();
    const summary: WriteBackSummary = {
      changed: writes.length,
      written: writtenCount,
      recovered,
      failed: failures.length,
      failures: failures.slice(0, 20),
      apiCalls: after.calls - before.calls,
      rateLimited: after.rateLimited - before.rateLimited,
      durationMs: deps.now() - started,
    };
    return summary;
  },
};
