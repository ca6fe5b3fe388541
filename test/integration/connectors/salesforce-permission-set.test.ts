import { afterEach, describe, expect, it } from 'vitest';
import { changedHealthFields, TenantSchema } from '../../../src/domain/index.ts';
import type { SalesforceSandboxHandle } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { connectorFor, makeWorld, startSandbox, WORLD_NOW } from './salesforce-fixture.ts';

const values = changedHealthFields(undefined, {
  score: 55,
  band: 'watch',
  winProbability: null,
  reasons: 'No buyer reply in 9 days',
  trend: 'steady',
  scoredAt: WORLD_NOW,
  modelVersion: 'prior-v1',
});

/**
 * The Pipeline_Health permission set on a fresh org. PermissionSetAssignment can be created only by
 * users with "Assign Permission Sets" (or Manage Users); Object Reference, PermissionSetAssignment,
 * Special Access Rules:
 * https://developer.salesforce.com/docs/atlas.en-us.object_reference.meta/object_reference/sforce_api_objects_permissionsetassignment.htm
 */
describe('Salesforce connector: the permission set on a fresh org', () => {
  let sandbox: SalesforceSandboxHandle | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  it('the tenant option connection.assignPermissionSet lets bootstrap assign it: the first write-back works', async () => {
    const tenant = TenantSchema.parse({
      id: 't',
      name: 'T',
      connection: {
        crm: 'salesforce',
        auth: { type: 'client_credentials', clientId: 'a', clientSecret: 'b' },
      },
    });
    expect(tenant.connection.crm === 'salesforce' && tenant.connection.assignPermissionSet).toBe(false);

    const world = makeWorld(20, 5, 0);
    sandbox = await startSandbox(world);
    const s = sandbox;
    const connection = (overrides: Record<string, unknown>) =>
      ({
        crm: 'salesforce',
        auth: {
          type: 'refresh_token',
          clientId: s.oauth.clientId,
          clientSecret: s.oauth.clientSecret,
          refreshToken: s.oauth.refreshToken,
        },
        loginUrl: s.baseUrl,
        apiVersion: '62.0',
        ...overrides,
      }) as never;
    const connector = connectorFor(s, { connection: connection({ assignPermissionSet: true }) });
    const result = await connector.bootstrapSchema();
    expect(result.created).toContain(`PermissionSetAssignment ${s.apiUserId}`);
    const written = await connector.writeHealth([{ dealId: s.idOf('deal', 1), values }]);
    expect(written).toEqual({ written: [s.idOf('deal', 1)], failed: [] });
  });

  it('when the integration user may not assign permission sets: bootstrap goes on and says the exact step; write-back fails with CRM_PERMISSION naming Pipeline_Health', async () => {
    sandbox = await startSandbox(makeWorld(20, 5, 0), { apiUserCanAssignPermissionSets: false });
    const s = sandbox;
    const connector = connectorFor(s, { assignPermissionSet: true });
    const result = await connector.bootstrapSchema();
    expect(result.created).not.toContain(`PermissionSetAssignment ${s.apiUserId}`);
    expect(result.actionRequired?.join('\n')).toContain('Pipeline_Health');
    const refused = await connector.writeHealth([{ dealId: s.idOf('deal', 1), values }]).then(
      () => null,
      (err: unknown) => err as Error & { code?: string },
    );
    // The write-back bootstraps once on CRM_SCHEMA_MISSING and then fails with the cause, CRM_PERMISSION.
    expect(refused?.code).toBe('CRM_SCHEMA_MISSING');
    expect((refused?.cause as { code?: string } | undefined)?.code).toBe('CRM_PERMISSION');
    expect(refused?.message).toContain('Pipeline_Health');
    // The API name is what Setup's search and the sf CLI take; the label only as a label.
    expect(refused?.message).toContain('API name Pipeline_Health');
    expect(refused?.message).not.toContain('the "Pipeline Health" permission set');
  });
});
