import jsforce from 'jsforce';
import { afterEach, describe, expect, it } from 'vitest';
import type { ConnectionCheck, CrmConnector } from '../../../connectors/crm-connector.ts';
import type { SalesforceSandboxHandle } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { connectorFor, makeWorld, startSandbox } from './salesforce-fixture.ts';

const PH_FIELDS = [
  'PH_Score__c',
  'PH_Band__c',
  'PH_Win_Probability__c',
  'PH_Reasons__c',
  'PH_Trend__c',
  'PH_Scored_At__c',
  'PH_Model_Version__c',
  'PH_Alert_Key__c',
];

/**
 * `checkConnection()` against the sandbox: authentication, the permission set (exists and is
 * assigned: Object Reference, PermissionSet / PermissionSetAssignment), the API version the org
 * serves (REST API, Versions: GET /services/data/), the daily allocation (REST API, Limits:
 * DailyApiRequests Max/Remaining), each PH_ field visible to the integration user (describe hides
 * fields field-level security hides), and the fallback owner (User.IsActive). It writes nothing.
 */
describe('Salesforce connector: checkConnection', () => {
  let sandbox: SalesforceSandboxHandle | undefined;
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  const byName = (checks: ConnectionCheck[]) => new Map(checks.map((c) => [c.name, c]));
  const check = async (connector: CrmConnector) => {
    if (connector.checkConnection === undefined) throw new Error('checkConnection missing');
    return byName(await connector.checkConnection());
  };
  /** A sandbox with the schema bootstrapped (and, by default, the permission set assigned). */
  const ready = async (assign = true) => {
    const world = makeWorld(20, 5, 0);
    sandbox = await startSandbox(world);
    await connectorFor(sandbox, { assignPermissionSet: assign }).bootstrapSchema();
    return { s: sandbox, world };
  };
  const writes = (s: SalesforceSandboxHandle) =>
    s.inspect.calls().filter((c) => c.method !== 'GET' && !c.endpoint.includes('/oauth2/token'));

  it('the good case: every check passes, and nothing is written', async () => {
    const { s, world } = await ready();
    const active = world.owners.find((o) => o.active !== false) as { n: number };
    s.inspect.reset();
    const checks = await check(connectorFor(s, { fallbackOwnerId: s.idOf('owner', active.n) }));
    for (const name of [
      'authentication',
      'permissions',
      'api_version',
      'daily_allocation',
      'fallback_owner',
      ...PH_FIELDS.map((f) => `field:${f}`),
    ]) {
      expect(checks.get(name), name).toMatchObject({ ok: true });
    }
    expect(checks.get('daily_allocation')?.detail).toMatch(/\d+ of \d+/);
    expect(checks.get('daily_allocation')?.detail).toMatch(/reset/i);
    expect(checks.get('api_version')?.detail).toContain('62.0');
    expect(writes(s)).toEqual([]);
  });

  it('a revoked refresh token, or an expired session that cannot be refreshed: authentication fails (CRM_AUTH)', async () => {
    const { s } = await ready();
    s.revokeRefreshTokens();
    const revoked = await check(connectorFor(s));
    expect(revoked.get('authentication')).toMatchObject({ ok: false, code: 'CRM_AUTH' });
    expect(revoked.get('authentication')?.hint).toBeTruthy();

    const expired = connectorFor(s, {
      session: { accessToken: s.accessToken, instanceUrl: s.baseUrl, userId: s.apiUserId },
    });
    s.expireAllTokens();
    const checks = await check(expired);
    expect(checks.get('authentication')).toMatchObject({ ok: false, code: 'CRM_AUTH' });
  });

  it('a fresh org: the permission set is missing, and the fields too', async () => {
    sandbox = await startSandbox(makeWorld(20, 5, 0));
    const checks = await check(connectorFor(sandbox));
    expect(checks.get('authentication')).toMatchObject({ ok: true });
    expect(checks.get('permissions')).toMatchObject({ ok: false, code: 'CRM_PERMISSION' });
    expect(checks.get('permissions')?.detail).toContain('Pipeline_Health');
    expect(checks.get('field:PH_Score__c')).toMatchObject({ ok: false });
    expect(checks.get('field:PH_Score__c')?.detail).toMatch(/missing/i);
    expect(checks.get('fallback_owner')).toBeUndefined();
  });

  it('the permission set exists but is not assigned: permissions and every field fail with the exact step', async () => {
    const { s } = await ready(false);
    const checks = await check(connectorFor(s));
    expect(checks.get('permissions')).toMatchObject({ ok: false, code: 'CRM_PERMISSION' });
    expect(checks.get('permissions')?.hint).toContain('Pipeline_Health');
    expect(checks.get('field:PH_Score__c')).toMatchObject({ ok: false, code: 'CRM_PERMISSION' });
    expect(checks.get('field:PH_Score__c')?.detail).toMatch(/not visible/);
  });

  it('one field not visible (its field permission removed) fails alone', async () => {
    const { s } = await ready();
    const conn = new jsforce.Connection({
      instanceUrl: s.baseUrl,
      accessToken: s.accessToken,
      version: '62.0',
    });
    const fp = await conn.query<{ Id: string }>(
      "SELECT Id FROM FieldPermissions WHERE Field = 'Opportunity.PH_Reasons__c'",
    );
    await conn.sobject('FieldPermissions').destroy(fp.records.map((r) => r.Id));
    const checks = await check(connectorFor(s));
    expect(checks.get('field:PH_Reasons__c')).toMatchObject({ ok: false, code: 'CRM_PERMISSION' });
    expect(checks.get('field:PH_Score__c')).toMatchObject({ ok: true });
    expect(checks.get('permissions')).toMatchObject({ ok: true });
  });

  it('an inactive or unknown fallback owner fails; an API version the org does not serve fails', async () => {
    const { s, world } = await ready();
    const inactive = world.owners.find((o) => o.active === false) as { n: number };
    const checks = await check(connectorFor(s, { fallbackOwnerId: s.idOf('owner', inactive.n) }));
    expect(checks.get('fallback_owner')).toMatchObject({ ok: false, code: 'CONFIG_INVALID' });
    expect(checks.get('fallback_owner')?.detail).toMatch(/inactive/);
    const unknown = await check(connectorFor(s, { fallbackOwnerId: s.idOf('owner', 4242) }));
    expect(unknown.get('fallback_owner')).toMatchObject({ ok: false, code: 'CONFIG_INVALID' });

    const old = connectorFor(s, {
      connection: {
        crm: 'salesforce',
        auth: {
          type: 'refresh_token',
          clientId: s.oauth.clientId,
          clientSecret: s.oauth.clientSecret,
          refreshToken: s.oauth.refreshToken,
        },
        loginUrl: s.baseUrl,
        apiVersion: '99.0',
      },
    });
    const versions = await check(old);
    expect(versions.get('api_version')).toMatchObject({ ok: false, code: 'CONFIG_INVALID' });
  });
});
