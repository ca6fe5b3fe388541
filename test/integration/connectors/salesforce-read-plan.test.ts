import { Connection } from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SyncPage } from '../../../connectors/crm-connector.ts';
import type { SalesforceSandboxHandle } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { connectorFor, makeWorld, merged, pullAll, startSandbox } from './salesforce-fixture.ts';

/**
 * Issue 19: a full sync reads each object by Bulk API 2.0 only when that costs fewer calls than
 * REST for the object's rows (at 1,000 opportunities an all-bulk sync used 46 calls where REST
 * needs 40). The oracle is the vendors' documented paging, applied to rows counted here:
 * - REST API Developer Guide, "Query": up to 2,000 records per batch, the rest through the locator;
 * - Bulk API 2.0 guide: "Create a Query Job" (one call), "Get Information About a Query Job" (a
 *   status check per call; the sandbox answers the first InProgress, the second JobComplete: 2),
 *   "Get Results for a Query Job" (one call per `maxRecords` rows, default 50,000).
 */
const REST_BATCH = 2_000;
const BULK_MAX_RECORDS = 50_000;
const STATUS_CHECKS = 2;
const JOB_CREATE = 'POST /services/data/vXX.X/jobs/query';

const restCalls = (rows: number) => Math.max(1, Math.ceil(rows / REST_BATCH));
const bulkCalls = (rows: number) => 1 + STATUS_CHECKS + Math.max(1, Math.ceil(rows / BULK_MAX_RECORDS));
const byId = <T extends { id: string }>(items: T[]) => [...items].sort((a, b) => a.id.localeCompare(b.id));

describe('Salesforce full sync: REST or Bulk API 2.0 per object, by expected calls', () => {
  let sandbox: SalesforceSandboxHandle;
  let rows: Record<string, number>;
  let rest: ReturnType<typeof merged>;
  let restOnlyCalls: number;

  beforeAll(async () => {
    sandbox = await startSandbox(makeWorld(1_000, 42));
    const admin = new Connection({
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
      version: '62.0',
    });
    const count = async (soql: string) => (await admin.query(soql)).totalSize;
    const onOpportunities = (field: string) => `${field} IN (SELECT Id FROM Opportunity)`;
    // The rows each object's read selects: activities of existing opportunities (email Tasks come
    // with their EmailMessage), contacts and accounts of accounts with opportunities.
    rows = {
      Opportunity: await count('SELECT COUNT() FROM Opportunity'),
      EmailMessage: await count(`SELECT COUNT() FROM EmailMessage WHERE ${onOpportunities('RelatedToId')}`),
      Task: await count(
        `SELECT COUNT() FROM Task WHERE ${onOpportunities('WhatId')} AND Id NOT IN (SELECT ActivityId FROM EmailMessage WHERE RelatedToId != null AND ActivityId != null)`,
      ),
      Event: await count(`SELECT COUNT() FROM Event WHERE ${onOpportunities('WhatId')}`),
      Contact: await count(
        'SELECT COUNT() FROM Contact WHERE AccountId IN (SELECT AccountId FROM Opportunity)',
      ),
      Account: await count('SELECT COUNT() FROM Account WHERE Id IN (SELECT AccountId FROM Opportunity)'),
      OpportunityHistory: await count('SELECT COUNT() FROM OpportunityHistory'),
      OpportunityFieldHistory: await count(
        "SELECT COUNT() FROM OpportunityFieldHistory WHERE Field IN ('StageName','CloseDate','Amount','NextStep')",
      ),
      OpportunityContactRole: await count('SELECT COUNT() FROM OpportunityContactRole'),
      EventRelation: await count('SELECT COUNT() FROM EventRelation'),
    };
    const connector = connectorFor(sandbox, { bulk: false });
    rest = merged((await pullAll(connector, null)).pages);
    restOnlyCalls = connector.usage().calls;
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('~1,000 opportunities: each object the cheaper way, the same records as REST, exactly the planned calls', async () => {
    sandbox.inspect.reset();
    const connector = connectorFor(sandbox, { sleep: async () => {} });
    const { pages } = await pullAll(connector, null);
    const plan = pages[0]?.readPlan;
    expect(plan).toBeDefined();
    expect(pages.slice(1).every((p: SyncPage) => p.readPlan === undefined)).toBe(true);

    // The plan against the documented paging of the rows counted above.
    const expected = Object.entries(rows).map(([object, n]) => ({
      object,
      rows: n,
      restCalls: restCalls(n),
      bulkCalls: bulkCalls(n),
      via: bulkCalls(n) < restCalls(n) ? 'bulk' : 'rest',
    }));
    expect([...(plan?.objects ?? [])].sort((a, b) => a.object.localeCompare(b.object))).toEqual(
      expected.sort((a, b) => a.object.localeCompare(b.object)),
    );
    // This world has both sides of the break-even: 1,000 opportunities stay on REST (1 call, not
    // 4), the ~12,000 Tasks go to a bulk job (4 calls, not 7).
    expect(plan?.objects.find((o) => o.object === 'Opportunity')?.via).toBe('rest');
    expect(plan?.objects.find((o) => o.object === 'Task')?.via).toBe('bulk');
    const viaBulk = expected.filter((o) => o.via === 'bulk').length;
    expect(sandbox.inspect.calls().filter((c) => c.endpoint === JOB_CREATE)).toHaveLength(viaBulk);

    // Same records as the REST pull.
    const planned = merged(pages);
    expect(byId(planned.deals)).toEqual(byId(rest.deals));
    expect(byId(planned.activities)).toEqual(byId(rest.activities));
    expect(new Set(planned.activities.map((a) => a.id)).size).toBe(planned.activities.length);

    // Calls: a token, the counts, the stage list and the Task alert-key probe, then the plan.
    const calls = connector.usage().calls;
    expect(calls).toBe(sandbox.inspect.calls().length);
    expect(calls).toBe(1 + (plan?.countCalls ?? 0) + 2 + (plan?.plannedCalls ?? 0));
    expect(plan?.plannedCalls).toBeLessThan(plan?.restCalls ?? 0);
    expect(plan?.plannedCalls).toBeLessThan(plan?.bulkCalls ?? 0);
    expect(calls).toBeLessThan(restOnlyCalls);
    console.info(
      `planned full sync: ${calls} calls (objects: REST ${plan?.restCalls}, bulk ${plan?.bulkCalls}, planned ${plan?.plannedCalls}); REST pull: ${restOnlyCalls}`,
    );
  });

  it('a resumed full sync reads on with the plan it started with, and reports it', async () => {
    const first: SyncPage[] = [];
    for await (const page of connectorFor(sandbox, { sleep: async () => {} }).pull(null)) {
      first.push(page);
      if ((JSON.parse(page.cursor) as { phase?: string }).phase === 'tasks') break;
    }
    // Resumed by a connector that would plan differently (REST below 5,000 opportunities): the
    // plan travels in the cursor, so the resumed run neither counts again nor changes course.
    const resumed = await pullAll(
      connectorFor(sandbox, { bulkThreshold: 5_000, sleep: async () => {} }),
      first.at(-1)!.cursor,
    );
    expect(first[0]?.readPlan?.objects.length).toBe(Object.keys(rows).length);
    expect(resumed.pages[0]?.readPlan).toEqual(first[0]?.readPlan);
    const all = merged([...first, ...resumed.pages]);
    const unique = new Map(all.activities.map((a) => [a.id, a]));
    expect(byId([...unique.values()])).toEqual(byId(rest.activities));
    expect(byId([...new Map(all.deals.map((d) => [d.id, d])).values()])).toEqual(byId(rest.deals));
  });

  it('below the counting threshold the full sync stays on REST after one COUNT(), and says so', async () => {
    sandbox.inspect.reset();
    const connector = connectorFor(sandbox, { bulkThreshold: 5_000, sleep: async () => {} });
    const { pages } = await pullAll(connector, null);
    expect(pages[0]?.readPlan).toMatchObject({ opportunities: rows.Opportunity, countCalls: 1, objects: [] });
    expect(sandbox.inspect.calls().some((c) => c.endpoint.includes('/jobs/query'))).toBe(false);
    expect(connector.usage().calls).toBe(restOnlyCalls + 1);
  });
});
