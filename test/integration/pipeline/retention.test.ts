import { Queue } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/cli/runtime.ts';
import { bullPrefix, QUEUES } from '../../../src/queue/queue-names.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { hubspotConnectors, hubspotTenant, newRuntime } from './harness.ts';

/**
 * Issue 19: BullMQ job retention added about 19 MB per tenant at 15-minute cycles, more than the
 * tenant's own data. Every job the product creates (cycle steps, schedule triggers) is kept by
 * count AND age (BullMQ docs, "Auto-removal of jobs": removeOnComplete / removeOnFail take
 * `{ age, count }`; without them jobs are kept forever), and a finished run keeps only its compact
 * summary in the run history.
 */
const bounded = (keep: unknown) =>
  typeof keep === 'object' &&
  keep !== null &&
  Number.isFinite((keep as { age?: number }).age) &&
  Number.isFinite((keep as { count?: number }).count);

describe('retention', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  let runtime: Runtime;

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startHubSpotSandbox({ seed: 5, deals: 15 });
    runtime = newRuntime(
      redis,
      [hubspotTenant('keep', sandbox, { schedule: { incrementalEveryMinutes: 15 } })],
      {
        connector: hubspotConnectors(),
      },
    );
    await runtime.pool?.waitUntilReady();
  });
  afterAll(async () => {
    await runtime?.close();
    await sandbox?.close();
    await redis?.close();
  });

  it('bounds every job by count and age, and keeps one compact record per finished run', async () => {
    const run = await runtime.runCycle({ tenantId: 'keep', trigger: 'manual' });
    expect(run.status).toBe('completed');
    const prefix = runtime.prefix;
    const cycle = new Queue(QUEUES.cycle, { connection: redis.createClient(), prefix: bullPrefix(prefix) });
    try {
      const jobs = await cycle.getJobs(['completed']);
      expect(jobs.length).toBeGreaterThan(0);
      for (const job of jobs) {
        expect(bounded(job.opts.removeOnComplete)).toBe(true);
        expect(bounded(job.opts.removeOnFail)).toBe(true);
      }
    } finally {
      await cycle.close();
    }

    await runtime.schedules.reconcile(runtime.tenantList());
    const schedulers = await runtime.schedules.queue.getJobSchedulers(0, -1);
    expect(schedulers.length).toBeGreaterThanOrEqual(3);
    for (const s of schedulers) {
      expect(bounded(s.template?.opts?.removeOnComplete)).toBe(true);
      expect(bounded(s.template?.opts?.removeOnFail)).toBe(true);
    }

    // The run's step summaries live in its history entry; the per-run hash is not kept as well.
    const store = runtime.deps.store('keep');
    expect((await store.runs.recent()).find((r) => r.runId === run.runId)?.steps).toBeDefined();
    expect(await runtime.client.exists(store.keys.runSteps(run.runId))).toBe(0);
    // Nor its alert candidates (kept only from its score step to its alert step): at rest a
    // tenant's Redis holds its deals, not a copy of the last run's candidates.
    expect((run.steps.score as { alertCandidates: number }).alertCandidates).toBeGreaterThan(0);
    expect(await runtime.client.exists(store.keys.alertCandidateList)).toBe(0);
  }, 120_000);
});
