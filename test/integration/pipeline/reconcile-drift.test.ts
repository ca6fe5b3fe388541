import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../../src/cli/runtime.ts';
import { parseTenants } from '../../../src/config/tenants-file.ts';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import {
  type SalesforceSandboxHandle,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { SandboxHandle } from '../../../src/sandbox/sandbox-handle.ts';
import type { RedisClient } from '../../../src/store/redis-client.ts';
import { type AlertKind, alertEpisodeKey, alertKey } from '../../../src/domain/index.ts';
import { dealScopedKeys } from '../../../src/store/deal-scoped-keys.ts';
import type { TenantStateStore } from '../../../src/store/tenant-state.store.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { startTestRedis } from '../../support/test-redis.ts';
import { hubspotConnectors, newRuntime, salesforceAdminConnector, salesforceTenant } from './harness.ts';

/**
 * Issue 19: a deal the CRM no longer returns (moved to a pipeline the tenant does not track,
 * permanently deleted) must leave the state: not scored, not written, not alerted. The nightly run
 * reconciles with the CRM's deal ids; a full resync reconciles with what it pulled. Its open alerts
 * (a confirmed task, and a reservation a crashed task create left pending) and every per-deal hash
 * go with it in the sync step, counted in the sync summary.
 */

/**
 * A deal with an open (confirmed) alert, plus a second alert of it left pending the way an alert
 * step that crashed between its reservation and the task create leaves it (an injected fault).
 */
async function dealWithOpenAlerts(store: TenantStateStore): Promise<{ dealId: string; alerts: number }> {
  const open = await store.alerts.openAlerts();
  const confirmed = [...open].find(([, task]) => task !== 'pending');
  if (confirmed === undefined) throw new Error('the world raised no alert');
  const dealId = confirmed[0].split(':')[1]!;
  const kinds: AlertKind[] = ['stalled_in_stage', 'buyer_silent', 'close_date_passed', 'band_worsened'];
  const other = kinds.find((kind) => !open.has(alertKey({ tenantId: store.tenantId, dealId, kind })))!;
  const key = alertKey({ tenantId: store.tenantId, dealId, kind: other });
  expect(await store.alerts.reserve(key, alertEpisodeKey(key, new Date().toISOString()))).not.toBeNull();
  const alerts = [...(await store.alerts.openAlerts()).keys()].filter((k) =>
    k.includes(`:${dealId}:`),
  ).length;
  return { dealId, alerts };
}

/** Nothing of the deal is left in any hash keyed by deal id, nor among the open alerts. */
async function expectNoState(redis: RedisClient, store: TenantStateStore, dealId: string) {
  for (const key of dealScopedKeys(store.keys)) expect(await redis.hexists(key, dealId), key).toBe(0);
  const open = await store.alerts.openAlerts();
  expect([...open.keys()].filter((k) => k.includes(`:${dealId}:`))).toEqual([]);
}

/** What the cycle did to `dealId` in the CRM after `from` recorded writes. */
function touched(sandbox: SandboxHandle, from: number, dealId: string) {
  const writes = sandbox.inspect.writes().slice(from);
  return writes.filter(
    (w) => w.recordId === dealId || String(Object.values(w.values).join('|')).includes(`:${dealId}:`),
  );
}

async function expectGone(client: RedisClient, store: TenantStateStore, dealId: string) {
  expect(await store.deals.getDeal(dealId)).toBeNull();
  expect(await store.results.getResult(dealId)).toBeNull();
  // Kept candidates: [runId, candidate...]. (The run's candidates are dropped once the run is
  // recorded; `touched` shows no task either.)
  const kept = (await client.lrange(store.keys.alertCandidateList, 1, -1)).map(
    (c) => JSON.parse(c) as { dealId: string },
  );
  expect(kept.some((c) => c.dealId === dealId)).toBe(false);
}

describe('HubSpot: a deal moved to a pipeline the tenant does not track', () => {
  let redis: RedisEndpoint;
  let sandbox: HubSpotSandboxHandle;
  let runtime: Runtime;
  let store: TenantStateStore;
  let client: RedisClient;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = redis.createClient();
    sandbox = await startHubSpotSandbox({ seed: 31, deals: 60 });
    const [tenant] = parseTenants({
      tenants: [
        {
          id: 'drift',
          name: 'drift',
          connection: {
            crm: 'hubspot',
            basePath: sandbox.baseUrl,
            developmentTarget: true,
            auth: { type: 'private_app', accessToken: sandbox.accessToken },
            pipelines: ['default'],
          },
        },
      ],
    });
    runtime = newRuntime(redis, [tenant!], { connector: hubspotConnectors() });
    await runtime.pool?.waitUntilReady();
    store = runtime.deps.store('drift');
  });
  afterAll(async () => {
    client?.disconnect();
    await runtime?.close();
    await sandbox?.close();
    await redis?.close();
  });

  /** Move a deal with HubSpot's own API (PATCH the pipeline and a stage of it). */
  async function moveToOtherPipeline(dealId: string): Promise<void> {
    const headers = { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' };
    const pipelines = (await (
      await fetch(`${sandbox.baseUrl}/crm/v3/pipelines/deals`, { headers })
    ).json()) as {
      results: { id: string; stages: { id: string }[] }[];
    };
    const other = pipelines.results.find((p) => p.id !== 'default');
    expect(other).toBeDefined();
    const res = await fetch(`${sandbox.baseUrl}/crm/v3/objects/deals/${dealId}`, {
      method: 'PATCH',
      headers,
      body: JSON.stringify({ properties: { pipeline: other!.id, dealstage: other!.stages[0]!.id } }),
    });
    expect(res.status).toBe(200);
  }

  it('the nightly run drops it (ids only) and does not score, write or alert it', async () => {
    const first = await runtime.runCycle({ tenantId: 'drift', trigger: 'manual' });
    expect(first.status).toBe('completed');
    const { dealId, alerts } = await dealWithOpenAlerts(store);
    await moveToOtherPipeline(dealId);
    const mark = sandbox.inspect.writes().length;

    const nightly = await runtime.runCycle({ tenantId: 'drift', trigger: 'nightly' });
    expect(nightly.status).toBe('completed');
    expect(nightly.steps.sync).toMatchObject({ reconciled: 'ids', dropped: 1, alertsClosed: alerts });
    await expectGone(client, store, dealId);
    await expectNoState(client, store, dealId);
    expect(touched(sandbox, mark, dealId)).toEqual([]);
  }, 120_000);

  it('a full resync drops a deal it no longer pulls', async () => {
    expect((await runtime.runCycle({ tenantId: 'drift', trigger: 'manual' })).status).toBe('completed');
    const { dealId, alerts } = await dealWithOpenAlerts(store);
    await moveToOtherPipeline(dealId);
    const mark = sandbox.inspect.writes().length;
    const resync = await runtime.runCycle({ tenantId: 'drift', trigger: 'manual', fullResync: true });
    expect(resync.status).toBe('completed');
    expect(resync.steps.sync).toMatchObject({ reconciled: 'full', dropped: 1, alertsClosed: alerts });
    await expectGone(client, store, dealId);
    await expectNoState(client, store, dealId);
    expect(touched(sandbox, mark, dealId)).toEqual([]);
  }, 120_000);
});

describe('Salesforce: an opportunity deleted and purged from the Recycle Bin', () => {
  let redis: RedisEndpoint;
  let sandbox: SalesforceSandboxHandle;
  let runtime: Runtime;
  let store: TenantStateStore;
  let client: RedisClient;

  beforeAll(async () => {
    redis = await startTestRedis();
    client = redis.createClient();
    sandbox = await startSalesforceSandbox({ world: generateWorld({ seed: 37, deals: 60 }) });
    const tenant = salesforceTenant('sfdrift', sandbox);
    const connector = salesforceAdminConnector(tenant);
    runtime = newRuntime(redis, [tenant], { connector: () => connector });
    await runtime.pool?.waitUntilReady();
    store = runtime.deps.store('sfdrift');
  });
  afterAll(async () => {
    client?.disconnect();
    await runtime?.close();
    await sandbox?.close();
    await redis?.close();
  });

  it('the nightly run drops it (ids only) and does not score, write or alert it', async () => {
    const first = await runtime.runCycle({ tenantId: 'sfdrift', trigger: 'manual' });
    expect(first.status).toBe('completed');
    // The first (full) sync says how it read: 60 opportunities, below the counting threshold: REST.
    expect(first.steps.sync).toMatchObject({ readPlan: { opportunities: 60, countCalls: 1, objects: [] } });
    const { dealId, alerts } = await dealWithOpenAlerts(store);
    // Deleted with the REST API, then purged (the Recycle Bin keeps records 15 days, or an admin
    // empties it): queryAll and getDeleted no longer show it, so the incremental pull cannot.
    const res = await fetch(`${sandbox.baseUrl}/services/data/v62.0/sobjects/Opportunity/${dealId}`, {
      method: 'DELETE',
      headers: { authorization: `Bearer ${sandbox.accessToken}` },
    });
    expect(res.status).toBe(204);
    expect(sandbox.purgeRecycleBin()).toBeGreaterThan(0);
    const mark = sandbox.inspect.writes().length;

    const nightly = await runtime.runCycle({ tenantId: 'sfdrift', trigger: 'nightly' });
    expect(nightly.status).toBe('completed');
    expect(nightly.steps.sync).toMatchObject({ reconciled: 'ids', dropped: 1, alertsClosed: alerts });
    await expectGone(client, store, dealId);
    await expectNoState(client, store, dealId);
    expect(touched(sandbox, mark, dealId)).toEqual([]);
  }, 120_000);
});
