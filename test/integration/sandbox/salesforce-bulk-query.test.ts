import { parse } from 'csv-parse/sync';
import jsforce from 'jsforce';
import { afterEach, describe, expect, it } from 'vitest';
import {
  type SalesforceSandboxHandle,
  type SalesforceSandboxOptions,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { salesforceTestWorld, TEST_NOW } from './salesforce-world.fixture.ts';

type Rec = Record<string, unknown> & { Id: string };
const JOBS = '/services/data/v62.0/jobs/query';

/** The error a promise rejects with (fails the test when it resolves). */
async function rejectionOf(promise: PromiseLike<unknown>): Promise<Error & { errorCode?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { errorCode?: string };
  }
  throw new Error('expected a rejection');
}

describe('Salesforce sandbox: Bulk API 2.0 query jobs', () => {
  let sandbox: SalesforceSandboxHandle | undefined;
  const start = async (options: Partial<SalesforceSandboxOptions> = {}) => {
    sandbox = await startSalesforceSandbox({
      world: salesforceTestWorld({ deals: 6, bulkTasks: 2500 }),
      now: () => new Date(TEST_NOW),
      ...options,
    });
    const conn = new jsforce.Connection({
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
      version: '62.0',
    });
    // jsforce waits this long between status checks (default 1 s); the sandbox counts checks, not time.
    conn.bulk2.pollInterval = 5;
    return { s: sandbox, conn };
  };
  /** One raw HTTP call with the sandbox token: status, headers and body text. */
  const call = async (s: SalesforceSandboxHandle, method: string, path: string, body?: unknown) => {
    const response = await fetch(`${s.baseUrl}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${s.accessToken}`,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: response.status, headers: response.headers, text: await response.text() };
  };
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it("jsforce's conn.bulk2.query returns the same records as the REST query, as CSV strings", async () => {
    const { s, conn } = await start();
    const soql =
      'SELECT Id, Name, Amount, IsClosed, CloseDate, CreatedDate, Account.Name, Account.Industry FROM Opportunity';
    const rest = (await conn.query<Rec>(soql)).records;
    const bulk = (await (await conn.bulk2.query(soql)).toArray()) as Record<string, string>[];
    expect(bulk).toHaveLength(rest.length);
    expect(bulk.map((r) => r.Id).sort()).toEqual(rest.map((r) => r.Id).sort());
    for (const record of rest) {
      const row = bulk.find((r) => r.Id === record.Id) as Record<string, string>;
      const account = record.Account as { Name: string; Industry: string | null } | null;
      expect(row).toEqual({
        Id: record.Id,
        Name: record.Name,
        // A null is an empty field; numbers and booleans as text; datetimes as the REST API renders them.
        Amount: record.Amount === null ? '' : String(record.Amount),
        IsClosed: String(record.IsClosed),
        CloseDate: record.CloseDate,
        CreatedDate: record.CreatedDate,
        'Account.Name': account?.Name ?? '',
        'Account.Industry': account?.Industry ?? '',
      });
    }
    expect(bulk.find((r) => r.Id === s.idOf('deal', 3))?.Amount).toBe('');
    expect(bulk[0]?.CreatedDate).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+0000$/);
  });

  it('pages results by locator and maxRecords; each page has its header row, the last locator is "null"', async () => {
    const { s } = await start({ bulkQueryPolls: 2 });
    const soql = "SELECT Id, Subject, IsClosed FROM Task WHERE Subject LIKE 'Bulk task%'";
    const created = await call(s, 'POST', JOBS, { operation: 'query', query: soql });
    expect(created.status).toBe(200);
    const job = JSON.parse(created.text) as { id: string; state: string; object: string };
    expect(job).toMatchObject({ state: 'UploadComplete', object: 'Task' });
    expect(job.id).toMatch(/^750/);
    const states: string[] = [];
    for (let i = 0; i < 3; i += 1)
      states.push((JSON.parse((await call(s, 'GET', `${JOBS}/${job.id}`)).text) as { state: string }).state);
    expect(states).toEqual(['InProgress', 'InProgress', 'JobComplete']);

    const ids: string[] = [];
    const counts: number[] = [];
    let locator: string | null = null;
    do {
      const query: string = `maxRecords=1000${locator === null ? '' : `&locator=${locator}`}`;
      const page = await call(s, 'GET', `${JOBS}/${job.id}/results?${query}`);
      expect(page.status).toBe(200);
      expect(page.headers.get('content-type')).toMatch(/^text\/csv/);
      expect(page.text.split('\n')[0]).toBe('"Id","Subject","IsClosed"');
      const rows = parse(page.text, { columns: true }) as Record<string, string>[];
      expect(Number(page.headers.get('sforce-numberofrecords'))).toBe(rows.length);
      counts.push(rows.length);
      ids.push(...rows.map((r) => r.Id as string));
      // The fixture's bulk tasks are completed: booleans come as true/false.
      expect(rows.every((r) => r.IsClosed === 'true')).toBe(true);
      locator = page.headers.get('sforce-locator');
      expect(locator).not.toBeNull();
    } while (locator !== 'null');
    expect(counts).toEqual([1000, 1000, 500]);
    expect(new Set(ids).size).toBe(2500);
    // A locator can be read again while the job exists (same page, same rows).
    const again = await call(s, 'GET', `${JOBS}/${job.id}/results?maxRecords=1000`);
    expect((parse(again.text, { columns: true }) as Rec[]).map((r) => r.Id)).toEqual(ids.slice(0, 1000));
  });

  it('a query the engine refuses makes a Failed job with the reason; jsforce rejects', async () => {
    const { s, conn } = await start();
    const created = await call(s, 'POST', JOBS, {
      operation: 'query',
      query: 'SELECT Id, NoSuchField__c FROM Opportunity',
    });
    const job = JSON.parse(created.text) as { id: string };
    const checks = [await call(s, 'GET', `${JOBS}/${job.id}`), await call(s, 'GET', `${JOBS}/${job.id}`)];
    const final = JSON.parse(checks[1]?.text ?? '{}') as { state: string; errorMessage?: string };
    expect(final.state).toBe('Failed');
    expect(final.errorMessage).toMatch(/^INVALID_FIELD: .*No such column 'NoSuchField__c'/s);
    const results = await call(s, 'GET', `${JOBS}/${job.id}/results`);
    expect(results.status).toBe(400);
    // Bulk API 2.0 does not run aggregates or parent-to-child subqueries.
    const count = JSON.parse(
      (await call(s, 'POST', JOBS, { operation: 'query', query: 'SELECT COUNT() FROM Task' })).text,
    ) as { id: string };
    await call(s, 'GET', `${JOBS}/${count.id}`);
    const countInfo = JSON.parse((await call(s, 'GET', `${JOBS}/${count.id}`)).text) as {
      state: string;
      errorMessage: string;
    };
    expect(countInfo).toMatchObject({ state: 'Failed' });
    expect(countInfo.errorMessage).toMatch(/aggregate functions/);
    const failed = await rejectionOf(conn.bulk2.query('SELECT Id, (SELECT Id FROM Tasks) FROM Opportunity'));
    expect(failed.message).toMatch(/failed/i);
  });

  /**
   * Bulk API 2.0 Developer Guide, "Troubleshooting Query Timeouts": ORDER BY in a Bulk 2.0 query
   * disables PK chunking, so the query takes longer and can time out; remove ORDER BY. The size from
   * which the sandbox fails such a job (bulkOrderByTimeoutRows) is ours (docs/SANDBOX.md); the
   * QUERY_TIMEOUT code is the one "How Bulk Queries Are Processed" names.
   * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/bulk_api_2_0_troubleshoot_query_timeouts.htm
   */
  it('ORDER BY over a large object times out; the same query without ORDER BY completes', async () => {
    const { s } = await start({ bulkOrderByTimeoutRows: 1000 });
    const finalState = async (query: string) => {
      const job = JSON.parse((await call(s, 'POST', JOBS, { operation: 'query', query })).text) as {
        id: string;
      };
      await call(s, 'GET', `${JOBS}/${job.id}`);
      return JSON.parse((await call(s, 'GET', `${JOBS}/${job.id}`)).text) as {
        state: string;
        errorMessage?: string;
      };
    };
    // Task has 2,500+ rows here: ordered, the job fails; unordered, it completes.
    const ordered = await finalState(
      'SELECT Id, SystemModstamp FROM Task ORDER BY SystemModstamp ASC, Id ASC',
    );
    expect(ordered.state).toBe('Failed');
    expect(ordered.errorMessage).toMatch(/^QUERY_TIMEOUT: /);
    expect(ordered.errorMessage).toContain('ORDER BY');
    expect(await finalState('SELECT Id, SystemModstamp FROM Task')).toMatchObject({ state: 'JobComplete' });
    // A small object may be ordered.
    expect(await finalState('SELECT Id FROM Opportunity ORDER BY Id')).toMatchObject({
      state: 'JobComplete',
    });
  });

  /**
   * Bulk API 2.0 Developer Guide, "Understanding Bulk API 2.0 Query", SOQL considerations: "Bulk API
   * 2.0 doesn't support SOQL queries that include any of these items: GROUP BY, OFFSET, or TYPEOF
   * clauses; aggregate functions such as COUNT(); ... parent-to-child relationship queries".
   * https://developer.salesforce.com/docs/atlas.en-us.api_asynch.meta/api_asynch/queries.htm
   */
  it('fails jobs with COUNT(), GROUP BY, OFFSET, TYPEOF and child subqueries, with the documented text', async () => {
    const { s } = await start();
    const cases: [string, string][] = [
      ['SELECT COUNT() FROM Task', 'aggregate functions such as COUNT()'],
      [
        'SELECT StageName, COUNT(Id) FROM Opportunity GROUP BY StageName',
        'GROUP BY, OFFSET, or TYPEOF clauses',
      ],
      ['SELECT Id FROM Opportunity OFFSET 5', 'GROUP BY, OFFSET, or TYPEOF clauses'],
      [
        'SELECT Id, TYPEOF What WHEN Opportunity THEN Name ELSE Id END FROM Task',
        'GROUP BY, OFFSET, or TYPEOF clauses',
      ],
      ['SELECT Id, (SELECT Id FROM Tasks) FROM Opportunity', 'parent-to-child relationship queries'],
    ];
    for (const [query, text] of cases) {
      const job = JSON.parse((await call(s, 'POST', JOBS, { operation: 'query', query })).text) as {
        id: string;
      };
      await call(s, 'GET', `${JOBS}/${job.id}`);
      const info = JSON.parse((await call(s, 'GET', `${JOBS}/${job.id}`)).text) as {
        state: string;
        errorMessage?: string;
      };
      expect(info.state, query).toBe('Failed');
      expect(info.errorMessage, query).toContain("Bulk API 2.0 doesn't support SOQL queries that include");
      expect(info.errorMessage, query).toContain(text);
    }
  });

  it('queryAll includes deleted rows; abort and delete end a job; an expired job is 404', async () => {
    const { s, conn } = await start();
    await conn.sobject('Opportunity').destroy(s.idOf('deal', 2));
    const soql = 'SELECT Id, IsDeleted FROM Opportunity';
    const live = (await (await conn.bulk2.query(soql)).toArray()) as Record<string, string>[];
    const all = (await (await conn.bulk2.query(soql, { scanAll: true })).toArray()) as Record<
      string,
      string
    >[];
    expect(live).toHaveLength(5);
    expect(all).toHaveLength(6);
    expect(all.find((r) => r.Id === s.idOf('deal', 2))?.IsDeleted).toBe('true');

    const job = JSON.parse((await call(s, 'POST', JOBS, { operation: 'query', query: soql })).text) as {
      id: string;
    };
    const aborted = await call(s, 'PATCH', `${JOBS}/${job.id}`, { state: 'Aborted' });
    expect(JSON.parse(aborted.text)).toMatchObject({ id: job.id, state: 'Aborted' });
    expect((await call(s, 'GET', `${JOBS}/${job.id}/results`)).status).toBe(400);
    expect((await call(s, 'DELETE', `${JOBS}/${job.id}`)).status).toBe(204);
    expect((await call(s, 'GET', `${JOBS}/${job.id}`)).status).toBe(404);

    const kept = JSON.parse((await call(s, 'POST', JOBS, { operation: 'query', query: soql })).text) as {
      id: string;
    };
    s.expireBulkQueryJobs();
    const gone = await call(s, 'GET', `${JOBS}/${kept.id}/results`);
    expect(gone.status).toBe(404);
    expect(JSON.parse(gone.text)).toEqual([expect.objectContaining({ errorCode: 'NOT_FOUND' })]);
  });

  it('needs a valid session like every data call; jsforce refreshes and finishes the job', async () => {
    const { s } = await start();
    const conn = new jsforce.Connection({
      instanceUrl: s.baseUrl,
      accessToken: s.accessToken,
      refreshToken: s.oauth.refreshToken,
      oauth2: { clientId: s.oauth.clientId, clientSecret: s.oauth.clientSecret, loginUrl: s.baseUrl },
      version: '62.0',
    });
    conn.bulk2.pollInterval = 5;
    s.expireAllTokens();
    const denied = await call(s, 'POST', JOBS, { operation: 'query', query: 'SELECT Id FROM Account' });
    expect(denied.status).toBe(401);
    expect(JSON.parse(denied.text)).toEqual([expect.objectContaining({ errorCode: 'INVALID_SESSION_ID' })]);
    const rows = await (await conn.bulk2.query('SELECT Id FROM Account')).toArray();
    expect(rows.length).toBeGreaterThan(0);
    expect(
      s.inspect.calls().some((c) => c.endpoint === 'POST /services/oauth2/token' && c.status === 200),
    ).toBe(true);
  });

  it('counts every job request against the API allocation, and faults apply', async () => {
    const { s, conn } = await start();
    const before = s.apiUsage().used;
    s.inspect.reset();
    await (await conn.bulk2.query('SELECT Id FROM Contact')).toArray();
    const calls = s.inspect.calls();
    // create, two status checks (InProgress, JobComplete), one results page
    expect(calls.map((c) => c.endpoint)).toEqual([
      'POST /services/data/vXX.X/jobs/query',
      'GET /services/data/vXX.X/jobs/query/{id}',
      'GET /services/data/vXX.X/jobs/query/{id}',
      'GET /services/data/vXX.X/jobs/query/{id}/results',
    ]);
    expect(s.apiUsage().used - before).toBe(4);
    const results = await call(s, 'GET', `${JOBS}/750000000000000AAA/results`);
    expect(results.headers.get('sforce-limit-info')).toBe(`api-usage=${before + 5}/${s.apiUsage().max}`);

    s.faults.errorRates = { 503: 1 };
    const unavailable = await call(s, 'POST', JOBS, { operation: 'query', query: 'SELECT Id FROM Contact' });
    expect(unavailable.status).toBe(503);
    s.faults.errorRates = {};
    s.setApiUsage(s.apiUsage().max);
    const refused = await call(s, 'POST', JOBS, { operation: 'query', query: 'SELECT Id FROM Contact' });
    expect(refused.status).toBe(403);
    expect(JSON.parse(refused.text)).toEqual([
      expect.objectContaining({ errorCode: 'REQUEST_LIMIT_EXCEEDED' }),
    ]);
  });

  it('hides fields the API user cannot read, as REST does', async () => {
    const { s, conn } = await start();
    await conn.tooling.sobject('CustomField').create({
      FullName: 'Opportunity.Secret__c',
      Metadata: { type: 'Text', label: 'Secret', length: 20 },
    });
    const job = JSON.parse(
      (await call(s, 'POST', JOBS, { operation: 'query', query: 'SELECT Id, Secret__c FROM Opportunity' }))
        .text,
    ) as { id: string };
    await call(s, 'GET', `${JOBS}/${job.id}`);
    const info = JSON.parse((await call(s, 'GET', `${JOBS}/${job.id}`)).text) as {
      state: string;
      errorMessage: string;
    };
    expect(info.state).toBe('Failed');
    expect(info.errorMessage).toMatch(/^INVALID_FIELD/);
  });
});
