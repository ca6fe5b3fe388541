// Issue 18 item 2: the element profile as one Opportunity custom field per survey element, a
// restricted picklist (Metadata API CustomField valueSet, `restricted: true`; Picklist page:
// "With a restricted picklist, only an admin can add or change values; users can't load or remove
// values through the API" — so reports see only the four levels).
// https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_picklist.htm
import jsforce from 'jsforce';
import { afterEach, describe, expect, it } from 'vitest';
import type { SalesforceSandboxHandle } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { connectorFor, makeWorld, startSandbox } from './salesforce-fixture.ts';

/** The documented field per element (docs/CONNECTORS.md, "Element profile"). */
const ELEMENT_FIELDS = [
  'PH_Open_Communication__c',
  'PH_Frequent_Access__c',
  'PH_Knowledge_Sharing__c',
  'PH_Joint_Planning__c',
  'PH_Industry_Understanding__c',
  'PH_Satisfaction__c',
  'PH_Trust__c',
];
const LEVELS = ['strong', 'ok', 'weak', 'unknown'];
const TOOLING_CREATE = 'POST /services/data/vXX.X/tooling/sobjects/CustomField';

describe('Salesforce: the element profile fields', () => {
  let sandbox: SalesforceSandboxHandle | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  function admin(s: SalesforceSandboxHandle): jsforce.Connection {
    return new jsforce.Connection({ instanceUrl: s.baseUrl, accessToken: s.accessToken, version: '62.0' });
  }

  it('a fresh org: bootstrap creates one restricted picklist per element and grants it', async () => {
    sandbox = await startSandbox(makeWorld(10, 3, 0));
    sandbox.inspect.reset();
    const result = await connectorFor(sandbox, { assignPermissionSet: true }).bootstrapSchema();
    for (const name of ELEMENT_FIELDS) {
      expect(result.created).toContain(`Opportunity.${name}`);
      expect(result.created).toContain(`FieldPermissions Opportunity.${name}`);
    }
    const byEndpoint = sandbox.inspect.callsByEndpoint();
    // The Tooling API creates one CustomField per request: 7 health fields, the alert key and now
    // the 7 element fields. FieldPermissions still go in one collection create (at most 200 records).
    expect(byEndpoint[TOOLING_CREATE]).toBe(15);
    expect(byEndpoint['POST /services/data/vXX.X/composite/sobjects']).toBe(1);

    const described = await admin(sandbox).sobject('Opportunity').describe();
    for (const name of ELEMENT_FIELDS) {
      const field = described.fields.find((f) => f.name === name);
      expect(field?.type).toBe('picklist');
      expect(field?.restrictedPicklist).toBe(true);
      expect(field?.picklistValues?.map((v) => v.value)).toEqual(LEVELS);
    }
  });

  it('an org bootstrapped before the element profile: bootstrap adds only the seven, then they are written and read back', async () => {
    sandbox = await startSandbox(makeWorld(10, 4, 0));
    const conn = admin(sandbox);
    // What the earlier bootstrap created (the field definitions of that time).
    const old: [string, Record<string, unknown>][] = [
      ['Opportunity.PH_Score__c', { type: 'Number', label: 'Health score', precision: 3, scale: 0 }],
      [
        'Opportunity.PH_Win_Probability__c',
        { type: 'Number', label: 'Win probability', precision: 4, scale: 3 },
      ],
      [
        'Opportunity.PH_Band__c',
        {
          type: 'Picklist',
          label: 'Health band',
          valueSet: {
            restricted: true,
            valueSetDefinition: {
              value: [{ fullName: 'healthy' }, { fullName: 'watch' }, { fullName: 'at_risk' }],
            },
          },
        },
      ],
      [
        'Opportunity.PH_Trend__c',
        {
          type: 'Picklist',
          label: 'Health trend',
          valueSet: {
            restricted: true,
            valueSetDefinition: {
              value: [{ fullName: 'improving' }, { fullName: 'steady' }, { fullName: 'declining' }],
            },
          },
        },
      ],
      [
        'Opportunity.PH_Reasons__c',
        { type: 'LongTextArea', label: 'Health reasons', length: 4000, visibleLines: 3 },
      ],
      ['Opportunity.PH_Scored_At__c', { type: 'DateTime', label: 'Health scored at' }],
      ['Opportunity.PH_Model_Version__c', { type: 'Text', label: 'Health model version', length: 64 }],
      ['Activity.PH_Alert_Key__c', { type: 'Text', label: 'Pipeline health alert key', length: 255 }],
    ];
    for (const [FullName, Metadata] of old) {
      const r = (await conn.tooling.sobject('CustomField').create({ FullName, Metadata })) as {
        success: boolean;
      };
      expect(r.success).toBe(true);
    }

    sandbox.inspect.reset();
    const connector = connectorFor(sandbox, { assignPermissionSet: true });
    const result = await connector.bootstrapSchema();
    const createdFields = result.created.filter((c) => /^(Opportunity|Activity)\./.test(c));
    expect(createdFields.sort()).toEqual(ELEMENT_FIELDS.map((n) => `Opportunity.${n}`).sort());
    for (const [fullName] of old) expect(result.existing).toContain(fullName);
    expect(sandbox.inspect.callsByEndpoint()[TOOLING_CREATE]).toBe(7);

    const id = sandbox.idOf('deal', 1);
    const outcome = await connector.writeHealth([
      { dealId: id, values: { jointPlanning: 'weak', trust: 'strong', frequentAccess: 'unknown' } },
    ]);
    expect(outcome).toEqual({ written: [id], failed: [] });
    const row = await conn.query<Record<string, unknown>>(
      `SELECT PH_Joint_Planning__c, PH_Trust__c, PH_Frequent_Access__c FROM Opportunity WHERE Id = '${id}'`,
    );
    expect(row.records[0]).toMatchObject({
      PH_Joint_Planning__c: 'weak',
      PH_Trust__c: 'strong',
      PH_Frequent_Access__c: 'unknown',
    });
    expect((await connector.readHealth([id])).get(id)).toMatchObject({
      jointPlanning: 'weak',
      trust: 'strong',
      frequentAccess: 'unknown',
    });
  });
});
