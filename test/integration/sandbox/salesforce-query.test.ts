import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type SalesforceSandboxHandle,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { salesforceTestWorld, TEST_NOW } from './salesforce-world.fixture.ts';

/** The error a promise rejects with (fails the test when it resolves). */
async function rejectionOf(promise: PromiseLike<unknown>): Promise<Error & { errorCode?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { errorCode?: string };
  }
  throw new Error('expected a rejection');
}

type Rec = Record<string, unknown> & { Id: string };

describe('Salesforce sandbox: SOQL through jsforce', () => {
  let sandbox: SalesforceSandboxHandle;
  let conn: jsforce.Connection;

  beforeAll(async () => {
    sandbox = await startSalesforceSandbox({
      world: salesforceTestWorld({ bulkTasks: 5000 }),
      now: () => new Date(TEST_NOW),
    });
    conn = new jsforce.Connection({
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
      version: '62.0',
    });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('pages 5,000 records in three batches of at most 2,000 with nextRecordsUrl', async () => {
    const soql = "SELECT Id, Subject FROM Task WHERE Subject LIKE 'Bulk task%'";
    const first = await conn.query<Rec>(soql);
    expect(first.totalSize).toBe(5000);
    expect(first.done).toBe(false);
    expect(first.records).toHaveLength(2000);
    expect(first.nextRecordsUrl).toMatch(/\/services\/data\/v62\.0\/query\/01g[0-9A-Za-z]{15}-2000$/);
    const second = await conn.queryMore<Rec>(first.nextRecordsUrl as string);
    expect(second.records).toHaveLength(2000);
    expect(second.nextRecordsUrl).toMatch(/-4000$/);
    const third = await conn.queryMore<Rec>(second.nextRecordsUrl as string);
    expect(third.records).toHaveLength(1000);
    expect(third.done).toBe(true);
    expect(third.nextRecordsUrl).toBeUndefined();
    const ids = new Set([...first.records, ...second.records, ...third.records].map((r) => r.Id));
    expect(ids.size).toBe(5000);
  });

  it('follows every batch with autoFetch and honours Sforce-Query-Options batchSize', async () => {
    sandbox.inspect.reset();
    const records: Rec[] = [];
    await new Promise<void>((resolve, reject) => {
      conn
        .query<Rec>("SELECT Id FROM Task WHERE Subject LIKE 'Bulk task%'")
        .on('record', (r: Rec) => records.push(r))
        .on('end', () => resolve())
        .on('error', reject)
        .run({ autoFetch: true, maxFetch: 10_000, headers: { 'Sforce-Query-Options': 'batchSize=500' } });
    });
    expect(records).toHaveLength(5000);
    const byEndpoint = sandbox.inspect.callsByEndpoint();
    expect(byEndpoint['GET /services/data/vXX.X/query']).toBe(1);
    expect(byEndpoint['GET /services/data/vXX.X/query/{locator}']).toBe(9);
  });

  it('renders parent relationship fields as nested objects (polymorphic ones typed "Name")', async () => {
    const result = await conn.query<Rec>(
      'SELECT Id, Name, Account.Name, Account.Industry, Owner.Name, Owner.Email FROM Opportunity ORDER BY Name',
    );
    const deal1 = result.records.find((r) => r.Name === 'Deal 1') as Rec;
    expect(deal1.Account).toMatchObject({
      attributes: { type: 'Account' },
      Name: 'Company 2',
      Industry: 'Banking',
    });
    expect(deal1.Owner).toMatchObject({
      attributes: { type: 'User' },
      Name: 'Rep2 Seller',
      Email: 'rep2@seller.example',
    });
    const contact = await conn.query<Rec>('SELECT Id, Title, Account.Name FROM Contact WHERE Title = null');
    expect(contact.records).toHaveLength(1);
    expect(contact.records[0]?.Account).toMatchObject({ Name: 'Company 3' });
    const tasks = await conn.query<Rec>(
      "SELECT What.Type, What.Name, Who.Name FROM Task WHERE What.Type = 'Opportunity' AND Subject = 'Call 2'",
    );
    expect(tasks.records).toHaveLength(1);
    expect(tasks.records[0]?.What).toMatchObject({
      attributes: { type: 'Name' },
      Type: 'Opportunity',
      Name: 'Deal 2',
    });
  });

  it('applies WHERE with AND/OR/NOT, IN, LIKE, null, booleans and dates', async () => {
    const names = async (where: string) =>
      (await conn.query<Rec>(`SELECT Name FROM Opportunity WHERE ${where} ORDER BY Name`)).records.map(
        (r) => r.Name,
      );
    expect(await names('Amount > 3000 AND IsClosed = false')).toEqual(['Deal 4']);
    expect(
      await names("(StageName = 'Closed Won' OR StageName = 'Closed Lost') AND NOT Amount < 5500"),
    ).toEqual(['Deal 6']);
    expect(await names("StageName IN ('Prospecting', 'Qualification')")).toEqual(['Deal 1', 'Deal 2']);
    expect(await names("StageName NOT IN ('Prospecting', 'Qualification') AND Amount != null")).toEqual([
      'Deal 4',
      'Deal 5',
      'Deal 6',
    ]);
    expect(await names('Amount = null')).toEqual(['Deal 3']);
    expect(await names("Name LIKE 'deal _'")).toHaveLength(6);
    expect(await names('CloseDate <= 2026-12-10')).toEqual(['Deal 1', 'Deal 2']);
    expect(await names('LastModifiedDate >= 2026-11-17T12:00:00Z')).toEqual(['Deal 1', 'Deal 2', 'Deal 3']);
    expect(await names('LastModifiedDate = LAST_N_DAYS:2')).toEqual(['Deal 1', 'Deal 2']);
    expect(await names('Budget_Allocated__c = true')).toEqual(['Deal 2', 'Deal 4', 'Deal 6']);
  });

  it('orders with ASC/DESC and NULLS FIRST/LAST, then applies LIMIT and OFFSET', async () => {
    const amounts = async (tail: string) =>
      (await conn.query<Rec>(`SELECT Amount FROM Opportunity ${tail}`)).records.map((r) => r.Amount);
    expect(await amounts('ORDER BY Amount')).toEqual([null, 1000, 2000, 4000, 5000, 6000]);
    expect(await amounts('ORDER BY Amount DESC')).toEqual([6000, 5000, 4000, 2000, 1000, null]);
    expect(await amounts('ORDER BY Amount ASC NULLS LAST LIMIT 2')).toEqual([1000, 2000]);
    expect(await amounts('ORDER BY Amount DESC NULLS FIRST LIMIT 2 OFFSET 1')).toEqual([6000, 5000]);
  });

  it('runs child subqueries (null when a parent has no matching child) and semi-joins', async () => {
    const result = await conn.query<Rec>(
      "SELECT Name, (SELECT Role, Contact.Name FROM OpportunityContactRoles WHERE IsPrimary = true), (SELECT Subject FROM Tasks WHERE Subject = 'none') FROM Opportunity WHERE Name IN ('Deal 1', 'Deal 2') ORDER BY Name",
    );
    expect(result.records).toMatchObject([
      {
        Name: 'Deal 1',
        OpportunityContactRoles: {
          totalSize: 1,
          done: true,
          records: [{ Role: 'Decision Maker', Contact: { Name: 'Buyer2 Person' } }],
        },
        Tasks: null,
      },
      {
        Name: 'Deal 2',
        OpportunityContactRoles: { totalSize: 1, records: [{ Contact: { Name: 'Buyer3 Person' } }] },
        Tasks: null,
      },
    ]);
    const calls = await conn.query(
      "SELECT Id FROM Task WHERE TaskSubtype = 'Call' AND WhatId IN (SELECT Id FROM Opportunity WHERE IsClosed = true)",
    );
    expect(calls.totalSize).toBe(2);
    await expect(conn.query('SELECT Id, (SELECT Id FROM Nothings) FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'INVALID_TYPE',
    });
  });

  it('counts with COUNT() and returns no records', async () => {
    const result = await conn.query('SELECT COUNT() FROM Opportunity WHERE IsClosed = true');
    expect(result.totalSize).toBe(2);
    expect(result.records).toEqual([]);
  });

  it('renders history, contact roles, events with attendees, emails and quotas', async () => {
    const deal2 = sandbox.idOf('deal', 2);
    const history = await conn.query<Rec>(
      `SELECT StageName, Amount, CreatedDate FROM OpportunityHistory WHERE OpportunityId = '${deal2}' ORDER BY CreatedDate`,
    );
    // Created in Prospecting at 1,000; amount raised to 2,000 (20 days ago); moved to Qualification (10 days ago).
    expect(history.records.map((r) => r.StageName)).toEqual(['Prospecting', 'Prospecting', 'Qualification']);
    expect(history.records.map((r) => r.Amount)).toEqual([1000, 2000, 2000]);
    expect(String(history.records[0]?.CreatedDate)).toMatch(
      /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+0000$/,
    );
    const changes = await conn.query<Rec>(
      `SELECT Field, OldValue, NewValue FROM OpportunityFieldHistory WHERE OpportunityId = '${deal2}' AND Field = 'Amount'`,
    );
    expect(changes.records).toMatchObject([{ Field: 'Amount', OldValue: 1000, NewValue: 2000 }]);
    const roles = await conn.query<Rec>(
      `SELECT Contact.Title, Role, IsPrimary FROM OpportunityContactRole WHERE OpportunityId = '${deal2}' ORDER BY IsPrimary DESC`,
    );
    expect(roles.records[0]).toMatchObject({
      Role: 'Decision Maker',
      IsPrimary: true,
      Contact: { Title: 'Title 3' },
    });
    const events = await conn.query<Rec>(
      `SELECT Id, DurationInMinutes, Meeting_Outcome__c FROM Event WHERE WhatId = '${deal2}'`,
    );
    expect(events.records).toMatchObject([{ DurationInMinutes: 45, Meeting_Outcome__c: 'Completed' }]);
    const attendees = await conn.query(
      `SELECT RelationId FROM EventRelation WHERE EventId = '${events.records[0]?.Id}'`,
    );
    expect(attendees.totalSize).toBe(2);
    const emails = await conn.query<Rec>(
      `SELECT Incoming, Subject, FromAddress, ActivityId FROM EmailMessage WHERE RelatedToId = '${deal2}'`,
    );
    expect(emails.records).toMatchObject([
      { Incoming: true, Subject: 'Re: Pricing 2', FromAddress: 'buyer3@company.example' },
    ]);
    const calls = await conn.query<Rec>(
      `SELECT CallType, CallDurationInSeconds, CallDisposition FROM Task WHERE WhatId = '${deal2}' AND TaskSubtype = 'Call'`,
    );
    expect(calls.records).toMatchObject([
      { CallType: 'Outbound', CallDurationInSeconds: 300, CallDisposition: 'Connected' },
    ]);
    const quotas = await conn.query<Rec>(
      'SELECT QuotaOwner.Name, QuotaAmount, StartDate FROM ForecastingQuota',
    );
    expect(quotas.records).toMatchObject([
      { QuotaOwner: { Name: 'Rep1 Seller' }, QuotaAmount: 250000, StartDate: '2026-10-01' },
    ]);
  });

  it('answers MALFORMED_QUERY, INVALID_TYPE, INVALID_FIELD and a bad id with Salesforce error codes', async () => {
    await expect(conn.query('SELEC Id FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'MALFORMED_QUERY',
    });
    await expect(conn.query('SELECT Id FROM Opportunityy')).rejects.toMatchObject({
      errorCode: 'INVALID_TYPE',
    });
    const err = await rejectionOf(conn.query('SELECT Id, Foo__c FROM Opportunity'));
    expect(err).toMatchObject({ errorCode: 'INVALID_FIELD' });
    expect(err.message).toContain("No such column 'Foo__c' on entity 'Opportunity'");
    await expect(
      conn.query('SELECT Id FROM Opportunity WHERE CloseDate > 2026-01-01T00:00:00Z'),
    ).rejects.toMatchObject({ errorCode: 'INVALID_FIELD' });
    await expect(conn.query("SELECT Id FROM Opportunity WHERE Id = 'nope'")).rejects.toMatchObject({
      errorCode: 'INVALID_QUERY_FILTER_OPERATOR',
    });
    await expect(conn.queryMore('/services/data/v62.0/query/01gXXXXXXXXXXXXXXX-2000')).rejects.toMatchObject({
      errorCode: 'INVALID_QUERY_LOCATOR',
    });
  });

  it('includes deleted records only through queryAll', async () => {
    const task = await conn
      .sobject('Task')
      .create({ Subject: 'Soon deleted', WhatId: sandbox.idOf('deal', 1) });
    expect(task.success).toBe(true);
    await conn.sobject('Task').destroy(task.id as string);
    const live = await conn.query(`SELECT Id FROM Task WHERE Id = '${task.id}'`);
    expect(live.totalSize).toBe(0);
    const all = await conn.query<Rec>(`SELECT Id, IsDeleted FROM Task WHERE Id = '${task.id}'`, {
      scanAll: true,
    });
    expect(all.records).toMatchObject([{ IsDeleted: true }]);
  });

  it('describes objects, lists versions and limits', async () => {
    const opp = await conn.sobject('Opportunity').describe();
    const amount = opp.fields.find((f) => f.name === 'Amount');
    expect(amount).toMatchObject({ type: 'currency', custom: false, updateable: true, createable: true });
    expect(opp.fields.find((f) => f.name === 'IsWon')).toMatchObject({ updateable: false });
    expect(opp.fields.find((f) => f.name === 'Budget_Allocated__c')).toMatchObject({
      type: 'boolean',
      custom: true,
    });
    expect(opp.keyPrefix).toBe('006');
    const global = await conn.describeGlobal();
    expect(global.sobjects.map((s) => s.name)).toEqual(
      expect.arrayContaining(['Opportunity', 'Task', 'EmailMessage', 'ForecastingQuota']),
    );
    const limits = (await conn.limits()) as unknown as {
      DailyApiRequests: { Max: number; Remaining: number };
    };
    expect(limits.DailyApiRequests.Max).toBe(110_000);
    expect(limits.DailyApiRequests.Remaining).toBe(110_000 - sandbox.apiUsage().used);
    const versions = (await conn.request('/services/data')) as { version: string }[];
    expect(versions.map((v) => v.version)).toContain('62.0');
  });
});
