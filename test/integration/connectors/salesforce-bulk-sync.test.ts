import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncPage } from '../../../connectors/crm-connector.ts';
import type { SalesforceConnectorOptions } from '../../../connectors/salesforce/salesforce.connector.ts';
import type { SandboxWorld } from '../../../src/sandbox/world.ts';
import type { SalesforceSandboxHandle } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { connectorFor, makeWorld, merged, pullAll, startSandbox } from './salesforce-fixture.ts';

const JOB_CREATE = 'POST /services/data/vXX.X/jobs/query';
const JOB_RESULTS = 'GET /services/data/vXX.X/jobs/query/{id}/results';

const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));
const ids = (items: { id: string }[]) => items.map((i) => i.id);

describe('Salesforce connector: full sync through Bulk API 2.0', () => {
  let sandbox: SalesforceSandboxHandle;
  let world: SandboxWorld;
  let rest: ReturnType<typeof merged>;
  let restCalls: number;

  /**
   * Every object by bulk job from 100 opportunities (the bulk reader under test; the per-object
   * choice is salesforce-read-plan.test.ts); bulk status checks without real waits.
   */
  const bulkConnector = (overrides: Partial<SalesforceConnectorOptions> = {}) =>
    connectorFor(sandbox, { bulkThreshold: 100, bulkChoice: 'always', sleep: async () => {}, ...overrides });

  beforeAll(async () => {
    world = makeWorld(1200, 11, 0.08);
    sandbox = await startSandbox(world);
    const connector = connectorFor(sandbox, { bulk: false });
    rest = merged((await pullAll(connector, null)).pages);
    restCalls = connector.usage().calls;
  });
  afterAll(async () => {
    await sandbox.close();
  });

  // The world's Task table is past the sandbox's ORDER BY limit (10,000 rows): a job with ORDER BY
  // fails with QUERY_TIMEOUT (Bulk API 2.0 guide, Troubleshooting Query Timeouts), so this sync
  // completing shows the connector's jobs carry none.
  it('produces the same deals, activities and quarantined records as the REST pull, in fewer calls', async () => {
    sandbox.inspect.reset();
    const connector = bulkConnector();
    const { pages, cursor } = await pullAll(connector, null);
    const bulk = merged(pages);
    expect(sandbox.inspect.calls().filter((c) => c.endpoint === JOB_CREATE)).toHaveLength(10);
    expect(bulk.deals.length).toBeGreaterThan(1000);
    expect(byId(bulk.deals)).toEqual(byId(rest.deals));
    expect(byId(bulk.activities)).toEqual(byId(rest.activities));
    const quarantineKey = (q: { objectType: string; recordId: string | null; reason: string }) =>
      `${q.objectType}:${q.recordId}:${q.reason}`;
    expect(bulk.quarantined.map(quarantineKey).sort()).toEqual(rest.quarantined.map(quarantineKey).sort());
    expect(rest.quarantined.length).toBeGreaterThan(0);
    // Contacts and accounts: every one the REST pull brought, identical; bulk reads the contacts of
    // every account with opportunities, but no account without one and no contact of such an account.
    const bulkContacts = new Map(bulk.contacts.map((c) => [c.id, c]));
    for (const c of rest.contacts) expect(bulkContacts.get(c.id)).toEqual(c);
    const bulkAccounts = new Map(bulk.accounts.map((a) => [a.id, a]));
    for (const a of rest.accounts) expect(bulkAccounts.get(a.id)).toEqual(a);
    const dealAccounts = new Set(bulk.deals.map((d) => d.accountId));
    expect(bulk.accounts.filter((a) => !dealAccounts.has(a.id))).toEqual([]);
    expect(bulk.contacts.filter((c) => !dealAccounts.has(c.accountId))).toEqual([]);
    // (The world has such contacts, so the filter is exercised.)
    expect(
      world.contacts.some(
        (c) => c.companyN !== null && !dealAccounts.has(sandbox.idOf('company', c.companyN)),
      ),
    ).toBe(true);
    // Each record once.
    expect(new Set(ids(bulk.activities)).size).toBe(bulk.activities.length);
    expect(new Set(ids(bulk.deals)).size).toBe(bulk.deals.length);

    const calls = connector.usage().calls;
    expect(calls).toBe(sandbox.inspect.calls().length);
    expect(calls).toBeLessThan(restCalls);
    console.info(`bulk full sync: ${calls} calls; REST: ${restCalls}`);

    // The next (incremental) run stays on REST.
    sandbox.inspect.reset();
    await pullAll(connector, cursor);
    expect(sandbox.inspect.calls().some((c) => c.endpoint.includes('/jobs/query'))).toBe(false);
  });

  it('below the threshold, or switched off, a full sync stays on REST', async () => {
    sandbox.inspect.reset();
    await pullAll(connectorFor(sandbox, { bulkThreshold: 5_000, sleep: async () => {} }), null);
    const endpoints = sandbox.inspect.calls().map((c) => c.endpoint);
    expect(endpoints.some((e) => e.includes('/jobs/query'))).toBe(false);
    // One COUNT() decided it.
    expect(endpoints.filter((e) => e === 'GET /services/data/vXX.X/query').length).toBeGreaterThan(1);
  });

  /** Pull until `stopAfter` returns true for a page, then resume with a fresh connector from that page's cursor. */
  async function crashAndResume(
    stopAfter: (page: SyncPage, index: number) => boolean,
    beforeResume?: () => void,
  ) {
    const first: SyncPage[] = [];
    for await (const page of bulkConnector({ bulkMaxRecords: 4_000 }).pull(null)) {
      first.push(page);
      if (stopAfter(page, first.length - 1)) break;
    }
    const cursor = first.at(-1)?.cursor as string;
    beforeResume?.();
    sandbox.inspect.reset();
    const resumed = await pullAll(bulkConnector({ bulkMaxRecords: 4_000 }), cursor);
    return { first, resumed: resumed.pages, cursor, calls: sandbox.inspect.calls() };
  }

  it('a crash mid-phase resumes at the next results page of the same job: nothing repeated, nothing lost', async () => {
    // Stop after the second page of Tasks (a job with several 4,000-row pages).
    let taskPages = 0;
    const run = await crashAndResume((page) => {
      const state = JSON.parse(page.cursor) as { phase?: string };
      if (state.phase === 'tasks') taskPages += 1;
      return taskPages === 2;
    });
    const stopped = JSON.parse(run.cursor) as {
      phase: string;
      bulk: { jobId: string; locator: string } | null;
    };
    expect(stopped.phase).toBe('tasks');
    expect(stopped.bulk?.jobId).toMatch(/^750/);
    // The resumed run's first bulk call reads the stored locator of the stored job: no new Task job.
    expect(run.calls.find((c) => c.endpoint.includes('/jobs/query'))?.endpoint).toBe(JOB_RESULTS);
    // Jobs of the phases still to come only: Event, EventRelation, EmailMessage, Contact, Account.
    expect(run.calls.filter((c) => c.endpoint === JOB_CREATE)).toHaveLength(5);
    const all = merged([...run.first, ...run.resumed]);
    expect(new Set(ids(all.activities)).size).toBe(all.activities.length);
    expect(byId(all.activities)).toEqual(byId(rest.activities));
    expect(byId(all.deals)).toEqual(byId(rest.deals));
  });

  it('a job that expired before the resume reads the phase again with a new job: nothing lost', async () => {
    let taskPages = 0;
    const run = await crashAndResume(
      (page) => {
        const state = JSON.parse(page.cursor) as { phase?: string };
        if (state.phase === 'tasks') taskPages += 1;
        return taskPages === 2;
      },
      () => sandbox.expireBulkQueryJobs(),
    );
    // The stored job is gone (404). Bulk rows come unordered (no ORDER BY: it disables PK chunking),
    // so there is no keyset to continue from: a new Task job reads the phase again.
    expect(run.calls.find((c) => c.endpoint === JOB_RESULTS)?.status).toBe(404);
    expect(run.calls.filter((c) => c.endpoint === JOB_CREATE).length).toBeGreaterThanOrEqual(5);
    const all = merged([...run.first, ...run.resumed]);
    const unique = new Map(all.activities.map((a) => [a.id, a]));
    expect(byId([...unique.values()])).toEqual(byId(rest.activities));
  });

  it('a session that expires mid-sync is refreshed and a dropped results call is retried: the sync completes', async () => {
    const connector = bulkConnector({ bulkMaxRecords: 4_000 });
    const pages: SyncPage[] = [];
    sandbox.inspect.reset();
    let armed = false;
    for await (const page of connector.pull(null)) {
      pages.push(page);
      const state = JSON.parse(page.cursor) as { phase?: string };
      if (!armed && state.phase === 'tasks') {
        // The next call reads the Task job's second results page: dropped once, then refused
        // with an expired session.
        armed = true;
        sandbox.expireAllTokens();
        sandbox.faults.dropNext = 1;
      }
    }
    const all = merged(pages);
    expect(byId(all.activities)).toEqual(byId(rest.activities));
    expect(byId(all.deals)).toEqual(byId(rest.deals));
    const calls = sandbox.inspect.calls();
    const tokens = calls.filter((c) => c.endpoint === 'POST /services/oauth2/token');
    // The first grant, and one refresh shared by whatever was waiting.
    expect(tokens).toHaveLength(2);
    const firstFailure = calls.findIndex((c) => c.status === 0);
    expect(calls[firstFailure]?.endpoint).toBe(JOB_RESULTS);
    expect(calls[firstFailure + 1]).toMatchObject({ endpoint: JOB_RESULTS, status: 401 });
    expect(calls[firstFailure + 2]?.endpoint).toBe('POST /services/oauth2/token');
    expect(calls[firstFailure + 3]).toMatchObject({ endpoint: JOB_RESULTS, status: 200 });
    expect(connector.usage().calls).toBe(calls.length);
  });
});
