import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { bullPrefix, QUEUES } from '../../../src/queue/queue-names.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { type CliProcess, startCli, startWorkerProcess } from '../../support/cli-process.ts';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.ts';
import { until } from '../../support/until.ts';
import { scenario } from '../network/network-fixture.ts';
import { hubspotTenant, NO_SCHEDULE } from '../pipeline/harness.ts';

/** How long a stopping worker may take on a loaded 2-core machine; the failure is "never exits". */
const EXIT_DEADLINE_MS = 60_000;

/**
 * docs/BENCHMARKS.md (multi-worker): a worker asked to stop with SIGTERM did not always exit. A
 * graceful stop (what systemd or Kubernetes wait for, 30 s by default before SIGKILL) cancels the
 * active steps, leaves each resumable and ends the process. The state that held it: a step waiting
 * for the HubSpot account lookup (GET /account-info/v3/details: the key of the rate budget shared by
 * every process, and the account's time zone), a request that was not tied to the step's
 * cancellation. A CRM that never answers it (the fault proxy holds it; the request deadline is set
 * far beyond the test) must not keep the worker alive.
 */
describe('SIGTERM while a step waits on a CRM request that never answers', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  let proxy: FaultProxy;
  const workers: CliProcess[] = [];
  const ACCOUNT_INFO = { method: 'GET', path: '/account-info/v3/details' };

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    sandbox = await startHubSpotSandbox({ seed: 23, deals: 40 });
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill();
    await proxy?.close();
  });
  afterAll(async () => {
    await sandbox?.close();
    await redis?.close();
  });

  it('the worker exits 0 by itself; the step goes back to the queue and another worker finishes the run', {
    timeout: 300_000,
  }, async () => {
    proxy = await startFaultProxy(sandbox.baseUrl);
    const tenant = hubspotTenant(
      'held',
      { baseUrl: proxy.url, accessToken: sandbox.accessToken },
      NO_SCHEDULE,
    );
    const s = scenario(redis, [tenant], { CRM_REQUEST_TIMEOUT_MS: '600000', WORKER_LOCK_MS: '5000' });
    const hold = proxy.addRule({ ...ACCOUNT_INFO, occurrence: 'every', action: { kind: 'hold' } });
    const queue = new Queue(QUEUES.cycle, { connection: redis.createClient(), prefix: bullPrefix(s.prefix) });
    try {
      const worker = startCli(['worker'], { LOG_LEVEL: 'info', ...s.env });
      workers.push(worker);
      await worker.waitForLog((l) => l.msg === 'worker ready', 'the worker');
      const runId = await s.start('held');
      await worker.waitForLog((l) => l.msg === 'sync started', 'the sync to start');
      await until(() => proxy.held() >= 1, 'the account lookup to be held');

      worker.signal('SIGTERM');
      const exit = await Promise.race([
        worker.exited,
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), EXIT_DEADLINE_MS).unref()),
      ]);
      expect(exit).toEqual({ code: 0, signal: null });
      expect(worker.lines.some((l) => l.msg === 'stopped')).toBe(true);
      // It ended by itself, not by its last-resort exit (which logs what was still open).
      expect(worker.lines.filter((l) => String(l.msg).includes('resources open'))).toEqual([]);
      // The worker ended its own requests: nothing it sent is left open at the CRM.
      expect(proxy.held()).toBe(0);

      // Resumable, not half-written: the step is back in the queue without using an attempt, and no
      // run summary (completed or failed) was recorded.
      const job = await queue.getJob(`${runId}-sync`);
      expect(job).toBeDefined();
      expect(['delayed', 'waiting', 'prioritized']).toContain(await job!.getState());
      expect(job!.attemptsMade).toBe(0);
      const store = s.runtime.deps.store('held');
      expect((await store.runs.recent(50)).find((r) => r.runId === runId)).toBeUndefined();
      expect(await store.runs.cycleLockHolder()).toBe(runId);

      // The CRM answers again: the next worker takes the step up and the run completes.
      hold.remove();
      workers.push(startWorkerProcess(s.env));
      const run = await s.finished('held', runId, 120_000);
      expect(run.status).toBe('completed');
    } finally {
      await queue.close();
      await s.close();
    }
  });
  it('several workers stopped while every CRM request hangs all exit by themselves; every run completes later', {
    timeout: 300_000,
  }, async () => {
    proxy = await startFaultProxy(sandbox.baseUrl);
    const ids = ['m1', 'm2', 'm3'];
    const tenants = ids.map((id) =>
      hubspotTenant(id, { baseUrl: proxy.url, accessToken: sandbox.accessToken }, NO_SCHEDULE),
    );
    // Four steps at once per worker (the default): a worker keeps a fetch for the next job in flight
    // while it runs one, and a step put back at the stop must not be taken up by a stopping worker.
    const s = scenario(redis, tenants, {
      CRM_REQUEST_TIMEOUT_MS: '600000',
      WORKER_LOCK_MS: '5000',
      WORKER_CONCURRENCY: '4',
    });
    try {
      const stopping = [0, 1].map(() => startCli(['worker'], { LOG_LEVEL: 'info', ...s.env }));
      workers.push(...stopping);
      for (const w of stopping) await w.waitForLog((l) => l.msg === 'worker ready', 'a worker');
      const runIds = await Promise.all(ids.map((id) => s.start(id)));
      // Every sync under way, then the CRM stops answering anything.
      await until(
        () =>
          ids.every((id) =>
            stopping.some((w) => w.lines.some((l) => l.msg === 'sync started' && l.tenantId === id)),
          ),
        'every sync to start',
      );
      const hold = proxy.addRule({ occurrence: 'every', action: { kind: 'hold' } });
      await until(() => proxy.held() >= 1, 'a request to be held');

      for (const w of stopping) w.signal('SIGTERM');
      const exits = await Promise.all(
        stopping.map((w) =>
          Promise.race([
            w.exited,
            new Promise<'still running'>((r) =>
              setTimeout(() => r('still running'), EXIT_DEADLINE_MS).unref(),
            ),
          ]),
        ),
      );
      expect(exits).toEqual([
        { code: 0, signal: null },
        { code: 0, signal: null },
      ]);
      for (const w of stopping) {
        expect(w.lines.filter((l) => String(l.msg).includes('resources open'))).toEqual([]);
      }
      // No run was recorded, failed or otherwise: each stopped where it was, to be resumed.
      for (const [i, id] of ids.entries()) {
        const recorded = await s.runtime.deps.store(id).runs.recent(50);
        expect(recorded.find((r) => r.runId === runIds[i])).toBeUndefined();
      }

      hold.remove();
      workers.push(startWorkerProcess(s.env));
      for (const [i, id] of ids.entries()) {
        const run = await s.finished(id, runIds[i]!, 180_000);
        expect(run.status).toBe('completed');
      }
    } finally {
      await s.close();
    }
  });
});
