import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import type { Runtime } from '../../../src/cli/runtime.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { hubspotConnectors, hubspotTenant, newRuntime } from './harness.ts';

describe('several workers and tenants on one Redis', () => {
  let redis: RedisEndpoint;
  const sandboxes: HubSpotSandboxHandle[] = [];
  const runtimes: Runtime[] = [];

  beforeAll(async () => {
    redis = await startTestRedis();
  });
  afterAll(async () => {
    for (const r of runtimes) await r.close();
    for (const s of sandboxes) await s.close();
    await redis?.close();
  });

  it('runs one cycle per tenant at a time even with two workers, and writes each deal once', async () => {
    const sandbox = await startHubSpotSandbox({ seed: 8, deals: 120 });
    sandboxes.push(sandbox);
    const tenant = hubspotTenant('shared', sandbox);
    const connectors = hubspotConnectors();
    const first = newRuntime(redis, [tenant], { connector: connectors, prefix: 'twoworkers' });
    const second = newRuntime(redis, [tenant], { connector: hubspotConnectors(), prefix: 'twoworkers' });
    runtimes.push(first, second);
    await Promise.all([first.pool?.waitUntilReady(), second.pool?.waitUntilReady()]);

    const [a, b] = await Promise.all([
      first.launcher.start({ tenantId: 'shared', trigger: 'manual' }),
      second.launcher.start({ tenantId: 'shared', trigger: 'manual' }),
    ]);
    expect([a.started, b.started].filter(Boolean)).toHaveLength(1);
    const winner = a.started ? a : b;
    const loser = a.started ? b : a;
    expect(loser.runId).toBe(winner.runId); // the second request joins the running cycle

    const summary = await first.runCycle({ tenantId: 'shared', trigger: 'manual' }); // joins or starts after
    expect(summary.status).toBe('completed');
    const store = first.deps.store('shared');
    const runs = await store.runs.recent();
    expect(runs.some((r) => r.runId === winner.runId && r.status === 'completed')).toBe(true);

    const updates = sandbox.inspect
      .writes()
      .filter((w) => w.objectType === 'deals' && w.operation === 'update');
    const perDeal = new Map<string, number>();
    for (const w of updates) perDeal.set(w.recordId, (perDeal.get(w.recordId) ?? 0) + 1);
    expect(perDeal.size).toBeGreaterThan(10);
    expect([...perDeal.values()].every((n) => n === 1)).toBe(true);
    const keys = sandbox.inspect
      .writes()
      .filter((w) => w.objectType === 'tasks' && w.operation === 'create')
      .map((w) => String(w.values.ph_alert_key));
    expect(new Set(keys).size).toBe(keys.length);
  });

  it("does not let one tenant's rate limit slow another tenant", async () => {
    // "slow" sits on an account with a tiny ten-second limit; "fast" on a normal one.
    const slowCrm = await startHubSpotSandbox({ seed: 9, deals: 12, rateLimits: { tenSecondly: 12 } });
    const fastCrm = await startHubSpotSandbox({ seed: 10, deals: 60 });
    sandboxes.push(slowCrm, fastCrm);
    const runtime = newRuntime(redis, [hubspotTenant('slow', slowCrm), hubspotTenant('fast', fastCrm)], {
      connector: hubspotConnectors(),
    });
    runtimes.push(runtime);
    await runtime.pool?.waitUntilReady();

    const slowRun = runtime.runCycle({ tenantId: 'slow', trigger: 'manual' }, { timeoutMs: 170_000 });
    // Start the fast tenant once the slow one has spent its first ten-second window.
    await vi.waitFor(() => expect(slowCrm.inspect.calls().length).toBeGreaterThanOrEqual(12), {
      timeout: 120_000,
      interval: 50,
    });
    const fast = await runtime.runCycle({ tenantId: 'fast', trigger: 'manual' });
    expect(fast.status).toBe('completed');
    // When the fast tenant's whole cycle is done, the slow one is still going.
    expect(await runtime.deps.store('slow').runs.cycleLockHolder()).not.toBeNull();
    expect((await runtime.deps.store('slow').runs.recent()).length).toBe(0);

    const slow = await slowRun;
    expect(slow.error).toBeUndefined();
    expect(slow.status).toBe('completed');
    expect(fast.rateLimited).toBe(0);
    // The slow account really limited its tenant: more calls than one window allows, so the connector
    // had to wait for the window (reading the rate-limit headers) instead of failing.
    const calls = slowCrm.inspect.calls();
    expect(calls.length).toBeGreaterThan(12);
    const span = Date.parse(calls.at(-1)!.at) - Date.parse(calls[0]!.at);
    expect(span).toBeGreaterThanOrEqual(10_000 * Math.floor((calls.length - 1) / 12) - 1_000);
  }, 180_000);
});
