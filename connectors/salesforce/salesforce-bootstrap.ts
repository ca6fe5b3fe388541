import type { Logger } from '../../src/shared/logger.ts';
import type { SchemaBootstrapResult } from '../crm-connector.ts';
import type { SalesforceClient } from './salesforce-client.ts';
import { PERMISSION_SET_HINT, salesforceErrorCode } from './salesforce-failure.ts';
import { customFieldDefinitions, grantedObjects } from './salesforce-health-fields.ts';
import { PERMISSION_SET_LABEL, PERMISSION_SET_NAME } from './salesforce-limits.ts';
import { inList, soqlString } from './soql.ts';

/** What Salesforce answers a user without "Assign Permission Sets" (docs/SANDBOX.md). */
const NO_ASSIGN_CODES = new Set([
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
  'INSUFFICIENT_ACCESS',
]);

/** Salesforce answers a second create of the same name with either code (CRM-FACTS.md, sandbox notes). */
const DUPLICATE_CODES = new Set(['DUPLICATE_DEVELOPER_NAME', 'DUPLICATE_VALUE', 'DUPLICATE_USERNAME']);

interface SaveResult {
  id?: string | null;
  success: boolean;
  errors?: { statusCode?: string; message?: string }[];
}

export interface BootstrapOptions {
  /**
   * Also assign the permission set to the integration user (needs "Assign Permission Sets" for
   * that user; most orgs leave this to an admin). Default false.
   */
  assignPermissionSet: boolean;
}

function json(method: 'POST' | 'PATCH', url: string, body: unknown) {
  return { method, url, body: JSON.stringify(body), headers: { 'content-type': 'application/json' } };
}

async function queryIds(
  client: SalesforceClient,
  soql: string,
  what: string,
): Promise<Record<string, unknown>[]> {
  return client.queryAll(soql, { what });
}

/**
 * Create the PH_ custom fields (Tooling API), the Pipeline_Health permission set and its
 * FieldPermissions, each only when missing. Every step is idempotent: a rerun after a crash finds
 * what the first run made. New fields stay invisible to the integration user until the permission
 * set is assigned to it.
 */
export async function bootstrapSalesforceSchema(
  client: SalesforceClient,
  logger: Logger,
  options: BootstrapOptions,
): Promise<SchemaBootstrapResult> {
  const created: string[] = [];
  const existing: string[] = [];
  const actionRequired: string[] = [];
  const fields = customFieldDefinitions();

  const developerNames = fields.map((f) => f.name.replace(/__c$/, ''));
  const rows = await client.queryAll(
    `SELECT Id, DeveloperName, TableEnumOrId FROM CustomField WHERE DeveloperName IN ${inList(developerNames)}`,
    { tooling: true, what: 'tooling query CustomField' },
  );
  const have = new Set(
    rows.map((r) => `${String(r.TableEnumOrId)}.${String(r.DeveloperName)}__c`.toLowerCase()),
  );
  for (const field of fields) {
    const fullName = `${field.object}.${field.name}`;
    if (have.has(fullName.toLowerCase())) {
      existing.push(fullName);
      continue;
    }
    try {
      await client.request(
        json('POST', '/tooling/sobjects/CustomField', { FullName: fullName, Metadata: field.metadata }),
        `create CustomField ${fullName}`,
      );
      created.push(fullName);
    } catch (err) {
      // A retried create whose first attempt went through, or another worker's: it exists.
      if (!DUPLICATE_CODES.has(salesforceErrorCode(err) ?? '')) throw err;
      existing.push(fullName);
    }
  }

  const permissionSetId = await ensurePermissionSet(client, created, existing);
  const permissions = await queryIds(
    client,
    `SELECT Id, Field, PermissionsRead, PermissionsEdit FROM FieldPermissions WHERE ParentId = ${soqlString(permissionSetId)}`,
    'query FieldPermissions',
  );
  const byField = new Map(permissions.map((p) => [String(p.Field).toLowerCase(), p]));
  const toCreate: Record<string, unknown>[] = [];
  const toUpdate: Record<string, unknown>[] = [];
  const grants = fields.flatMap((field) =>
    grantedObjects(field).map((object) => ({ object, fullName: `${object}.${field.name}` })),
  );
  for (const { object, fullName } of grants) {
    const current = byField.get(fullName.toLowerCase());
    if (current === undefined) {
      toCreate.push({
        attributes: { type: 'FieldPermissions' },
        ParentId: permissionSetId,
        SobjectType: object,
        Field: fullName,
        PermissionsRead: true,
        PermissionsEdit: true,
      });
    } else if (current.PermissionsRead !== true || current.PermissionsEdit !== true) {
      toUpdate.push({
        attributes: { type: 'FieldPermissions' },
        id: current.Id,
        PermissionsRead: true,
        PermissionsEdit: true,
      });
    } else {
      existing.push(`FieldPermissions ${fullName}`);
    }
  }
  if (toCreate.length > 0) {
    const results = await client.request<SaveResult[]>(
      json('POST', '/composite/sobjects', { allOrNone: false, records: toCreate }),
      'create FieldPermissions',
    );
    results.forEach((r, i) => {
      const name = `FieldPermissions ${String(toCreate[i]?.Field)}`;
      const code = r.errors?.[0]?.statusCode ?? '';
      if (r.success) created.push(name);
      else if (DUPLICATE_CODES.has(code)) existing.push(name);
      else
        logger.warn(
          { crm: 'salesforce', field: name, errors: r.errors },
          'could not create field permission',
        );
    });
  }
  if (toUpdate.length > 0) {
    await client.request(
      json('PATCH', '/composite/sobjects', { allOrNone: false, records: toUpdate }),
      'update FieldPermissions',
    );
    created.push(...toUpdate.map((u) => `FieldPermissions update ${String(u.id)}`));
  }

  if (options.assignPermissionSet) {
    const userId = await client.apiUserId();
    if (userId === null) {
      logger.warn(
        { crm: 'salesforce' },
        'integration user unknown (no identity URL); permission set not assigned',
      );
    } else {
      const assigned = await queryIds(
        client,
        `SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = ${soqlString(permissionSetId)} AND AssigneeId = ${soqlString(userId)}`,
        'query PermissionSetAssignment',
      );
      if (assigned.length > 0) existing.push(`PermissionSetAssignment ${userId}`);
      else {
        try {
          await client.request(
            json('POST', '/sobjects/PermissionSetAssignment', {
              PermissionSetId: permissionSetId,
              AssigneeId: userId,
            }),
            'create PermissionSetAssignment',
          );
          created.push(`PermissionSetAssignment ${userId}`);
        } catch (err) {
          const code = salesforceErrorCode(err) ?? '';
          if (DUPLICATE_CODES.has(code)) existing.push(`PermissionSetAssignment ${userId}`);
          else if (NO_ASSIGN_CODES.has(code)) {
            // The integration user may not assign permission sets: an admin does it once.
            logger.warn(
              { crm: 'salesforce', errorCode: code },
              `could not assign the permission set: ${PERMISSION_SET_HINT}`,
            );
            actionRequired.push(PERMISSION_SET_HINT);
          } else throw err;
        }
      }
    }
  } else if (!(await isAssigned(client, permissionSetId))) {
    // Write-back fails until this is done: say so now, on the first run, not only at write-back.
    logger.warn({ crm: 'salesforce' }, `permission set not assigned yet: ${PERMISSION_SET_HINT}`);
    actionRequired.push(PERMISSION_SET_HINT);
  }
  return { created, existing, ...(actionRequired.length > 0 ? { actionRequired } : {}) };
}

/** Whether the integration user holds the permission set (false when unknown). */
async function isAssigned(client: SalesforceClient, permissionSetId: string): Promise<boolean> {
  const userId = await client.apiUserId();
  if (userId === null) return false;
  const rows = await queryIds(
    client,
    `SELECT Id FROM PermissionSetAssignment WHERE PermissionSetId = ${soqlString(permissionSetId)} AND AssigneeId = ${soqlString(userId)}`,
    'query PermissionSetAssignment',
  );
  return rows.length > 0;
}

async function ensurePermissionSet(
  client: SalesforceClient,
  created: string[],
  existing: string[],
): Promise<string> {
  const find = async () => {
    const rows = await queryIds(
      client,
      `SELECT Id FROM PermissionSet WHERE Name = ${soqlString(PERMISSION_SET_NAME)}`,
      'query PermissionSet',
    );
    return typeof rows[0]?.Id === 'string' ? rows[0].Id : null;
  };
  const found = await find();
  if (found !== null) {
    existing.push(`PermissionSet ${PERMISSION_SET_NAME}`);
    return found;
  }
  try {
    const result = await client.request<{ id: string }>(
      json('POST', '/sobjects/PermissionSet', {
        Name: PERMISSION_SET_NAME,
        Label: PERMISSION_SET_LABEL,
        Description: 'Read/edit on the pipeline-health fields (PH_*__c). Assign it to the integration user.',
      }),
      'create PermissionSet',
    );
    created.push(`PermissionSet ${PERMISSION_SET_NAME}`);
    return result.id;
  } catch (err) {
    if (!DUPLICATE_CODES.has(salesforceErrorCode(err) ?? '')) throw err;
    const again = await find();
    if (again === null) throw err;
    existing.push(`PermissionSet ${PERMISSION_SET_NAME}`);
    return again;
  }
}
