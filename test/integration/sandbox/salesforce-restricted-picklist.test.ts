import jsforce from 'jsforce';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  type SalesforceSandboxHandle,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { salesforceTestWorld } from './salesforce-world.fixture.ts';

type SaveResult = { id?: string; success: boolean; errors?: { statusCode?: string; message?: string }[] };

/**
 * Custom picklist fields keep their values, and a restricted one refuses others. Sources:
 * - Metadata API, CustomField `valueSet` (API 38.0+; it replaced Picklist): ValueSet `restricted`,
 *   `valueSetDefinition.value[]` (CustomValue `fullName`, `label`, `default`); Picklist
 *   (API 37.0 and earlier): "picklistValues — Required. Represents a set of values for a picklist",
 *   "restrictedPicklist — ... With a restricted picklist, only an admin can add or change values;
 *   users can't load or remove values through the API. By default this value is false."
 *   https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_picklist.htm
 *   https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_customvalue.htm
 * - The refusal's status code INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST (SOAP API, StatusCode list;
 *   "bad value for restricted picklist field: X" as clients report it; the sandbox already answers
 *   it for Opportunity.StageName).
 * Describe reports `picklistValues` and `restrictedPicklist` per field (SOAP/REST describe,
 * DescribeSObjectResult Field).
 * Docs silent (docs/SANDBOX.md): the error code and message of a picklist created without values.
 */
describe('Salesforce sandbox: custom picklists and restricted value sets', () => {
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

  const valueSet = (restricted: boolean) => ({
    restricted,
    valueSetDefinition: {
      sorted: false,
      value: ['strong', 'ok', 'weak', 'unknown'].map((v) => ({ fullName: v, label: v, default: false })),
    },
  });

  async function createAndGrant(name: string, metadata: Record<string, unknown>): Promise<void> {
    const created = (await conn.tooling
      .sobject('CustomField')
      .create({ FullName: `Opportunity.${name}`, Metadata: metadata })) as SaveResult;
    expect(created.success).toBe(true);
    const ps = (await conn
      .sobject('PermissionSet')
      .create({ Name: `PS_${name.replace(/__c$/, '')}`, Label: name })) as SaveResult;
    await conn.sobject('FieldPermissions').create({
      ParentId: ps.id,
      SobjectType: 'Opportunity',
      Field: `Opportunity.${name}`,
      PermissionsRead: true,
      PermissionsEdit: true,
    });
    await conn
      .sobject('PermissionSetAssignment')
      .create({ AssigneeId: sandbox.apiUserId, PermissionSetId: ps.id });
  }

  it('a restricted picklist: describe lists its values; a value outside them is refused, a listed one and null are not', async () => {
    await createAndGrant('PH_Joint_Planning__c', {
      type: 'Picklist',
      label: 'Joint planning',
      valueSet: valueSet(true),
    });
    const described = await conn.sobject('Opportunity').describe();
    const field = described.fields.find((f) => f.name === 'PH_Joint_Planning__c');
    expect(field?.type).toBe('picklist');
    expect(field?.restrictedPicklist).toBe(true);
    expect(field?.picklistValues?.map((v) => v.value)).toEqual(['strong', 'ok', 'weak', 'unknown']);

    const id = sandbox.idOf('deal', 1);
    const bad = (await conn
      .sobject('Opportunity')
      .update([{ Id: id, PH_Joint_Planning__c: 'great' }])) as SaveResult[];
    expect(bad[0]?.success).toBe(false);
    expect(bad[0]?.errors?.[0]?.statusCode).toBe('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST');
    expect(bad[0]?.errors?.[0]?.message).toContain('bad value for restricted picklist field: great');

    const good = (await conn
      .sobject('Opportunity')
      .update([{ Id: id, PH_Joint_Planning__c: 'weak' }])) as SaveResult[];
    expect(good[0]?.success).toBe(true);
    const cleared = (await conn
      .sobject('Opportunity')
      .update([{ Id: id, PH_Joint_Planning__c: null }])) as SaveResult[];
    expect(cleared[0]?.success).toBe(true);
  });

  it('an unrestricted picklist (the default) takes a value outside its list through the API', async () => {
    await createAndGrant('PH_Trust__c', { type: 'Picklist', label: 'Trust', valueSet: valueSet(false) });
    const field = (await conn.sobject('Opportunity').describe()).fields.find((f) => f.name === 'PH_Trust__c');
    expect(field?.restrictedPicklist).toBe(false);
    const id = sandbox.idOf('deal', 2);
    const res = (await conn
      .sobject('Opportunity')
      .update([{ Id: id, PH_Trust__c: 'great' }])) as SaveResult[];
    expect(res[0]?.success).toBe(true);
  });

  it('a picklist needs at least one value (Picklist.picklistValues is required)', async () => {
    const err = await conn.tooling
      .sobject('CustomField')
      .create({ FullName: 'Opportunity.PH_Empty__c', Metadata: { type: 'Picklist', label: 'Empty' } })
      .then(
        () => null,
        (e: unknown) => e as { errorCode?: string },
      );
    expect(err?.errorCode).toBe('FIELD_INTEGRITY_EXCEPTION');
  });
});
