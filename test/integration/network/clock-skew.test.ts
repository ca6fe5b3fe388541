import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { Tenant } from '../../../src/domain/index.ts';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import { startHubSpotSandbox } from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { startSalesforceSandbox } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { SandboxHandle } from '../../../src/sandbox/sandbox-handle.ts';
import { type RedisEndpoint, resolveRedis } from '../../../src/store/redis-connection.ts';
import { type CliProcess, startWorkerProcess } from '../../support/cli-process.ts';
import { until } from '../../support/until.ts';
import { hubspotTenant, NO_SCHEDULE, prepareSalesforce, salesforceTenant } from '../pipeline/harness.ts';
import { scenario } from './network-fixture.ts';

/**
 * Issue 14 item 4: the worker's clock runs ahead of the CRM's by more than the incremental lookback
 * (5 minutes). A change made in the CRM between two runs must still be pulled: sync windows come from
 * the CRM's clock (its Date header, RFC 9110 §6.6.1, or the records' own modified stamps), never from
 * the worker's.
 */
const AHEAD_MS = 20 * 60_000;

interface Case {
  crm: 'hubspot' | 'salesforce';
  start(): Promise<SandboxHandle>;
  prepare?(sandbox: SandboxHandle): Promise<void>;
  tenant(sandbox: SandboxHandle): Tenant;
  /** Change one open deal's amount through the CRM's API (as a rep would); returns its id. */
  change(sandbox: SandboxHandle, amount: number): Promise<string>;
}

async function api(sandbox: SandboxHandle, path: string, init: RequestInit = {}): Promise<unknown> {
  const res = await fetch(`${sandbox.baseUrl}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' },
  });
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

const CASES: Case[] = [
  {
    crm: 'hubspot',
    start: () => startHubSpotSandbox({ seed: 31, deals: 30 }),
    tenant: (sandbox) => hubspotTenant('skew', sandbox, NO_SCHEDULE),
    async change(sandbox, amount) {
      const page = (await api(sandbox, '/crm/v3/objects/deals?limit=1')) as { results: { id: string }[] };
      const id = page.results[0]!.id;
      await api(sandbox, `/crm/v3/objects/deals/${id}`, {
        method: 'PATCH',
        body: JSON.stringify({ properties: { amount: String(amount) } }),
      });
      return id;
    },
  },
  {
    crm: 'salesforce',
    start: () => startSalesforceSandbox({ world: generateWorld({ seed: 31, deals: 30 }) }),
    prepare: prepareSalesforce,
    tenant: (sandbox) => salesforceTenant('skew', sandbox, NO_SCHEDULE),
    async change(sandbox, amount) {
      const q = encodeURIComponent('SELECT Id FROM Opportunity WHERE IsClosed = false LIMIT 1');
      const res = (await api(sandbox, `/services/data/v62.0/query?q=${q}`)) as { records: { Id: string }[] };
      const id = res.records[0]!.Id;
      await api(sandbox, `/services/data/v62.0/sobjects/Opportunity/${id}`, {
        method: 'PATCH',
        body: JSON.stringify({ Amount: amount }),
      });
      return id;
    },
  },
];

describe.each(CASES)('a worker whose clock is 20 minutes ahead of the CRM ($crm)', (c) => {
  let redis: RedisEndpoint;
  let sandbox: SandboxHandle;
  const workers: CliProcess[] = [];

  beforeAll(async () => {
    redis = await resolveRedis(undefined);
    sandbox = await c.start();
    await c.prepare?.(sandbox);
  });
  afterEach(async () => {
    for (const w of workers.splice(0)) await w.kill();
  });
  afterAll(async () => {
    await sandbox?.close();
    await redis?.close();
  });

  it('still pulls a change made in the CRM between two runs', { timeout: 240_000 }, async () => {
    const s = scenario(redis, [c.tenant(sandbox)], { PH_CLOCK_OFFSET_MS: String(AHEAD_MS) });
    try {
      workers.push(startWorkerProcess(s.env));
      const first = await s.finished('skew', await s.start('skew'));
      expect(first.status).toBe('completed');

      const id = await c.change(sandbox, 4_242_424);
      // The CRM's clock says whole seconds (its Date header): let it pass the change's second, so the
      // change is due in the very next window rather than the one after.
      const changedAt = Date.now();
      await until(async () => {
        const res = await fetch(`${sandbox.baseUrl}/__sandbox/calls`);
        await res.arrayBuffer();
        return Date.parse(res.headers.get('date') ?? '') > changedAt;
      }, "the CRM's clock to pass the change");
      const second = await s.finished('skew', await s.start('skew'));
      expect(second.status).toBe('completed');
      const stored = await s.runtime.deps.store('skew').deals.getDeals([id]);
      expect(stored.get(id)?.amount).toBe(4_242_424);
    } finally {
      await s.close();
    }
  });
});
