import type { Job } from 'bullmq';
import type { z } from 'zod';
import { AppError } from '../src/shared/app-error.ts';
import type { JobDeps } from './job-deps.ts';

/** How BullMQ retries a step before it fails the run. */
interface RetryPolicy {
  attempts: number;
  backoff: { type: 'exponential'; delay: number };
}

/**
 * A job: a name, a payload schema, a retry policy and `process`. Jobs throw AppErrors; the queue
 * layer turns each into BullMQ's retry, delay (wait until the CRM resets) or UnrecoverableError.
 */
export interface JobDefinition<P, R> {
  name: string;
  payload: z.ZodType<P>;
  retry: RetryPolicy;
  /**
   * `signal` is the job's own AbortSignal (BullMQ aborts it when the job is cancelled, e.g. at
   * shutdown); steps pass it to every connector call so that calls in flight stop.
   */
  process(job: Job, payload: P, deps: JobDeps, signal?: AbortSignal): Promise<R>;
}

/** Validate a job's payload where it enters (a bad payload is a bug: it fails, never retries). */
export function parsePayload<P>(
  definition: Pick<JobDefinition<P, unknown>, 'name' | 'payload'>,
  data: unknown,
): P {
  const result = definition.payload.safeParse(data);
  if (!result.success) {
    throw new AppError(
      'INTERNAL',
      `Invalid ${definition.name} payload: ${result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`,
    );
  }
  return result.data;
}

/** Load the tenant a step works for; a removed tenant fails the run (nothing to retry). */
export async function requireTenant(deps: JobDeps, tenantId: string) {
  const tenant = await deps.tenant(tenantId);
  if (tenant === null) throw new AppError('TENANT_NOT_FOUND', `Tenant "${tenantId}" is not configured`);
  return tenant;
}

/** A progress reporter that computes the rate since the step started. */
export function progressReporter(deps: JobDeps, tenantId: string, runId: string, step: string, unit: string) {
  const started = deps.now();
  return (done: number, total: number | null = null) => {
    const seconds = Math.max(0.001, (deps.now() - started) / 1000);
    deps.onProgress?.({ tenantId, runId, step, done, total, unit, ratePerSecond: done / seconds });
  };
}
