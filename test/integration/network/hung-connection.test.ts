import { Queue } from 'bullmq';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { bullPrefix, QUEUES } from '../../../src/queue/queue-names.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.ts';
import { type CliProcess, startWorkerProcess } from '../../support/cli-process.ts';
import { until } from '../../support/until.ts';
import { hubspotTenant, NO_SCHEDULE, prepareSalesforce, salesforceTenant } from '../pipeline/harness.ts';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import {
  type SalesforceSandboxHandle,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { scenario } from './network-fixture.ts';

/**
 * Issue 14 item 1. Node's http Agent keeps a socket timeout set in `createConnection` only until the
 * socket goes back to the pool: a request on a reused keep-alive socket has none (CRM-FACTS.md).
 * A CRM that never answers such a request must not stall the sync, nor keep a worker from stopping.
 */
describe('a HubSpot request that hangs on a reused keep-alive connection', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  let proxy: FaultProxy;
  const workers: CliProcess[] = [];
  const DEAL_SEARCH = { method: 'POST', path: '/crm/v3/objects/deals/search' };

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    sandbox = await startHubSpotSandbox({ seed: 14, deals: 40 });
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill();
    await proxy?.close();
  });
  afterAll(async () => {
    await sandbox?.close();
    await redis?.close();
  });

  it('times out and is retried: the sync finishes instead of hanging', { timeout: 180_000 }, async () => {
    proxy = await startFaultProxy(sandbox.baseUrl);
    const tenant = hubspotTenant(
      'hung',
      { baseUrl: proxy.url, accessToken: sandbox.accessToken },
      NO_SCHEDULE,
    );
    const s = scenario(redis, [tenant], { CRM_REQUEST_TIMEOUT_MS: '2000', WORKER_LOCK_MS: '5000' });
    // The first deal search on a pooled socket is taken by the proxy and never answered.
    const hang = proxy.addRule({ ...DEAL_SEARCH, reusedConnection: true, action: { kind: 'hold' } });
    try {
      workers.push(startWorkerProcess(s.env));
      const runId = await s.start('hung');
      const run = await s.finished('hung', runId, 120_000);
      expect(hang.hits).toBe(1); // the fault really happened, on a reused connection
      expect(run.status).toBe('completed');
      // The held search was given up and sent again.
      expect(proxy.count(DEAL_SEARCH)).toBeGreaterThanOrEqual(2);
      expect(proxy.held()).toBe(0);
    } finally {
      await s.close();
    }
  });

  it('is ended by SIGTERM: the worker stops the call in flight', { timeout: 180_000 }, async () => {
    proxy = await startFaultProxy(sandbox.baseUrl);
    const tenant = hubspotTenant(
      'term',
      { baseUrl: proxy.url, accessToken: sandbox.accessToken },
      NO_SCHEDULE,
    );
    // A deadline far beyond the test: only the shutdown can end the held call.
    const s = scenario(redis, [tenant], { CRM_REQUEST_TIMEOUT_MS: '600000', WORKER_LOCK_MS: '5000' });
    proxy.addRule({ ...DEAL_SEARCH, occurrence: 'every', action: { kind: 'hold' } });
    try {
      const worker = startWorkerProcess(s.env);
      workers.push(worker);
      const runId = await s.start('term');
      await proxy.waitFor(1, DEAL_SEARCH, 120_000);
      await until(() => proxy.held() === 1, 'the deal search to be held');
      worker.signal('SIGTERM');
      // The worker aborts its own request: the held connection is closed from the client side.
      await until(() => proxy.held() === 0, 'the worker to abandon the held request', 60_000);
      const steps = await s.runtime.deps.store('term').runs.runSteps(runId);
      expect(steps.sync).toBeUndefined(); // stopped, not finished with a made-up result
    } finally {
      await s.close();
    }
  });
});

/** The same faults on Salesforce (jsforce over undici): each request has its deadline, SIGTERM ends it. */
describe('a Salesforce request that hangs on a reused keep-alive connection', () => {
  let redis: RedisEndpoint;
  let sandbox: SalesforceSandboxHandle;
  let proxy: FaultProxy;
  const workers: CliProcess[] = [];
  const QUERY = { method: 'GET', path: /\/services\/data\/v[\d.]+\/query\/?$/ };

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    sandbox = await startSalesforceSandbox({ world: generateWorld({ seed: 14, deals: 40 }) });
    await prepareSalesforce(sandbox);
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill();
    await proxy?.close();
  });
  afterAll(async () => {
    await sandbox?.close();
    await redis?.close();
  });

  it('times out and is retried: the sync finishes instead of hanging', { timeout: 180_000 }, async () => {
    proxy = await startFaultProxy(sandbox.baseUrl);
    const s = scenario(
      redis,
      [salesforceTenant('hung', { baseUrl: proxy.url, oauth: sandbox.oauth }, NO_SCHEDULE)],
      {
        CRM_REQUEST_TIMEOUT_MS: '2000',
        WORKER_LOCK_MS: '5000',
      },
    );
    const hang = proxy.addRule({ ...QUERY, reusedConnection: true, action: { kind: 'hold' } });
    try {
      workers.push(startWorkerProcess(s.env));
      const run = await s.finished('hung', await s.start('hung'), 120_000);
      expect(hang.hits).toBe(1);
      expect(run.status).toBe('completed');
    } finally {
      await s.close();
    }
  });

  it('is ended by SIGTERM: the worker stops the call in flight', { timeout: 180_000 }, async () => {
    proxy = await startFaultProxy(sandbox.baseUrl);
    const s = scenario(
      redis,
      [salesforceTenant('term', { baseUrl: proxy.url, oauth: sandbox.oauth }, NO_SCHEDULE)],
      {
        CRM_REQUEST_TIMEOUT_MS: '600000',
        WORKER_LOCK_MS: '5000',
      },
    );
    proxy.addRule({ ...QUERY, occurrence: 'every', action: { kind: 'hold' } });
    try {
      const worker = startWorkerProcess(s.env);
      workers.push(worker);
      const runId = await s.start('term');
      await until(() => proxy.held() >= 1, 'a query to be held', 120_000);
      worker.signal('SIGTERM');
      // jsforce takes no signal: the job stops waiting for the held answer and ends (it is left
      // for a retry), instead of holding its worker until the request's deadline.
      const queue = new Queue(QUEUES.cycle, {
        connection: redis.createClient(),
        prefix: bullPrefix(s.prefix),
      });
      try {
        await until(async () => (await queue.getActiveCount()) === 0, 'the sync job to stop', 60_000);
      } finally {
        await queue.close();
        await queue.disconnect();
      }
      expect((await s.runtime.deps.store('term').runs.runSteps(runId)).sync).toBeUndefined();
    } finally {
      await s.close();
    }
  });
});
