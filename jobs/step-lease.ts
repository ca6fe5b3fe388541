import type { Job } from 'bullmq';
import { AppError } from '../src/shared/app-error.ts';
import type { StepLease } from '../src/store/effect-fence.ts';

/** The job's id and this worker's BullMQ lock token: what fences the step's CRM effects. */
export function stepLease(job: Job): StepLease {
  if (job.id === undefined || job.token === undefined) {
    // Without a lock token there is no proof of ownership (STYLE.md #12): never send effects blind.
    throw new AppError('INTERNAL', `Job ${job.name} has no lock token; it must run in a BullMQ worker`);
  }
  return { jobId: job.id, token: job.token };
}
