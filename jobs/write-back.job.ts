import type { HealthWrite, WriteFailure } from '../connectors/crm-connector.ts';
import { changedHealthFields, type HealthFieldValues, toHealthFieldValues } from '../src/domain/index.ts';
import { AppError, isAppError } from '../src/shared/app-error.ts';
import { type CyclePayload, CyclePayloadSchema } from './cycle-payload.ts';
import { type JobDefinition, progressReporter, requireTenant } from './job-definition.ts';
import { SCHEMA_VERSION } from './sync.job.ts';
import { stepLease } from './step-lease.ts';
import { waitForClearedBatches } from './cleared-batches.ts';

export interface WriteBackSummary {
  /** Deals whose values changed since last written. */
  changed: number;
  written: number;
  /** Interrupted writes (crash) found already applied in the CRM, so not written again. */
  recovered: number;
  /** The CRM said a health field was missing: the schema was bootstrapped again and the write retried. */
  schemaRebootstrapped: boolean;
  failed: number;
  /** The first failures with the CRM's reason (all are counted). */
  failures: WriteFailure[];
  apiCalls: number;
  rateLimited: number;
  durationMs: number;
}

/** Writes are handed to the connector this many at a time, each slice guarded by write intents. */
const SLICE = 1_000;
/** Failures kept for the per-record warning log (all are counted). */
const MAX_FAILURES_KEPT = 1_000;

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
  async process(job, payload, deps, signal) {
    const started = deps.now();
    const tenant = await requireTenant(deps, payload.tenantId);
    const store = deps.store(tenant.id);
    const connector = deps.connector(tenant);
    const fence = store.runs.effectFence(stepLease(job));
    const before = connector.usage();

    let recovered = 0;
    const intents = await store.written.getWriteIntents();
    if (intents.size > 0) {
      // A batch another worker (or an earlier attempt) was cleared to send just before it paused or
      // died may still be on its way to the CRM: read what landed only once it must have been sent
      // or dropped (send window) and answered or abandoned (request deadline).
      await waitForClearedBatches(store, deps, signal);
      const inCrm = await connector.readHealth([...intents.keys()], { signal });
      const done = new Map([...intents].filter(([id, intent]) => landed(intent, inCrm.get(id))));
      await store.written.markWritten(done);
      await store.written.clearWriteIntents(new Map([...intents].filter(([id]) => !done.has(id))));
      recovered = done.size;
    }

    // Streamed: changed values are diffed one stored chunk at a time and written a slice at a
    // time, so memory stays bounded by the slice, not by the tenant's deal count.
    const report = progressReporter(deps, tenant.id, payload.runId, 'write-back', 'deals');
    let changed = 0;
    let writtenCount = 0;
    const failures: WriteFailure[] = [];
    let failedCount = 0;
    let retryable = 0;
    // The schema marker may be stale (another portal/org, fields deleted): bootstrap once, retry.
    let schemaRebootstrapped = false;
    const write = async (slice: HealthWrite[]) => {
      const values = new Map(slice.map((w) => [w.dealId, w.values]));
      // Each CRM batch is fenced: its intents are stored only while this worker still owns the step.
      const options = {
        signal,
        beforeBatch: (ids: string[]) =>
          fence.saveWriteIntents(new Map(ids.map((id) => [id, values.get(id) ?? {}]))),
      };
      try {
        return await connector.writeHealth(slice, options);
      } catch (err) {
        if (schemaRebootstrapped || !isAppError(err) || err.code !== 'CRM_SCHEMA_MISSING') throw err;
        schemaRebootstrapped = true;
        deps.logger.warn(
          { tenantId: tenant.id, reason: err.message },
          'health fields missing: bootstrapping again',
        );
        await connector.bootstrapSchema({ signal });
        await store.documents.setJson('schema', SCHEMA_VERSION);
        try {
          return await connector.writeHealth(slice, options);
        } catch (again) {
          // Still missing after a fresh bootstrap: not our schema but the CRM's permissions (e.g.
          // the Salesforce permission set not assigned). Fail with the CRM's own classification.
          if (isAppError(again) && again.code === 'CRM_SCHEMA_MISSING' && isAppError(again.cause))
            throw again.cause;
          throw again;
        }
      }
    };
    const writeSlice = async (slice: HealthWrite[]) => {
      const outcome = await write(slice);
      const ok = new Set(outcome.written);
      await store.written.markWritten(
        new Map(slice.filter((w) => ok.has(w.dealId)).map((w) => [w.dealId, w.values])),
      );
      // Only the intents this worker stored (a successor's stay, if this worker lost the step).
      const sent = new Map(slice.map((w) => [w.dealId, w.values]));
      await store.written.clearWriteIntents(
        new Map(outcome.failed.map((f) => [f.dealId, sent.get(f.dealId) ?? {}])),
      );
      writtenCount += ok.size;
      for (const f of outcome.failed) {
        if (f.retryable) retryable += 1;
        failedCount += 1;
        if (failures.length < MAX_FAILURES_KEPT) failures.push(f);
      }
      report(writtenCount, null);
    };
    const pending: HealthWrite[] = [];
    for await (const results of store.results.iterateResults()) {
      const written = await store.written.getWritten(results.map((r) => r.dealId));
      for (const r of results) {
        const values = changedHealthFields(written.get(r.dealId), toHealthFieldValues(r));
        if (Object.keys(values).length === 0) continue;
        pending.push({ dealId: r.dealId, values });
        changed += 1;
      }
      while (pending.length >= SLICE) await writeSlice(pending.splice(0, SLICE));
    }
    if (pending.length > 0) await writeSlice(pending);
    for (const f of failures) {
      deps.logger.warn(
        { tenantId: tenant.id, dealId: f.dealId, code: f.code, reason: f.message },
        'write failed',
      );
    }
    if (retryable > 0) {
      // The retry diffs again, so only what did not land is written.
      throw new AppError('CRM_UNAVAILABLE', `${retryable} of ${changed} writes failed transiently; retrying`);
    }
    const after = connector.usage();
    const summary: WriteBackSummary = {
      changed,
      written: writtenCount,
      recovered,
      schemaRebootstrapped,
      failed: failedCount,
      failures: failures.slice(0, 20),
      apiCalls: after.calls - before.calls,
      rateLimited: after.rateLimited - before.rateLimited,
      durationMs: deps.now() - started,
    };
    return summary;
  },
};
