import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../../src/domain/index.ts';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import { startHubSpotSandbox } from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { startSalesforceSandbox } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { SandboxHandle } from '../../../src/sandbox/sandbox-handle.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.ts';
import { type CliProcess, startWorkerProcess } from '../../support/cli-process.ts';
import { hubspotTenant, NO_SCHEDULE, prepareSalesforce, salesforceTenant } from '../pipeline/harness.ts';
import { scenario } from './network-fixture.ts';

/**
 * Issue 14 item 2: the CRM commits a create, its answer never arrives (the proxy forwards the batch
 * and then drops the connection). A create must be retried only after re-reading what exists
 * (CRM-FACTS.md: "retry a create only after re-reading what exists"), and the run summary must count
 * what the CRM holds.
 */
interface Case {
  crm: 'hubspot' | 'salesforce';
  start(): Promise<SandboxHandle>;
  /** What an admin does once before the worker runs. */
  prepare?(sandbox: SandboxHandle): Promise<void>;
  tenant(sandbox: SandboxHandle, proxyUrl: string): Tenant;
  /** The request that creates alert tasks. */
  create: { method: string; path: string | RegExp };
  taskType: string;
  keyOf(values: Record<string, unknown>): string;
}

const CASES: Case[] = [
  {
    crm: 'hubspot',
    start: () => startHubSpotSandbox({ seed: 21, deals: 300 }),
    tenant: (sandbox, proxyUrl) =>
      hubspotTenant('lost', { baseUrl: proxyUrl, accessToken: sandbox.accessToken }, NO_SCHEDULE),
    create: { method: 'POST', path: '/crm/v3/objects/tasks/batch/create' },
    taskType: 'tasks',
    keyOf: (v) => String(v.ph_alert_key),
  },
  {
    crm: 'salesforce',
    start: () => startSalesforceSandbox({ world: generateWorld({ seed: 21, deals: 300 }) }),
    prepare: prepareSalesforce,
    tenant: (sandbox, proxyUrl) =>
      salesforceTenant('lost', { baseUrl: proxyUrl, oauth: sandbox.oauth }, NO_SCHEDULE),
    create: { method: 'POST', path: /\/composite\/sobjects\/?$/ },
    taskType: 'Task',
    keyOf: (v) => String(v.PH_Alert_Key__c),
  },
];

describe.each(CASES)('an alert-task create whose answer is lost after the CRM committed it ($crm)', (c) => {
  let redis: RedisEndpoint;
  let sandbox: SandboxHandle;
  let proxy: FaultProxy;
  const workers: CliProcess[] = [];

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    sandbox = await c.start();
    await c.prepare?.(sandbox);
    proxy = await startFaultProxy(sandbox.baseUrl);
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill();
  });
  afterAll(async () => {
    await proxy?.close();
    await sandbox?.close();
    await redis?.close();
  });

  it('creates each task once, and the summary counts the tasks the CRM holds', {
    timeout: 240_000,
  }, async () => {
    const s = scenario(redis, [c.tenant(sandbox, proxy.url)], { CRM_REQUEST_TIMEOUT_MS: '10000' });
    // Only task creates carrying alert keys: on Salesforce the same endpoint also updates records.
    const drop = proxy.addRule({ ...c.create, action: { kind: 'drop-answer' } });
    try {
      workers.push(startWorkerProcess(s.env));
      const runId = await s.start('lost');
      const run = await s.finished('lost', runId, 200_000);
      expect(run.error).toBeUndefined();
      expect(run.status).toBe('completed');
      expect(drop.hits).toBe(1); // the fault really happened

      const created = sandbox.inspect
        .writes()
        .filter((w) => w.objectType === c.taskType && w.operation === 'create');
      const keys = created.map((w) => c.keyOf(w.values));
      expect(keys.length).toBeGreaterThan(0);
      expect(keys.length - new Set(keys).size).toBe(0); // no duplicate tasks
      const alert = run.steps.alert as { raised: number; failed: number };
      expect(alert.failed).toBe(0);
      expect(alert.raised).toBe(keys.length); // the summary says what the CRM holds
    } finally {
      await s.close();
    }
  });
});
