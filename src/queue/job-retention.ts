/**
 * How long BullMQ keeps finished jobs: always by count AND age (a bare count lets a quiet queue
 * keep old jobs forever; a bare age lets a busy one grow without bound; no option at all keeps
 * every job). Admins read run history from the tenant's compact run summaries, not from jobs;
 * failed jobs stay longer for debugging.
 */
export const JOB_RETENTION = {
  removeOnComplete: { age: 86_400, count: 1_000 },
  removeOnFail: { age: 7 * 86_400, count: 1_000 },
} as const;
