import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Runtime } from '../../../src/cli/runtime.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { tenantKeys } from '../../../src/store/tenant-keys.ts';
import { type CliProcess, startWorkerProcess } from '../../support/cli-process.ts';
import { type HoldingLink, occurrences, startRedisHoldingLink } from '../../support/holding-link.ts';
import { until } from '../../support/until.ts';
import { hubspotTenant, NO_SCHEDULE, testLogger } from './harness.ts';

describe('a worker killed mid-write-back', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  const children: CliProcess[] = [];
  let link: HoldingLink | undefined;

  beforeAll(async () => {
    redis = await startTestRedis();
    // Enough open deals for three or more write batches of 100, and every response slowed a little so
    // the kill lands while later batches are still to come (or in flight, applied after the kill).
    sandbox = await startHubSpotSandbox({ seed: 21, deals: 1_200, faults: { latencyMs: 40 } });
  });
  afterAll(async () => {
    for (const c of children) await c.kill();
    await link?.close();
    await sandbox?.close();
    await redis?.close();
  });

  it('is taken over by another worker with no lost or duplicate writes or alerts', {
    timeout: 600_000,
  }, async () => {
    const prefix = `k${randomUUID().slice(0, 8)}`;
    const dir = mkdtempSync(join(tmpdir(), 'ph-crash-'));
    const tenantsFile = join(dir, 'tenants.json');
    const tenant = hubspotTenant('crash', sandbox, NO_SCHEDULE);
    writeFileSync(tenantsFile, JSON.stringify({ tenants: [tenant] }));
    const base = {
      LOG_LEVEL: 'warn',
      PH_PREFIX: prefix,
      TENANTS_FILE: tenantsFile,
      WORKER_LOCK_MS: '2000',
      WORKER_CONCURRENCY: '1',
      // The successor waits the send window plus this deadline before it reads what landed.
      CRM_REQUEST_TIMEOUT_MS: '10000',
    };
    const env = { ...base, ...redis.env };

    // The kill is aimed mid-write-back whatever the machine's speed: the first worker reaches Redis
    // through a link that holds its answers from its second fenced batch on (that batch cleared by
    // Redis, not sent; the first one sent, perhaps still in flight), so it cannot finish the step.
    link = await startRedisHoldingLink(redis);
    const keys = tenantKeys(prefix, 'crash');
    // Each fence script names the clearance key once; several may share one chunk (ioredis pipelines).
    link.holdAnswersAfter(
      (sent) => (sent.includes(keys.writeIntents) ? occurrences(sent, keys.effectClearedAt) : 0),
      2,
    );
    const first = startWorkerProcess({ ...base, ...link.env });
    children.push(first);
    // This process only enqueues and watches: the workers are the child processes.
    const runtime = new Runtime({ redis, prefix, logger: testLogger(), tenants: [tenant], workers: false });
    try {
      const started = await runtime.launcher.start({ tenantId: 'crash', trigger: 'manual' });
      if (!started.started) throw new Error('the cycle did not start');
      const dealUpdates = () =>
        sandbox.inspect.writes().filter((w) => w.objectType === 'deals' && w.operation === 'update');
      const held = link;
      await until(() => held.holding(), 'the second fenced batch', 300_000);
      await first.kill();
      const store = runtime.deps.store('crash');
      // The crash really interrupted the write-back: the step never finished in the first worker
      // (its batches may have landed in the CRM without the worker learning it).
      expect((await store.runs.runSteps(started.runId))['write-back']).toBeUndefined();
      sandbox.faults.latencyMs = 0;

      const second = startWorkerProcess(env);
      children.push(second);
      await until(
        async () => (await store.runs.recent()).some((r) => r.runId === started.runId),
        'the run to finish',
        240_000,
      );
      const run = (await store.runs.recent()).find((r) => r.runId === started.runId)!;
      expect(run.error).toBeUndefined();
      expect(run.status).toBe('completed');

      const scored = (run.steps as Record<string, { scored?: number }>).score!.scored!;
      const perDeal = new Map<string, number>();
      for (const w of dealUpdates()) perDeal.set(w.recordId, (perDeal.get(w.recordId) ?? 0) + 1);
      expect(perDeal.size).toBe(scored); // nothing lost
      expect([...perDeal.values()].every((n) => n === 1)).toBe(true); // nothing written twice

      const taskCreates = sandbox.inspect
        .writes()
        .filter((w) => w.objectType === 'tasks' && w.operation === 'create');
      const keys = taskCreates.map((w) => String(w.values.ph_alert_key));
      expect(new Set(keys).size).toBe(keys.length); // no duplicate alert tasks
      expect(keys.length).toBe((await store.alerts.openAlerts()).size);
    } finally {
      await runtime.close();
    }
  });
});
