import { isAppError } from '../../src/shared/app-error.ts';
import type { ConnectionCheck } from '../crm-connector.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { nextUtcMidnight, PERMISSION_SET_HINT, salesforceErrorCode } from './salesforce-failure.ts';
import { customFieldDefinitions, grantedObjects } from './salesforce-health-fields.ts';
import { PERMISSION_SET_NAME } from './salesforce-limits.ts';
import { inList, soqlString } from './soql.ts';

interface DescribedField {
  name: string;
  updateable?: boolean;
  createable?: boolean;
}

const AUTH_HINT =
  'Renew the credentials in the tenants file (connected app consumer key, refresh token or JWT key) and check the connected app policies: the token was refused.';

function reason(err: unknown): { code: string; detail: string } {
  if (isAppError(err)) return { code: err.code, detail: err.message };
  return { code: 'INTERNAL', detail: err instanceof Error ? err.message : String(err) };
}

/**
 * `connect check` for Salesforce: authentication, the permission set (exists and is assigned to the
 * integration user), the API version, the daily allocation, each PH_ field (exists and visible to
 * the integration user) and the fallback owner. Only GET requests: nothing is written.
 */
export async function checkSalesforceConnection(
  client: SalesforceClient,
  options: { apiVersion: string; fallbackOwnerId: string | undefined },
): Promise<ConnectionCheck[]> {
  const checks: ConnectionCheck[] = [];
  const fields = customFieldDefinitions();
  const fieldNames = fields.map((f) => f.name);

  // 1. Authentication: a token, the versions the org serves, then one authenticated call of a
  // served version (the limits, needed below anyway).
  let limits: Record<string, { Max?: number; Remaining?: number }>;
  let userId: string | null;
  let served: string[];
  try {
    userId = await client.apiUserId();
    const versions = await client.request<{ version: string }[]>(
      { method: 'GET', url: '/services/data/' },
      'GET /services/data',
    );
    served = versions.map((v) => v.version);
    const version = served.includes(options.apiVersion)
      ? options.apiVersion
      : (served.at(-1) ?? options.apiVersion);
    limits = await client.request(
      { method: 'GET', url: `/services/data/v${version}/limits/` },
      'GET /limits',
    );
    checks.push({
      name: 'authentication',
      ok: true,
      detail: `token accepted${userId === null ? '' : ` for integration user ${userId}`}`,
    });
  } catch (err) {
    const { code, detail } = reason(err);
    checks.push({ name: 'authentication', ok: false, detail, code, hint: AUTH_HINT });
    const skipped = (name: string): ConnectionCheck => ({
      name,
      ok: false,
      detail: 'not checked: authentication failed',
      code,
    });
    checks.push(skipped('permissions'), skipped('api_version'), skipped('daily_allocation'));
    for (const name of fieldNames) checks.push(skipped(`field:${name}`));
    if (options.fallbackOwnerId !== undefined) checks.push(skipped('fallback_owner'));
    return checks;
  }

  // 2. API version: the org serves the configured one (GET /services/data/ lists them).
  const versionOk = served.includes(options.apiVersion);
  checks.push({
    name: 'api_version',
    ok: versionOk,
    detail: versionOk
      ? `${options.apiVersion} served (org's newest: ${served.at(-1) ?? 'unknown'})`
      : `${options.apiVersion} not served; the org serves ${served[0] ?? '?'} to ${served.at(-1) ?? '?'}`,
    ...(versionOk
      ? {}
      : {
          code: 'CONFIG_INVALID',
          hint: `Set connection.apiVersion to one the org serves, e.g. "${served.at(-1) ?? '62.0'}".`,
        }),
  });
  if (!versionOk) {
    // Every other call goes through the configured version: not checkable.
    const skipped = (name: string): ConnectionCheck => ({
      name,
      ok: false,
      detail: `not checked: API version ${options.apiVersion} is not served`,
      code: 'CONFIG_INVALID',
    });
    checks.push(skipped('permissions'), skipped('daily_allocation'));
    for (const name of fieldNames) checks.push(skipped(`field:${name}`));
    if (options.fallbackOwnerId !== undefined) checks.push(skipped('fallback_owner'));
    return checks;
  }

  // 3. Permission set: exists, and is assigned to the integration user.
  checks.push(await permissionsCheck(client, userId));

  // 4. Daily allocation: a rolling 24 hours (no fixed reset time).
  const daily = limits.DailyApiRequests;
  if (typeof daily?.Max === 'number' && typeof daily.Remaining === 'number') {
    const ok = daily.Remaining > 0;
    const resetAt = new Date(nextUtcMidnight(client.now())).toISOString();
    checks.push({
      name: 'daily_allocation',
      ok,
      detail: `${daily.Remaining} of ${daily.Max} API requests left; the allocation is a rolling 24 hours (no fixed reset): after a refusal the connector waits until ${resetAt}`,
      ...(ok
        ? {}
        : {
            code: 'CRM_QUOTA_EXHAUSTED',
            hint: 'Wait for older requests to roll off, or ask Salesforce for more.',
          }),
    });
  } else {
    checks.push({
      name: 'daily_allocation',
      ok: false,
      detail: 'the limits resource did not list DailyApiRequests',
      code: 'CRM_REJECTED',
    });
  }

  // 5. Fields: described (visible through field-level security) and writable; else exists at all?
  checks.push(...(await fieldChecks(client, fields)));

  // 6. Fallback owner: exists and is active.
  if (options.fallbackOwnerId !== undefined)
    checks.push(await fallbackCheck(client, options.fallbackOwnerId));
  return checks;
}

async function permissionsCheck(client: SalesforceClient, userId: string | null): Promise<ConnectionCheck> {
  try {
    const sets = await client.queryAll(
      `SELECT Id FROM PermissionSet WHERE Name = ${soqlString(PERMISSION_SET_NAME)}`,
      { what: 'query PermissionSet' },
    );
    const id = typeof sets[0]?.Id === 'string' ? sets[0].Id : null;
    if (id === null) {
      return {
        name: 'permissions',
        ok: false,
        detail: `permission set ${PERMISSION_SET_NAME} does not exist yet (the first run creates it)`,
        code: 'CRM_PERMISSION',
        hint: `Run one cycle (it creates the fields and ${PERMISSION_SET_NAME}); then: ${PERMISSION_SET_HINT}`,
      };
    }
    if (userId === null) {
      return {
        name: 'permissions',
        ok: false,
        detail: `permission set ${PERMISSION_SET_NAME} exists; the integration user is unknown (no identity URL), so its assignment was not checked`,
        code: 'CRM_PERMISSION',
        hint: PERMISSION_SET_HINT,
      };
    }
    const assigned = await client.queryAll(
      `SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = ${soqlString(id)} AND AssigneeId = ${soqlString(userId)}`,
      { what: 'query PermissionSetAssignment' },
    );
    return assigned.length > 0
      ? { name: 'permissions', ok: true, detail: `${PERMISSION_SET_NAME} assigned to ${userId}` }
      : {
          name: 'permissions',
          ok: false,
          detail: `${PERMISSION_SET_NAME} exists but is not assigned to the integration user ${userId}`,
          code: 'CRM_PERMISSION',
          hint: PERMISSION_SET_HINT,
        };
  } catch (err) {
    return { name: 'permissions', ok: false, ...reason(err), hint: PERMISSION_SET_HINT };
  }
}

async function fieldChecks(
  client: SalesforceClient,
  fields: ReturnType<typeof customFieldDefinitions>,
): Promise<ConnectionCheck[]> {
  const objects = [...new Set(fields.map((f) => grantedObjects(f)[0] as string))];
  const described = new Map<string, Map<string, DescribedField>>();
  for (const object of objects) {
    const d = await client.request<{ fields?: DescribedField[] }>(
      { method: 'GET', url: `/sobjects/${object}/describe` },
      `describe ${object}`,
    );
    described.set(object, new Map((d.fields ?? []).map((f) => [f.name.toLowerCase(), f])));
  }
  // Which exist at all (Tooling API sees them whatever field-level security says).
  let existing: Set<string> | null = null;
  try {
    const rows = await client.queryAll(
      `SELECT DeveloperName, TableEnumOrId FROM CustomField WHERE DeveloperName IN ${inList(fields.map((f) => f.name.replace(/__c$/, '')))}`,
      { tooling: true, what: 'tooling query CustomField' },
    );
    existing = new Set(
      rows.map((r) => `${String(r.TableEnumOrId)}.${String(r.DeveloperName)}__c`.toLowerCase()),
    );
  } catch (err) {
    if (salesforceErrorCode(err) === null) throw err;
  }
  return fields.map((field) => {
    const object = grantedObjects(field)[0] as string;
    const seen = described.get(object)?.get(field.name.toLowerCase());
    const name = `field:${field.name}`;
    const writable = field.object === 'Activity' ? seen?.createable : seen?.updateable;
    if (seen !== undefined && writable === true)
      return { name, ok: true, detail: `${object}.${field.name} visible and writable` };
    if (seen !== undefined) {
      return {
        name,
        ok: false,
        detail: `${object}.${field.name} is visible but read-only to the integration user`,
        code: 'CRM_PERMISSION',
        hint: PERMISSION_SET_HINT,
      };
    }
    const exists = existing?.has(`${field.object}.${field.name}`.toLowerCase());
    return exists === false
      ? {
          name,
          ok: false,
          detail: `${field.object}.${field.name} is missing (the first run creates it)`,
          code: 'CRM_PERMISSION',
          hint: 'Run one cycle: the schema bootstrap creates the PH_ fields.',
        }
      : {
          name,
          ok: false,
          detail: `${object}.${field.name} exists but is not visible to the integration user (field-level security)`,
          code: 'CRM_PERMISSION',
          hint: PERMISSION_SET_HINT,
        };
  });
}

async function fallbackCheck(client: SalesforceClient, id: string): Promise<ConnectionCheck> {
  try {
    const rows = await client.queryAll(`SELECT Id, Name, IsActive FROM User WHERE Id = ${soqlString(id)}`, {
      what: 'query User',
    });
    const user = rows[0];
    if (user === undefined) {
      return {
        name: 'fallback_owner',
        ok: false,
        detail: `alerts.fallbackOwnerId ${id} is not a User of this org`,
        code: 'CONFIG_INVALID',
        hint: 'Set alerts.fallbackOwnerId to the Id of an active User (Setup > Users).',
      };
    }
    return user.IsActive === false
      ? {
          name: 'fallback_owner',
          ok: false,
          detail: `alerts.fallbackOwnerId ${id} (${String(user.Name)}) is inactive: Salesforce refuses tasks assigned to it`,
          code: 'CONFIG_INVALID',
          hint: 'Set alerts.fallbackOwnerId to an active User.',
        }
      : { name: 'fallback_owner', ok: true, detail: `${id} (${String(user.Name)}) is active` };
  } catch (err) {
    const r = reason(err);
    // A malformed id is refused by the query: a configuration error like any unknown user.
    return {
      name: 'fallback_owner',
      ok: false,
      detail: r.detail,
      code: r.code === 'CRM_REJECTED' ? 'CONFIG_INVALID' : r.code,
    };
  }
}
