import { alertJob } from '../../jobs/alert.job.ts';
import { digestJob } from '../../jobs/digest.job.ts';
import { finalizeJob } from '../../jobs/finalize.job.ts';
import type { JobDefinition } from '../../jobs/job-definition.ts';
import { scoreJob } from '../../jobs/score.job.ts';
import { syncJob } from '../../jobs/sync.job.ts';
import { trainJob } from '../../jobs/train.job.ts';
import { writeBackJob } from '../../jobs/write-back.job.ts';

/** The steps of a cycle, in the order they run (a flow runs children before parents). */
export const CYCLE_STEPS = [syncJob, scoreJob, writeBackJob, alertJob, digestJob, finalizeJob] as const;

export const JOBS_BY_NAME: ReadonlyMap<string, JobDefinition<never, unknown>> = new Map(
  [...CYCLE_STEPS, trainJob].map((j) => [j.name, j as unknown as JobDefinition<never, unknown>]),
);
