import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scoreJob, type StoredPipelineHealth } from '../../../jobs/score.job.ts';
import type { Runtime } from '../../../src/cli/runtime.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { type CrmUnderTest, startCrm } from './crm-fixture.ts';
import { newRuntime } from './harness.ts';

/**
 * A worker asked to stop (SIGTERM) aborts its steps' signals and puts them back in the queue. The
 * score step reads the tenant chunk by chunk (a 1,000,000-deal tenant takes many minutes): it must
 * stop at the next chunk when its signal aborts, not run to its end while the orchestrator's grace
 * period runs out.
 */
describe('a score step whose signal aborts', () => {
  let redis: RedisEndpoint;
  let target: CrmUnderTest;
  let runtime: Runtime;

  beforeAll(async () => {
    redis = await startTestRedis();
    // Several read chunks (500 deals each) in each pass.
    target = await startCrm('hubspot', 'cancel', { deals: 1_600, seed: 8 });
    runtime = newRuntime(redis, [target.tenant]);
    await runtime.pool?.waitUntilReady();
  });
  afterAll(async () => {
    await runtime?.close();
    await target?.sandbox.close();
    await redis?.close();
  });

  it('stops at the next chunk: no views or candidates of the cancelled run', {
    timeout: 240_000,
  }, async () => {
    const run = await runtime.runCycle({ tenantId: 'cancel', trigger: 'manual', fullResync: true });
    expect(run.error).toBeUndefined();
    const store = runtime.deps.store('cancel');
    const before = await store.documents.getJson<StoredPipelineHealth>('pipelineHealth');
    expect(before).not.toBeNull();

    const stop = new AbortController();
    const reported: number[] = [];
    const deps = {
      ...runtime.deps,
      // The first chunk scored: the worker is asked to stop.
      onProgress: (p: { step: string; done: number }) => {
        if (p.step !== 'score') return;
        reported.push(p.done);
        stop.abort('worker shutting down');
      },
    };
    const asOf = new Date(Date.parse(before!.asOf) + 86_400_000).toISOString();
    const job = { id: 'cancel.score', token: 'cancel-token', name: 'score' } as Job;
    const payload = {
      tenantId: 'cancel',
      runId: 'cancel.next',
      trigger: 'manual' as const,
      asOf,
      fullResync: false,
    };
    await expect(scoreJob.process(job, payload, deps, stop.signal)).rejects.toBeDefined();
    expect(stop.signal.aborted).toBe(true);
    // One chunk reported, then it stopped: the views and candidates are still the last run's.
    expect(reported).toHaveLength(1);
    expect((await store.documents.getJson<StoredPipelineHealth>('pipelineHealth'))?.asOf).toBe(before!.asOf);
    expect(await store.alerts.keptCandidates('cancel.next')).toBeNull();
  });
});
