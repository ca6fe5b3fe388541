import { DelayedError, type Job, UnrecoverableError } from 'bullmq';
import type { CyclePayload } from '../../jobs/cycle-payload.ts';
import type { JobDeps } from '../../jobs/job-deps.ts';
import { parsePayload } from '../../jobs/job-definition.ts';
import { summarise } from '../../jobs/finalize.job.ts';
import { AppError, isAppError } from '../shared/app-error.ts';
import { decideFailure, failureCode } from '../shared/failure-decision.ts';
import type { TenantStateStore } from '../store/tenant-state.store.ts';
import { redactString } from '../shared/redact.ts';
import { redactErrorInPlace } from '../shared/redact-error.ts';
import { JOBS_BY_NAME } from './step-registry.ts';

/**
 * The abort reason the worker pool gives the active jobs when the process stops (SIGTERM). A step
 * cancelled with it is put back in the queue, not failed: it resumes from its saved progress.
 */
export const WORKER_SHUTDOWN = 'worker shutting down';

/**
 * Runs one job through its definition and turns failures into BullMQ's three outcomes (STYLE.md
 * #2): `retry` rethrows (attempts with backoff), `wait_until` moves the job to delayed until the
 * CRM's reset time (not counted as an attempt, and no worker slot is held while waiting),
 * `fail` throws UnrecoverableError (no retry without a human).
 */
export async function processJob(
  job: Job,
  token: string | undefined,
  deps: JobDeps,
  signal?: AbortSignal,
): Promise<unknown> {
  const definition = JOBS_BY_NAME.get(job.name);
  if (definition === undefined) throw new UnrecoverableError(`Unknown job "${job.name}"`);
  const payload = parsePayload(definition, job.data) as unknown as Partial<CyclePayload>;
  // Fetched while this process stops (a fetch already in flight when the shutdown began): not run.
  if (stopping(signal) && token !== undefined) await putBack(job, token, payload, deps);
  const store = payload.tenantId === undefined ? undefined : deps.store(payload.tenantId);
  if (store && payload.runId !== undefined && token !== undefined) {
    const left = await leaveForAnotherProcess(job, token, payload as CyclePayload, store, deps);
    if (left) throw new DelayedError(left);
  }
  if (store && payload.runId !== undefined) await store.runs.refreshCycleLock(payload.runId);
  // Take the step over before any effect: a worker that held it before (and lost its lock) is fenced off.
  if (store && token !== undefined && job.id !== undefined)
    await store.runs.effectFence({ jobId: job.id, token }).claim();
  deps.logger.info(
    { tenantId: payload.tenantId, runId: payload.runId, step: job.name, attempt: job.attemptsMade + 1 },
    `${job.name} started`,
  );
  try {
    const result = await definition.process(job, payload as never, deps, signal);
    if (store && payload.runId !== undefined && job.name !== 'finalize') {
      await store.runs.recordStep(payload.runId, job.name, result as Record<string, unknown>);
    }
    deps.logger.info(
      { tenantId: payload.tenantId, runId: payload.runId, step: job.name, attempt: job.attemptsMade + 1 },
      `${job.name} finished`,
    );
    return result;
  } catch (err) {
    redactErrorInPlace(err);
    // Cancelled because this process stops: whatever the step threw on its way out (an abort, or a
    // failure caused by it) is not its outcome. Back to the queue at once, as no attempt, for any
    // worker (this one when it restarts); it resumes from the pages and batches it saved.
    if (stopping(signal) && token !== undefined) await putBack(job, token, payload, deps);
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
      // The tenant's lock must outlive the wait (up to a day), or the scheduler starts more cycles.
      if (store && payload.runId !== undefined)
        await store.runs.holdCycleLockUntil(payload.runId, decision.until, deps.now());
      await job.moveToDelayed(decision.until, token);
      throw new DelayedError(
        redactString(`waiting until ${new Date(decision.until).toISOString()}: ${decision.reason}`),
      );
    }
    if (decision.action === 'fail') {
      // The code travels on the error object (BullMQ hands this object to the 'failed' listener).
      throw Object.assign(
        new UnrecoverableError(
          redactString(`${decision.code}: ${isAppError(err) ? err.message : decision.reason}`),
        ),
        { code: decision.code },
      );
    }
    throw isAppError(err) ? err : new AppError(decision.code, decision.reason, { cause: err });
  }
}

function stopping(signal: AbortSignal | undefined): boolean {
  return signal?.aborted === true && signal.reason === WORKER_SHUTDOWN;
}

/** Back to the queue at once, as no attempt, for any worker; always throws (BullMQ's DelayedError). */
async function putBack(
  job: Job,
  token: string,
  payload: Partial<CyclePayload>,
  deps: JobDeps,
): Promise<never> {
  deps.logger.info(
    { tenantId: payload.tenantId, runId: payload.runId, step: job.name, attempt: job.attemptsMade + 1 },
    `${job.name} put back: ${WORKER_SHUTDOWN}`,
  );
  // BullMQ's clock, not the process clock (PH_CLOCK_OFFSET_MS would delay it by the offset).
  await job.moveToDelayed(Date.now(), token);
  throw new DelayedError(WORKER_SHUTDOWN);
}

/** How long a step of a tenant this process does not know waits before any worker tries it again. */
const UNKNOWN_TENANT_RETRY_MS = 5_000;

/**
 * Processes with different tenants (another deployment's tenants file, a `run` with its own file, a
 * worker before its SIGHUP reload) share the cycle queue. Only a process that knows the tenant may
 * decide that a step fails: one that does not know it puts the step back (delayed, not an attempt)
 * for a process that does, as long as the run is alive (it still holds the tenant's cycle lock, which
 * only processes that know the tenant refresh). A run nobody refreshes (the tenant was removed
 * everywhere) loses its lock after CYCLE_LOCK_TTL_MS; then any process fails it with
 * TENANT_NOT_FOUND. Returns the reason when the step was put back.
 */
async function leaveForAnotherProcess(
  job: Job,
  token: string,
  payload: CyclePayload,
  store: TenantStateStore,
  deps: JobDeps,
): Promise<string | null> {
  if ((await deps.tenant(payload.tenantId)) !== null) return null;
  if ((await store.runs.cycleLockHolder()) !== payload.runId) return null;
  deps.logger.info(
    { tenantId: payload.tenantId, runId: payload.runId, step: job.name },
    `${job.name} left for a process that knows the tenant`,
  );
  await job.moveToDelayed(deps.now() + UNKNOWN_TENANT_RETRY_MS, token);
  return `tenant ${payload.tenantId} is not configured in this process`;
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
  const steps = await store.runs.runSteps(data.runId);
  const summary = summarise(data as CyclePayload, steps, deps.now(), 'failed');
  const code = failureCode(error);
  summary.error = { step: job.name, code, message: redactString(error.message) };
  // Recording the run frees its cycle lock in the same script.
  await store.runs.recordRun(summary as unknown as Record<string, unknown>);
}

export function isFinalFailure(job: Job, error: Error): boolean {
  if (error instanceof UnrecoverableError || error.name === 'UnrecoverableError') return true;
  return job.attemptsMade >= (job.opts.attempts ?? 1);
}
