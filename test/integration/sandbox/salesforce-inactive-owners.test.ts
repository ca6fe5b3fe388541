import jsforce from 'jsforce';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import {
  type SalesforceSandboxHandle,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { SandboxWorld } from '../../../src/sandbox/world.ts';

type Rec = Record<string, unknown> & { Id: string };
type SaveResult = { id?: string; success: boolean; errors: { statusCode: string; message: string }[] };

/**
 * Users who left stay in the org as inactive Users (User.IsActive false; Object Reference: User,
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_user.htm),
 * still owning their records; User.ManagerId names their manager. A record assigned to an inactive
 * user fails for that record with INACTIVE_OWNER_OR_USER (SOAP API Developer Guide, StatusCode:
 * "The owner of the specified item is an inactive user"; message as observed: "operation
 * performed with inactive user ... as owner of ..."; docs/SANDBOX.md).
 * https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_calls_concepts_core_data_objects.htm#statuscode
 */
describe('Salesforce sandbox: inactive owners', () => {
  let world: SandboxWorld;
  let sandbox: SalesforceSandboxHandle;
  let conn: jsforce.Connection;

  beforeAll(async () => {
    // A small world: the demo's size class (three owners).
    world = generateWorld({ seed: 3, deals: 120, now: '2026-11-20T00:00:00.000Z' });
    sandbox = await startSalesforceSandbox({ world });
    conn = new jsforce.Connection({
      instanceUrl: sandbox.baseUrl,
      accessToken: sandbox.accessToken,
      version: '62.0',
    });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('renders owners as Users with IsActive and ManagerId', async () => {
    const users = (await conn.query<Rec>('SELECT Id, IsActive, ManagerId, Manager.Name FROM User')).records;
    for (const o of world.owners) {
      const user = users.find((u) => u.Id === sandbox.idOf('owner', o.n));
      expect(user).toMatchObject({
        IsActive: o.active !== false,
        ManagerId: o.managerN == null ? null : sandbox.idOf('owner', o.managerN),
      });
    }
    expect(users.some((u) => u.IsActive === false)).toBe(true);
  });

  it('the generated world has inactive users owning open opportunities', async () => {
    const open = await conn.query<Rec>(
      'SELECT Id, OwnerId FROM Opportunity WHERE IsClosed = false AND Owner.IsActive = false',
    );
    expect(open.totalSize).toBeGreaterThan(0);
  });

  it('refuses a Task assigned to an inactive user for that record only (INACTIVE_OWNER_OR_USER)', async () => {
    const inactive = world.owners.find((o) => o.active === false);
    const active = world.owners.find((o) => o.active !== false);
    if (inactive === undefined || active === undefined) throw new Error('world without inactive owner');
    const deal = sandbox.idOf('deal', 1);
    const results = (await conn.sobject('Task').create([
      { Subject: 'to the one who left', WhatId: deal, OwnerId: sandbox.idOf('owner', inactive.n) },
      { Subject: 'to an active rep', WhatId: deal, OwnerId: sandbox.idOf('owner', active.n) },
    ])) as SaveResult[];
    expect(results[0]).toMatchObject({ success: false, errors: [{ statusCode: 'INACTIVE_OWNER_OR_USER' }] });
    expect(results[0]?.errors[0]?.message).toContain('inactive user');
    expect(results[1]).toMatchObject({ success: true });
    const created = await conn.query<Rec>("SELECT Id FROM Task WHERE Subject = 'to the one who left'");
    expect(created.totalSize).toBe(0);
    // Single-record create: the same code as the error array.
    await expect(
      conn.sobject('Task').create({ Subject: 'x', WhatId: deal, OwnerId: sandbox.idOf('owner', inactive.n) }),
    ).rejects.toMatchObject({ errorCode: 'INACTIVE_OWNER_OR_USER' });
  });
});
