// Issue 15 item 6: an export without owners is served without owners, through the real SDKs.
// HubSpot: an owner is assigned to a record by setting its `hubspot_owner_id` to an owner's id
// (https://developers.hubspot.com/docs-beta/crm/owners); an unassigned deal has no value there.
// The docs do not say whether the API then returns null or leaves the property out: the sandbox
// returns null as for any other empty property, and the connector reads both as no owner. Salesforce: OwnerId cannot be empty; a record inserted without
// one is owned by the inserting user ("Frequently Occurring Fields", OwnerId: "implicitly set to
// the current user when inserting an object",
// https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_objects_fequently_occurring_fields.htm),
// here the sandbox's integration user, never an invented "(no owner)" user.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@hubspot/api-client';
import jsforce from 'jsforce';
import { describe, expect, it } from 'vitest';
import { importExportFile } from '../../../src/import/export-importer.ts';
import { startSandbox } from '../../../src/sandbox/start-sandbox.ts';

const dir = mkdtempSync(join(tmpdir(), 'ph-ownerless-sb-'));

async function ownerlessWorld() {
  const path = join(dir, 'ownerless.csv');
  writeFileSync(
    path,
    'Deal ID,Deal Name,Status,Close Date,Deal Owner\n1,A,Won,2025-03-01,\n2,B,Lost,2025-03-02,Ann Lee\n3,C,Open,2025-09-01,\n',
  );
  const r = await importExportFile(path);
  expect(r.imported).toBe(3);
  return r.world;
}

describe('an imported world with ownerless deals in the sandbox', () => {
  it('HubSpot: the ownerless deals have no hubspot_owner_id', { timeout: 60_000 }, async () => {
    const sandbox = await startSandbox({ crm: 'hubspot', world: await ownerlessWorld() });
    try {
      const client = new Client({ accessToken: sandbox.accessToken, basePath: sandbox.baseUrl });
      const page = await client.crm.deals.basicApi.getPage(10, undefined, ['dealname', 'hubspot_owner_id']);
      const owner = Object.fromEntries(
        page.results.map((d) => [d.properties.dealname, d.properties.hubspot_owner_id ?? null]),
      );
      expect(owner.A).toBeNull();
      expect(owner.C).toBeNull();
      expect(owner.B).toMatch(/^\d+$/);
      // Only the real owner is an owner.
      const owners = await client.crm.owners.ownersApi.getPage();
      expect(owners.results.map((o) => `${o.firstName} ${o.lastName}`)).toEqual(['Ann Lee']);
    } finally {
      await sandbox.close();
    }
  });

  it('Salesforce: the ownerless opportunities are owned by the inserting (integration) user', {
    timeout: 60_000,
  }, async () => {
    const sandbox = await startSandbox({ crm: 'salesforce', world: await ownerlessWorld() });
    try {
      const conn = new jsforce.Connection({
        instanceUrl: sandbox.baseUrl,
        accessToken: sandbox.accessToken,
        version: '62.0',
      });
      const opps = await conn.query<{ Name: string; OwnerId: string }>(
        'SELECT Name, OwnerId FROM Opportunity',
      );
      const users = await conn.query<{ Id: string; Name: string }>('SELECT Id, Name FROM User');
      const nameOf = new Map(users.records.map((u) => [u.Id, u.Name]));
      const owner = Object.fromEntries(opps.records.map((o) => [o.Name, nameOf.get(o.OwnerId)]));
      expect(owner).toEqual({ A: 'Integration User', B: 'Ann Lee', C: 'Integration User' });
    } finally {
      await sandbox.close();
    }
  });
});
