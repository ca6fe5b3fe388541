import type { Job } from 'bullmq';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/cli/runtime.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { hubspotConnectors, hubspotTenant, newRuntime } from './harness.ts';

async function delayedFor(runtime: Runtime, schedulerId: string): Promise<Job | undefined> {
  const jobs = await runtime.schedules.queue.getDelayed();
  return jobs.find((j) => j.repeatJobKey === schedulerId);
}

/** When a delayed job is due: its creation time plus its delay. */
const dueAt = (job: Job) => new Date(job.timestamp + (job.opts.delay ?? 0)).toISOString();

async function waitFor<T>(fn: () => Promise<T | undefined>, what: string, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await fn();
    if (value !== undefined) return value;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('per-tenant schedules', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  let runtime: Runtime;

  beforeAll(async () => {
    redis = await startTestRedis();
    sandbox = await startHubSpotSandbox({ seed: 3, deals: 20 });
    runtime = newRuntime(
      redis,
      [
        hubspotTenant('bxl', sandbox, {
          timezone: 'Europe/Brussels',
          schedule: { nightly: '0 2 * * *', incrementalEveryMinutes: 0 },
        }),
      ],
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

  it('fires the nightly run at 02:00 Brussels time across the spring-forward change, and the run happens', async () => {
    // Europe/Brussels moves from UTC+1 to UTC+2 on 2027-03-28 at 02:00 (02:00 itself does not exist that day).
    await runtime.schedules.reconcile(runtime.tenantList(), { startDate: new Date('2027-03-26T12:00:00Z') });
    const first = await waitFor(() => delayedFor(runtime, 'nightly-bxl'), 'the first nightly job');
    expect(dueAt(first)).toBe('2027-03-27T01:00:00.000Z'); // 02:00 CET

    await first.promote();
    const second = await waitFor(async () => {
      const j = await delayedFor(runtime, 'nightly-bxl');
      return j && j.id !== first.id ? j : undefined;
    }, 'the second nightly job');
    // The cron library moves the non-existent 02:00 to 03:00 CEST, which is 01:00 UTC.
    expect(dueAt(second)).toBe('2027-03-28T01:00:00.000Z');

    await second.promote();
    const third = await waitFor(async () => {
      const j = await delayedFor(runtime, 'nightly-bxl');
      return j && j.id !== second.id ? j : undefined;
    }, 'the third nightly job');
    expect(dueAt(third)).toBe('2027-03-29T00:00:00.000Z'); // 02:00 CEST: the offset changed

    // The promoted nightly jobs started real cycles (the second may join the first while it runs).
    const store = runtime.deps.store('bxl');
    const run = await waitFor(
      async () => (await store.runs.recent()).find((r) => r.trigger === 'nightly'),
      'a nightly run',
      60_000,
    );
    expect(run.status).toBe('completed');
  });

  it('trains the model weekly from the schedule, keeping the priors when history is thin', async () => {
    await runtime.schedules.reconcile(runtime.tenantList(), { startDate: new Date('2027-03-26T12:00:00Z') });
    const job = await waitFor(() => delayedFor(runtime, 'train-bxl'), 'the weekly training job');
    expect(dueAt(job)).toBe('2027-03-28T01:00:00.000Z'); // Sunday 03:00 CEST
    await job.promote();
    const store = runtime.deps.store('bxl');
    const report = await waitFor(
      () =>
        store.documents
          .getJson<{ status: string; message: string }>('trainingReport')
          .then((r) => r ?? undefined),
      'a training report',
    );
    expect(report.status).toBe('prior'); // 20 deals are far too few to fit
    expect(report.message).toMatch(/keeping the survey prior weights/);
  });

  it('reconciles without duplicates and removes schedules of removed tenants', async () => {
    const tenants = runtime.tenantList();
    await runtime.schedules.reconcile(tenants);
    await runtime.schedules.reconcile(tenants);
    const ids = (await runtime.schedules.list()).map((s) => s.id);
    expect(ids.sort()).toEqual(['nightly-bxl', 'train-bxl']);

    const withIncremental = tenants.map((t) => ({
      ...t,
      schedule: { ...t.schedule, incrementalEveryMinutes: 15 },
    }));
    await runtime.schedules.reconcile(withIncremental);
    const both = await runtime.schedules.list();
    expect(both.map((s) => s.id).sort()).toEqual(['incremental-bxl', 'nightly-bxl', 'train-bxl']);
    expect(both.find((s) => s.id === 'incremental-bxl')?.every).toBe(900_000);
    expect(both.find((s) => s.id === 'nightly-bxl')?.tz).toBe('Europe/Brussels');

    const change = await runtime.schedules.reconcile([]);
    expect(change.removed.sort()).toEqual(['incremental-bxl', 'nightly-bxl', 'train-bxl']);
    expect(await runtime.schedules.list()).toEqual([]);
  });
});
