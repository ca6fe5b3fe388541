import jsforce from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type SalesforceSandboxHandle,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { salesforceTestWorld } from './salesforce-world.fixture.ts';

type Rec = Record<string, unknown> & { Id: string };
/** The error a promise rejects with (fails the test when it resolves). */
async function rejectionOf(promise: PromiseLike<unknown>): Promise<Error & { errorCode?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { errorCode?: string };
  }
  throw new Error('expected a rejection');
}

type SaveResult = {
  id?: string;
  success: boolean;
  errors: { statusCode: string; message: string; fields: string[] }[];
};

describe('Salesforce sandbox: writes through jsforce', () => {
  let sandbox: SalesforceSandboxHandle;
  let conn: jsforce.Connection;

  beforeEach(async () => {
    sandbox = await startSalesforceSandbox({ world: salesforceTestWorld({ deals: 6 }) });
    conn = new jsforce.Connection({
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
      version: '62.0',
    });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  const deal = (n: number): string => sandbox.idOf('deal', n);

  it('creates alert tasks through collections; they persist and are queryable', async () => {
    const [deal1, deal2] = [deal(1), deal(2)];
    const results = (await conn.sobject('Task').create([
      { Subject: 'Health alert: buyer silent', WhatId: deal1, Status: 'Not Started', Priority: 'High' },
      { Subject: 'Health alert: stalled', WhatId: deal2, ActivityDate: '2026-12-01' },
    ])) as SaveResult[];
    expect(results.map((r) => r.success)).toEqual([true, true]);
    expect(results[0]?.id).toMatch(/^00T[0-9A-Za-z]{15}$/);
    const found = await conn.query<Rec>(
      "SELECT Id, Subject, OwnerId, TaskSubtype, Status, What.Name FROM Task WHERE Subject LIKE 'Health alert:%' ORDER BY Subject",
    );
    expect(found.records).toMatchObject([
      {
        Subject: 'Health alert: buyer silent',
        OwnerId: sandbox.apiUserId,
        TaskSubtype: 'Task',
        Status: 'Not Started',
        What: { Name: 'Deal 1' },
      },
      { Subject: 'Health alert: stalled', Status: 'Not Started', What: { Name: 'Deal 2' } },
    ]);
    expect(
      sandbox.inspect.writes().filter((w) => w.objectType === 'Task' && w.operation === 'create'),
    ).toHaveLength(2);
    expect(sandbox.inspect.callsByEndpoint()['POST /services/data/vXX.X/composite/sobjects']).toBe(1);
  });

  it('updates opportunities in a batch: values persist, SystemModstamp moves, history is tracked', async () => {
    const [deal1, deal2] = [deal(1), deal(2)];
    const before = (await conn.query<Rec>(`SELECT SystemModstamp FROM Opportunity WHERE Id = '${deal1}'`))
      .records[0];
    const results = (await conn.sobject('Opportunity').update([
      { Id: deal1, NextStep: 'Call the CFO', StageName: 'Negotiation/Review' },
      { Id: deal2, Amount: 12345 },
    ])) as SaveResult[];
    expect(results).toEqual([
      { id: deal1, success: true, errors: [] },
      { id: deal2, success: true, errors: [] },
    ]);
    const after = await conn.query<Rec>(
      `SELECT Id, NextStep, StageName, IsClosed, Probability, Amount, SystemModstamp, LastModifiedDate FROM Opportunity WHERE Id IN ('${deal1}', '${deal2}') ORDER BY Name`,
    );
    expect(after.records[0]).toMatchObject({
      NextStep: 'Call the CFO',
      StageName: 'Negotiation/Review',
      IsClosed: false,
      Probability: 80,
    });
    expect(after.records[1]).toMatchObject({ Amount: 12345 });
    expect(Date.parse(String(after.records[0]?.SystemModstamp).replace('+0000', 'Z'))).toBeGreaterThan(
      Date.parse(String(before?.SystemModstamp).replace('+0000', 'Z')),
    );
    const newer = await conn.query(
      `SELECT Id FROM Opportunity WHERE SystemModstamp > ${String(before?.SystemModstamp).replace('.000+0000', 'Z')}`,
    );
    expect(newer.totalSize).toBe(2);
    const fieldHistory = await conn.query<Rec>(
      `SELECT Field, OldValue, NewValue FROM OpportunityFieldHistory WHERE OpportunityId = '${deal1}' AND Field IN ('StageName', 'NextStep')`,
    );
    expect(fieldHistory.records).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          Field: 'StageName',
          OldValue: 'Prospecting',
          NewValue: 'Negotiation/Review',
        }),
        expect.objectContaining({ Field: 'NextStep', OldValue: null, NewValue: 'Call the CFO' }),
      ]),
    );
    expect(sandbox.inspect.writes()).toMatchObject([
      {
        objectType: 'Opportunity',
        recordId: deal1,
        operation: 'update',
        values: { NextStep: 'Call the CFO', StageName: 'Negotiation/Review' },
      },
      { objectType: 'Opportunity', recordId: deal2, operation: 'update', values: { Amount: 12345 } },
    ]);
  });

  it('lists updated and deleted ids for a replication window', async () => {
    const start = new Date(Date.now() - 60_000);
    await conn.sobject('Opportunity').update({ Id: deal(3), NextStep: 'Replicate me' });
    const task = (await conn.sobject('Task').create({ Subject: 'Gone soon', WhatId: deal(1) })) as SaveResult;
    await conn.sobject('Task').destroy(task.id as string);
    const end = new Date(Date.now() + 60_000);
    const updated = await conn.sobject('Opportunity').updated(start, end);
    expect(updated.ids).toEqual([deal(3)]);
    const deleted = await conn.sobject('Task').deleted(start, end);
    expect(deleted.deletedRecords.map((r) => r.id)).toEqual([task.id]);
    await expect(conn.sobject('Opportunity').updated(end, start)).rejects.toMatchObject({
      errorCode: 'INVALID_REPLICATION_DATE',
    });
  });

  it('refuses more than 200 records in one collections request', async () => {
    const records = Array.from({ length: 201 }, (_, i) => ({ Subject: `t${i}`, WhatId: deal(1) }));
    await expect(conn.sobject('Task').create(records)).rejects.toMatchObject({
      errorCode: 'EXCEEDED_ID_LIMIT',
    });
    const updates = Array.from({ length: 201 }, () => ({ Id: deal(1), NextStep: 'x' }));
    await expect(conn.sobject('Opportunity').update(updates)).rejects.toMatchObject({
      errorCode: 'EXCEEDED_ID_LIMIT',
    });
    const exactly200 = (await conn.sobject('Task').create(records.slice(0, 200))) as SaveResult[];
    expect(exactly200.every((r) => r.success)).toBe(true);
  });

  it('with allOrNone=false applies the valid records and reports per-record errors', async () => {
    const [deal1, deal2, deal3] = [deal(1), deal(2), deal(3)];
    sandbox.faults.failRecords = { [deal2]: 'Amount cannot be changed after approval' };
    const results = (await conn.sobject('Opportunity').update(
      [
        { Id: deal1, Amount: 111 },
        { Id: deal2, Amount: 222 },
        { Id: deal3, StageName: 'No Such Stage' },
      ],
      { allOrNone: false },
    )) as SaveResult[];
    expect(results[0]).toEqual({ id: deal1, success: true, errors: [] });
    expect(results[1]).toMatchObject({
      id: deal2,
      success: false,
      errors: [
        {
          statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION',
          message: 'Amount cannot be changed after approval',
        },
      ],
    });
    expect(results[2]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', fields: ['StageName'] }],
    });
    const amounts = await conn.query<Rec>(
      `SELECT Amount FROM Opportunity WHERE Id IN ('${deal1}', '${deal2}') ORDER BY Name`,
    );
    expect(amounts.records.map((r) => r.Amount)).toEqual([111, 2000]);
  });

  it('with allOrNone=true applies nothing and rolls the valid records back', async () => {
    const [deal1, deal2] = [deal(1), deal(2)];
    sandbox.faults.failRecords = { [deal2]: 'Blocked by validation rule' };
    const results = (await conn.sobject('Opportunity').update(
      [
        { Id: deal1, Amount: 111 },
        { Id: deal2, Amount: 222 },
      ],
      { allOrNone: true },
    )) as SaveResult[];
    expect(results[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK' }],
    });
    expect(results[1]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION' }],
    });
    const amount = await conn.query<Rec>(`SELECT Amount FROM Opportunity WHERE Id = '${deal1}'`);
    expect(amount.records[0]?.Amount).toBe(1000);
    expect(sandbox.inspect.writes()).toEqual([]);
  });

  it('fails task creation for a deal listed in failRecords (creates match on WhatId)', async () => {
    const [deal1, deal2] = [deal(1), deal(2)];
    sandbox.faults.failRecords = { [deal1]: 'Owner is inactive' };
    const results = (await conn.sobject('Task').create([
      { Subject: 'a', WhatId: deal1 },
      { Subject: 'b', WhatId: deal2 },
    ])) as SaveResult[];
    expect(results[0]).toEqual({
      success: false,
      errors: [{ statusCode: 'FIELD_CUSTOM_VALIDATION_EXCEPTION', message: 'Owner is inactive', fields: [] }],
    });
    expect(results[1]?.success).toBe(true);
  });

  it('rejects read-only fields per record, unknown fields for the whole request, and bad references', async () => {
    const deal1 = deal(1);
    const readOnly = (await conn.sobject('Opportunity').update([{ Id: deal1, IsWon: true }])) as SaveResult[];
    expect(readOnly[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE', fields: ['IsWon'] }],
    });
    await expect(conn.sobject('Opportunity').update([{ Id: deal1, Nope__c: 1 }])).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    });
    const badRef = (await conn
      .sobject('Task')
      .create([{ Subject: 'x', WhatId: sandbox.idOf('contact', 1) }])) as SaveResult[];
    expect(badRef[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'FIELD_INTEGRITY_EXCEPTION', fields: ['WhatId'] }],
    });
    const missing = (await conn.sobject('Opportunity').create([{ Name: 'No stage' }])) as SaveResult[];
    expect(missing[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'REQUIRED_FIELD_MISSING', fields: ['StageName', 'CloseDate'] }],
    });
  });

  it('supports single-record create, retrieve and update (what jsforce sends for one record)', async () => {
    const created = (await conn
      .sobject('Opportunity')
      .create({ Name: 'Solo', StageName: 'Prospecting', CloseDate: '2027-01-31' })) as SaveResult;
    expect(created.success).toBe(true);
    const id = created.id as string;
    const fetched = (await conn.sobject('Opportunity').retrieve(id)) as unknown as Rec;
    expect(fetched).toMatchObject({
      Id: id,
      Name: 'Solo',
      IsClosed: false,
      Probability: 10,
      AccountId: null,
      OwnerId: sandbox.apiUserId,
    });
    const updated = (await conn
      .sobject('Opportunity')
      .update({ Id: id, StageName: 'Closed Won' })) as SaveResult;
    expect(updated).toEqual({ id, success: true, errors: [] });
    const closed = await conn.query<Rec>(
      `SELECT IsClosed, IsWon, ForecastCategoryName, Account.Name FROM Opportunity WHERE Id = '${id}'`,
    );
    expect(closed.records[0]).toMatchObject({
      IsClosed: true,
      IsWon: true,
      ForecastCategoryName: 'Closed',
      Account: null,
    });
    await expect(conn.sobject('Opportunity').update({ Id: id, Amount: 'lots' })).rejects.toMatchObject({
      errorCode: 'JSON_PARSER_ERROR',
    });
    await expect(conn.sobject('Opportunity').retrieve(sandbox.idOf('deal', 999))).rejects.toMatchObject({
      errorCode: 'NOT_FOUND',
    });
  });

  it('hides a tooling-created custom field until a permission set grants it (field-level security)', async () => {
    const deal1 = deal(1);
    const created = (await conn.tooling.sobject('CustomField').create({
      FullName: 'Opportunity.PH_Score__c',
      Metadata: { type: 'Number', label: 'Health Score', precision: 5, scale: 0 },
    })) as SaveResult;
    expect(created).toMatchObject({ success: true });
    expect(created.id).toMatch(/^00N/);

    await expect(
      conn.tooling.sobject('CustomField').create({
        FullName: 'Opportunity.PH_Score__c',
        Metadata: { type: 'Number', label: 'Again', precision: 5, scale: 0 },
      }),
    ).rejects.toMatchObject({
      errorCode: 'DUPLICATE_DEVELOPER_NAME',
    });
    const toolingRows = await conn.tooling.query<Rec>(
      "SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE DeveloperName = 'PH_Score'",
    );
    expect(toolingRows.records).toMatchObject([{ DeveloperName: 'PH_Score', TableEnumOrId: 'Opportunity' }]);

    // Not granted yet: invisible to query, write and describe.
    const hidden = await rejectionOf(conn.query('SELECT Id, PH_Score__c FROM Opportunity'));
    expect(hidden).toMatchObject({ errorCode: 'INVALID_FIELD' });
    expect(hidden.message).toContain("No such column 'PH_Score__c' on entity 'Opportunity'");
    await expect(conn.sobject('Opportunity').update([{ Id: deal1, PH_Score__c: 71 }])).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    });
    expect((await conn.sobject('Opportunity').describe()).fields.map((f) => f.name)).not.toContain(
      'PH_Score__c',
    );

    // Grant: permission set, field permission, assignment to the API user.
    const ps = (await conn
      .sobject('PermissionSet')
      .create({ Name: 'Pipeline_Health', Label: 'Pipeline Health' })) as SaveResult;
    const fp = (await conn.sobject('FieldPermissions').create({
      ParentId: ps.id,
      SobjectType: 'Opportunity',
      Field: 'Opportunity.PH_Score__c',
      PermissionsRead: true,
      PermissionsEdit: true,
    })) as SaveResult;
    expect(fp.success).toBe(true);
    // Granted in a permission set, but not yet assigned to the API user: still invisible.
    await expect(conn.query('SELECT Id, PH_Score__c FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'INVALID_FIELD',
    });
    const psa = (await conn
      .sobject('PermissionSetAssignment')
      .create({ AssigneeId: sandbox.apiUserId, PermissionSetId: ps.id })) as SaveResult;
    expect(psa.success).toBe(true);
    await expect(
      conn
        .sobject('PermissionSetAssignment')
        .create({ AssigneeId: sandbox.apiUserId, PermissionSetId: ps.id }),
    ).rejects.toMatchObject({
      errorCode: 'DUPLICATE_VALUE',
    });

    const written = (await conn
      .sobject('Opportunity')
      .update([{ Id: deal1, PH_Score__c: 71 }])) as SaveResult[];
    expect(written[0]?.success).toBe(true);
    const read = await conn.query<Rec>(`SELECT PH_Score__c FROM Opportunity WHERE Id = '${deal1}'`);
    expect(read.records[0]?.PH_Score__c).toBe(71);
    const described = await conn.request<{ fields: { name: string; updateable: boolean }[] }>(
      '/services/data/v62.0/sobjects/Opportunity/describe',
    );
    expect(described.fields.find((f) => f.name === 'PH_Score__c')).toMatchObject({ updateable: true });
  });

  it('creates the field and permission set through the Metadata API (SOAP createMetadata) too', async () => {
    const field = await conn.metadata.create('CustomField', {
      fullName: 'Opportunity.PH_Reasons__c',
      label: 'Health Reasons',
      type: 'LongTextArea',
      length: 32000,
      visibleLines: 3,
    });
    expect(field).toMatchObject({ fullName: 'Opportunity.PH_Reasons__c', success: true });
    const again = await conn.metadata.create('CustomField', {
      fullName: 'Opportunity.PH_Reasons__c',
      label: 'x',
      type: 'LongTextArea',
      length: 100,
      visibleLines: 3,
    });
    expect(again).toMatchObject({ success: false, errors: [{ statusCode: 'DUPLICATE_DEVELOPER_NAME' }] });
    const ps = await conn.metadata.create('PermissionSet', {
      fullName: 'Pipeline_Health_Meta',
      label: 'Pipeline Health',
      fieldPermissions: [{ field: 'Opportunity.PH_Reasons__c', readable: true, editable: true }],
    });
    expect(ps).toMatchObject({ success: true });
    const psId = (await conn.query<Rec>("SELECT Id FROM PermissionSet WHERE Name = 'Pipeline_Health_Meta'"))
      .records[0]?.Id;
    await conn
      .sobject('PermissionSetAssignment')
      .create({ AssigneeId: sandbox.apiUserId, PermissionSetId: psId });
    const written = (await conn
      .sobject('Opportunity')
      .update([{ Id: deal(1), PH_Reasons__c: 'No buyer reply in 12 days' }])) as SaveResult[];
    expect(written[0]?.success).toBe(true);
    expect(sandbox.inspect.callsByEndpoint()['POST /services/Soap/m/XX.X']).toBe(3);
  });

  it('keeps a read-only grant read-only', async () => {
    await conn.tooling.sobject('CustomField').create({
      FullName: 'Opportunity.PH_Band__c',
      Metadata: { type: 'Text', label: 'Health Band', length: 20 },
    });
    const ps = (await conn
      .sobject('PermissionSet')
      .create({ Name: 'Read_Only', Label: 'Read only' })) as SaveResult;
    await conn.sobject('FieldPermissions').create({
      ParentId: ps.id,
      SobjectType: 'Opportunity',
      Field: 'Opportunity.PH_Band__c',
      PermissionsRead: true,
      PermissionsEdit: false,
    });
    await conn
      .sobject('PermissionSetAssignment')
      .create({ AssigneeId: sandbox.apiUserId, PermissionSetId: ps.id });
    const read = await conn.query('SELECT PH_Band__c FROM Opportunity');
    expect(read.totalSize).toBe(6);
    const write = (await conn
      .sobject('Opportunity')
      .update([{ Id: deal(1), PH_Band__c: 'watch' }])) as SaveResult[];
    expect(write[0]).toMatchObject({
      success: false,
      errors: [{ statusCode: 'INVALID_FIELD_FOR_INSERT_UPDATE' }],
    });
  });
});
