import type { Job } from 'bullmq';
import { describe, expect, it } from 'vitest';
import { scoreJob, type StoredPipelineHealth } from '../../../jobs/score.job.ts';
import { useCrmRuntime } from './crm-runtime.ts';

/**
 * A worker asked to stop (SIGTERM) aborts its steps' signals and puts them back in the queue. The
 * score step reads the tenant chunk by chunk (a 1,000,000-deal tenant takes many minutes): it must
 * stop at the next chunk when its signal aborts, not run to its end while the orchestrator's grace
 * period runs out.
 */
describe('a score step whose signal aborts', () => {
  // Several read chunks (500 deals each) in each pass.
  const env = useCrmRuntime('hubspot', 'cancel', { deals: 1_600, seed: 8 });

  it('stops at the next chunk: no views or candidates of the cancelled run', {
    timeout: 240_000,
  }, async () => {
    const run = await env.runtime.runCycle({ tenantId: 'cancel', trigger: 'manual', fullResync: true });
    expect(run.error).toBeUndefined();
    const store = env.runtime.deps.store('cancel');
    const before = await store.documents.getJson<StoredPipelineHealth>('pipelineHealth');
    expect(before).not.toBeNull();

    const stop = new AbortController();
    const reported: number[] = [];
    const deps = {
      ...env.runtime.deps,
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
