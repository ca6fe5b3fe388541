import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { alertJob } from '../../../jobs/alert.job.ts';
import { useCrmRuntime } from './crm-runtime.ts';

/**
 * The score step keeps a run's alert candidates in Redis for its alert step (7 days). An alert step
 * that finds none for its run (expired after a long wait, or never kept) must not read that as
 * "no deal warrants an alert": it would clear every open alert, and the next run would raise them
 * all again as new tasks for the reps.
 */
describe('an alert step whose run kept no candidates', () => {
  const env = useCrmRuntime('hubspot', 'lost', {
    deals: 80,
    seed: 3,
    tenant: { alerts: { enabled: true, dailyCapPerOwner: 100_000 } },
  });

  it('raises and clears nothing', { timeout: 180_000 }, async () => {
    const run = await env.runtime.runCycle({ tenantId: 'lost', trigger: 'manual', fullResync: true });
    expect(run.error).toBeUndefined();
    const store = env.runtime.deps.store('lost');
    const open = await store.alerts.openAlerts();
    expect(open.size).toBeGreaterThan(0);
    const tasks = env.target.taskCreates().length;

    // The alert step of a run whose candidates are gone, holding its step as a worker would.
    const job = { id: 'lost.alert', token: 'lost-token', name: 'alert' } as Job;
    await store.runs.effectFence({ jobId: job.id!, token: job.token! }).claim();
    const summary = await alertJob.process(
      job,
      {
        tenantId: 'lost',
        runId: 'lost.gone',
        trigger: 'manual',
        asOf: new Date().toISOString(),
        fullResync: false,
      },
      env.runtime.deps,
    );
    expect(summary.cleared).toBe(0);
    expect(await store.alerts.openAlerts()).toEqual(open);
    expect(summary.candidatesMissing).toBe(true);
    expect(env.target.taskCreates()).toHaveLength(tasks);
  });
});
