import jsforce from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type SalesforceSandboxHandle,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { salesforceTestWorld } from './salesforce-world.fixture.ts';

type Rec = Record<string, unknown> & { Id: string };

/**
 * Custom fields for tasks and events are defined on the Activity object and then exist on both
 * Task and Event. Sources:
 * - Object Reference, "Activity" / Task and Event: "custom fields for tasks and events are created
 *   on the Activity object" (Setup > Object Manager > Activity > Fields & Relationships);
 *   https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_task.htm
 * - Tooling API, CustomField: FullName is `<TableEnumOrId>.<Name>__c`, TableEnumOrId a restricted
 *   picklist of entities; `Task.X__c` is refused with "bad value for restricted picklist field: Task"
 *   (observed by third-party clients; /work/shared/design/CRM-FACTS.md, docs/SANDBOX.md).
 *   https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_customfield.htm
 * - Field permissions still name the concrete object: FieldPermissions.Field `Task.X__c` / `Event.X__c`
 *   (Object Reference, FieldPermissions).
 */
describe('Salesforce sandbox: activity custom fields live on Activity', () => {
  let sandbox: SalesforceSandboxHandle;
  let conn: jsforce.Connection;

  beforeEach(async () => {
    sandbox = await startSalesforceSandbox({ world: salesforceTestWorld({ deals: 3 }) });
    conn = new jsforce.Connection({
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
      version: '62.0',
    });
  });
  afterEach(async () => {
    await sandbox.close();
  });

  const metadata = { type: 'Text', label: 'Alert key', length: 255 };

  it('refuses Task.X__c and Event.X__c as a CustomField FullName (Tooling and Metadata API)', async () => {
    for (const object of ['Task', 'Event']) {
      const err = await conn.tooling
        .sobject('CustomField')
        .create({ FullName: `${object}.PH_Alert_Key__c`, Metadata: metadata })
        .then(
          () => null,
          (e: unknown) => e as { errorCode?: string; message?: string },
        );
      expect(err?.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
      expect(err?.message).toContain(`bad value for restricted picklist field: ${object}`);
    }
    const soap = await conn.metadata.create('CustomField', {
      fullName: 'Task.PH_Alert_Key__c',
      label: 'Alert key',
      type: 'Text',
      length: 255,
    });
    expect(soap).toMatchObject({ success: false });
    expect(JSON.stringify(soap)).toContain('bad value for restricted picklist field: Task');
    // Nothing was created on Task.
    const described = await conn.sobject('Task').describe();
    expect(described.fields.map((f) => f.name)).not.toContain('PH_Alert_Key__c');
  });

  it('creates Activity.X__c once: it appears on Task and Event, granted per object', async () => {
    const created = await conn.tooling
      .sobject('CustomField')
      .create({ FullName: 'Activity.PH_Alert_Key__c', Metadata: metadata });
    expect(created).toMatchObject({ success: true });
    const rows = await conn.tooling.query<Rec>(
      "SELECT Id, DeveloperName, TableEnumOrId, FullName FROM CustomField WHERE DeveloperName = 'PH_Alert_Key'",
    );
    expect(rows.records).toMatchObject([
      { DeveloperName: 'PH_Alert_Key', TableEnumOrId: 'Activity', FullName: 'Activity.PH_Alert_Key__c' },
    ]);
    await expect(
      conn.tooling
        .sobject('CustomField')
        .create({ FullName: 'Activity.PH_Alert_Key__c', Metadata: metadata }),
    ).rejects.toMatchObject({ errorCode: 'DUPLICATE_DEVELOPER_NAME' });

    // Field-level security: FieldPermissions name Task.X__c and Event.X__c (not Activity.X__c).
    const ps = (await conn
      .sobject('PermissionSet')
      .create({ Name: 'Activity_Fields', Label: 'Activity fields' })) as {
      id: string;
    };
    const refused = (await conn
      .sobject('FieldPermissions')
      .create({
        ParentId: ps.id,
        SobjectType: 'Activity',
        Field: 'Activity.PH_Alert_Key__c',
        PermissionsRead: true,
        PermissionsEdit: true,
      })
      .then(
        (r) => r,
        (e: unknown) => e,
      )) as { success?: boolean; errorCode?: string };
    expect(refused.success === true).toBe(false);
    for (const object of ['Task', 'Event']) {
      const fp = await conn.sobject('FieldPermissions').create({
        ParentId: ps.id,
        SobjectType: object,
        Field: `${object}.PH_Alert_Key__c`,
        PermissionsRead: true,
        PermissionsEdit: true,
      });
      expect(fp).toMatchObject({ success: true });
    }
    await conn
      .sobject('PermissionSetAssignment')
      .create({ AssigneeId: sandbox.apiUserId, PermissionSetId: ps.id });

    for (const object of ['Task', 'Event']) {
      const described = await conn.sobject(object).describe();
      expect(described.fields.find((f) => f.name === 'PH_Alert_Key__c')).toMatchObject({ custom: true });
    }
    const deal = sandbox.idOf('deal', 1);
    const task = (await conn
      .sobject('Task')
      .create({ Subject: 'x', WhatId: deal, PH_Alert_Key__c: 'k1' })) as {
      id: string;
    };
    const event = (await conn.sobject('Event').create({
      Subject: 'y',
      WhatId: deal,
      StartDateTime: '2026-11-21T10:00:00Z',
      DurationInMinutes: 30,
      PH_Alert_Key__c: 'k2',
    })) as { id: string };
    const t = await conn.query<Rec>("SELECT Id FROM Task WHERE PH_Alert_Key__c = 'k1'");
    const e = await conn.query<Rec>("SELECT Id, PH_Alert_Key__c FROM Event WHERE PH_Alert_Key__c = 'k2'");
    expect(t.records.map((r) => r.Id)).toEqual([task.id]);
    expect(e.records).toMatchObject([{ Id: event.id, PH_Alert_Key__c: 'k2' }]);
  });
});

/**
 * Object Reference, PermissionSetAssignment, Special Access Rules: only users with View Setup and
 * Configuration, Assign Permission Sets or Manage Users can access the object; creating an
 * assignment needs Assign Permission Sets (docs/SANDBOX.md: the error code is ours).
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_permissionsetassignment.htm
 */
describe('Salesforce sandbox: an integration user without "Assign Permission Sets"', () => {
  it('cannot create a PermissionSetAssignment', async () => {
    const sandbox = await startSalesforceSandbox({
      world: salesforceTestWorld({ deals: 1 }),
      apiUserCanAssignPermissionSets: false,
    });
    try {
      const conn = new jsforce.Connection({
        instanceUrl: sandbox.baseUrl,
        accessToken: sandbox.accessToken,
        version: '62.0',
      });
      const ps = (await conn
        .sobject('PermissionSet')
        .create({ Name: 'Pipeline_Health', Label: 'Pipeline Health' })) as {
        id: string;
      };
      await expect(
        conn
          .sobject('PermissionSetAssignment')
          .create({ AssigneeId: sandbox.apiUserId, PermissionSetId: ps.id }),
      ).rejects.toMatchObject({ errorCode: 'INSUFFICIENT_ACCESS_OR_READONLY' });
    } finally {
      await sandbox.close();
    }
  });
});
