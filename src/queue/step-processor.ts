import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { CyclePayload } from '../../jobs/cycle-payload.ts';
import type { JobDeps } from '../../jobs/job-deps.ts';
import { parsePayload } from '../../jobs/job-definition.ts';
import { summarise } from '../../jobs/finalize.job.ts';
import { isAppError } from '../shared/app-error.ts';
import { decideFailure } from '../shared/failure-decision.ts';
import { redactString } from '../shared/redact.ts';
import { redactErrorInPlace } from '../shared/redact-error.ts';
import { CYCLE_LOCK_TTL_MS } from './cycle-launcher.ts';
import { JOBS_BY_NAME } from './step-registry.ts';

/**
 * Runs one job through its definition and turns failures into BullMQ's three outcomes (STYLE.md
 * #2): `retry` rethrows (attempts with backoff), `wait_until` moves the job to delayed until the
 * CRM's reset time (not counted as an attempt, and no worker slot is held while waiting),
 * `fail` throws UnrecoverableError (no retry without a human).
 */
export async function processJob(job: Job, token: string | undefined, deps: JobDeps): Promise<unknown> {
  const definition = JOBS_BY_NAME.get(job.name);
  if (definition === undefined) throw new UnrecoverableError(`Unknown job "${job.name}"`);
  const payload = parsePayload(definition, job.data) as unknown as Partial<CyclePayload>;
  const store = payload.tenantId === undefined ? undefined : deps.store(payload.tenantId);
  if (store && payload.runId !== undefined) await store.refreshCycleLock(payload.runId, CYCLE_LOCK_TTL_MS);
  deps.logger.info(
    { tenantId: payload.tenantId, runId: payload.runId, step: job.name, attempt: job.attemptsMade + 1 },
    `${job.name} started`,
  );
  try {
    const result = await definition.process(job, payload as never, deps);
    if (store && payload.runId !== undefined && job.name !== 'finalize') {
      await store.recordStep(payload.runId, job.name, result as Record<string, unknown>);
    }
    return result;
  } catch (err) {
    redactErrorInPlace(err);
    const decision = decideFailure(err, deps.now());
    deps.logger.warn(
      {
        tenantId: payload.tenantId,
        runId: payload.runId,
        step: job.name,
        attempt: job.attemptsMade + 1,
        decision,
      },
      `${job.name} failed: ${decision.reason}`,
    );
    if (decision.action === 'wait_until' && token !== undefined) {
      await job.moveToDelayed(decision.until, token);
      throw new DelayedError(
        redactString(`waiting until ${new Date(decision.until).toISOString()}: ${decision.reason}`),
      );
    }
    if (decision.action === 'fail') {
      throw new UnrecoverableError(
        redactString(`${decision.code}: ${isAppError(err) ? err.message : decision.reason}`),
      );
    }
    throw err;
  }
}

/**
 * Called when a job failed for good (attempts used up or unrecoverable): the run is recorded as
 * failed with the step and reason, and the tenant's cycle lock is released.
 */
export async function onFinalFailure(job: Job, error: Error, deps: JobDeps): Promise<void> {
  const data = job.data as Partial<CyclePayload>;
  // A parent failed because a child failed: the child already recorded the run with its own reason.
  if (/^child .+ failed$/.test(error.message)) return;
  if (data.tenantId === undefined || data.runId === undefined || data.asOf === undefined) return;
  const store = deps.store(data.tenantId);
  const steps = await store.runSteps(data.runId);
  const summary = summarise(data as CyclePayload, steps, deps.now(), 'failed');
  const code = /^([A-Z_]+): /.exec(error.message)?.[1] ?? 'INTERNAL';
  summary.error = { step: job.name, code, message: redactString(error.message) };
  await store.recordRun(summary as unknown as Record<string, unknown>);
  await store.releaseCycleLock(data.runId);
}

export function isFinalFailure(job: Job, error: Error): boolean {
  if (error instanceof UnrecoverableError || error.name === 'UnrecoverableError') return true;
  return job.attemptsMade >= (job.opts.attempts ?? 1);
}
