import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { alertJob } from '../../../jobs/alert.job.ts';
import type { Runtime } from '../../../src/cli/runtime.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { type CrmUnderTest, startCrm } from './crm-fixture.ts';
import { newRuntime } from './harness.ts';

/**
 * The score step keeps a run's alert candidates in Redis for its alert step (7 days). An alert step
 * that finds none for its run (expired after a long wait, or never kept) must not read that as
 * "no deal warrants an alert": it would clear every open alert, and the next run would raise them
 * all again as new tasks for the reps.
 */
describe('an alert step whose run kept no candidates', () => {
  let redis: RedisEndpoint;
  let target: CrmUnderTest;
  let runtime: Runtime;

  beforeAll(async () => {
    redis = await startTestRedis();
    target = await startCrm('hubspot', 'lost', {
      deals: 80,
      seed: 3,
      tenant: { alerts: { enabled: true, dailyCapPerOwner: 100_000 } },
    });
    runtime = newRuntime(redis, [target.tenant]);
    await runtime.pool?.waitUntilReady();
  });
  afterAll(async () => {
    await runtime?.close();
    await target?.sandbox.close();
    await redis?.close();
  });

  it('raises and clears nothing', { timeout: 180_000 }, async () => {
    const run = await runtime.runCycle({ tenantId: 'lost', trigger: 'manual', fullResync: true });
    expect(run.error).toBeUndefined();
    const store = runtime.deps.store('lost');
    const open = await store.alerts.openAlerts();
    expect(open.size).toBeGreaterThan(0);
    const tasks = target.taskCreates().length;

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
      runtime.deps,
    );
    expect(summary.cleared).toBe(0);
    expect(await store.alerts.openAlerts()).toEqual(open);
    expect(summary.candidatesMissing).toBe(true);
    expect(target.taskCreates()).toHaveLength(tasks);
  });
});
