import type { RecordedWrite } from '../sandbox-handle.ts';
import type { FieldAccess } from './field-access.ts';
import type { RecordStore, SfRow } from './record-store.ts';
import { noSuchColumnInWrite, SalesforceApiError, type SaveError } from './salesforce-errors.ts';
import { isSalesforceId, toId18 } from './salesforce-ids.ts';
import type { SfField, SfObject } from './salesforce-schema.ts';
import { wholeSecondIso } from './whole-seconds.ts';

/** Most records in one sObject Collections request. */
export const MAX_COLLECTION_RECORDS = 200;

export interface WriteContext {
  store: RecordStore;
  access: FieldAccess;
  now: () => Date;
  /** The API user: owner of created records and LastModifiedBy of updates. */
  userId: string;
  /**
   * Whether the API user has "Assign Permission Sets" (or Manage Users): without it, creating a
   * PermissionSetAssignment is refused (Object Reference, PermissionSetAssignment, Special Access Rules).
   */
  mayAssignPermissionSets: boolean;
  /** Record id (updates) or WhatId (creates) → validation message to fail with. */
  failRecords: Record<string, string>;
  recordWrite: (write: RecordedWrite) => void;
}

export interface WriteRequest {
  type: string | undefined;
  /** Updates only. */
  id: string | undefined;
  values: Record<string, unknown>;
}

export interface SaveResult {
  id: string | null;
  success: boolean;
  errors: SaveError[];
}

interface Prepared {
  object: SfObject;
  existing: SfRow | undefined;
  values: Record<string, unknown>;
}

const ROLLED_BACK: SaveError = {
  statusCode: 'ALL_OR_NONE_OPERATION_ROLLED_BACK',
  message: 'Record rolled back because not all records were valid and the request was using AllOrNone header',
  fields: [],
};

const TRACKED_HISTORY = ['StageName', 'Amount', 'CloseDate', 'Probability'];
const TRACKED_FIELDS = ['StageName', 'Amount', 'CloseDate', 'NextStep'];

function saveError(statusCode: string, message: string, fields: string[] = []): SaveError {
  return { statusCode, message, fields };
}

/** Whole-request problems (unknown object or field, wrong JSON types) throw; per-record ones return errors. */
function prepare(ctx: WriteContext, op: 'create' | 'update', req: WriteRequest): Prepared | SaveError[] {
  const object = req.type === undefined ? undefined : ctx.store.schema.get(req.type);
  if (object === undefined) {
    throw new SalesforceApiError(400, 'INVALID_TYPE', `sObject type '${req.type ?? ''}' is not supported.`);
  }
  if ((op === 'create' && !object.createable) || (op === 'update' && !object.updateable)) {
    return [saveError('INVALID_TYPE_FOR_OPERATION', `entity type ${object.name} does not support ${op}`)];
  }
  const values: Record<string, unknown> = {};
  const readOnly: string[] = [];
  for (const [key, value] of Object.entries(req.values)) {
    if (key === 'attributes' || key.toLowerCase() === 'id') continue;
    const field = object.fields.get(key.toLowerCase());
    if (field === undefined || !ctx.access.canRead(object, field))
      throw noSuchColumnInWrite(key, object.name);
    checkJsonType(field, value);
    const allowed = op === 'create' ? field.createable : field.updateable;
    if (!allowed || ctx.access.level(object, field) !== 'edit') readOnly.push(field.name);
    values[field.name] = normalise(field, value);
  }
  if (readOnly.length > 0) {
    return [
      saveError(
        'INVALID_FIELD_FOR_INSERT_UPDATE',
        `Unable to ${op} fields: ${readOnly.join(', ')}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
        readOnly,
      ),
    ];
  }

  let existing: SfRow | undefined;
  if (op === 'update') {
    const id = req.id ?? '';
    if (!isSalesforceId(id) || id.slice(0, 3) !== object.keyPrefix) {
      return [saveError('MALFORMED_ID', `${object.name} ID: id value of incorrect type: ${id}`, ['Id'])];
    }
    const found = ctx.store.find(id);
    if (found === undefined)
      return [saveError('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', [])];
    if (found.row.IsDeleted === true) return [saveError('ENTITY_IS_DELETED', 'entity is deleted', [])];
    existing = found.row;
    const fail = ctx.failRecords[found.row.Id] ?? ctx.failRecords[id];
    if (fail !== undefined) return [saveError('FIELD_CUSTOM_VALIDATION_EXCEPTION', fail, [])];
  } else {
    const missing = object.required.filter(
      (name) => values[name] === undefined || values[name] === null || values[name] === '',
    );
    if (missing.length > 0) {
      return [
        saveError('REQUIRED_FIELD_MISSING', `Required fields are missing: [${missing.join(', ')}]`, missing),
      ];
    }
    const whatId = values.WhatId;
    if (typeof whatId === 'string') {
      const fail = ctx.failRecords[toId18(whatId)] ?? ctx.failRecords[whatId];
      if (fail !== undefined) return [saveError('FIELD_CUSTOM_VALIDATION_EXCEPTION', fail, [])];
    }
  }

  for (const [name, value] of Object.entries(values)) {
    const field = object.fields.get(name.toLowerCase()) as SfField;
    if (field.type !== 'reference' || value === null) continue;
    const ref = String(value);
    if (!isSalesforceId(ref))
      return [saveError('MALFORMED_ID', `${field.label}: id value of incorrect type: ${ref}`, [field.name])];
    const target = ctx.store.find(ref);
    if (target === undefined || !field.referenceTo.includes(target.object.name)) {
      return [
        saveError('FIELD_INTEGRITY_EXCEPTION', `${field.label}: id value of incorrect type: ${ref}`, [
          field.name,
        ]),
      ];
    }
    if (target.row.IsDeleted === true)
      return [saveError('ENTITY_IS_DELETED', 'entity is deleted', [field.name])];
    // Nothing new can be assigned to a user who left (StatusCode INACTIVE_OWNER_OR_USER, SOAP API
    // guide); the message is the one clients report from real orgs.
    if (field.name === 'OwnerId' && target.object.name === 'User' && target.row.IsActive === false) {
      return [
        saveError(
          'INACTIVE_OWNER_OR_USER',
          `operation performed with inactive user [${target.row.Id}] as owner of ${object.name.toLowerCase()}`,
          [],
        ),
      ];
    }
    values[name] = target.row.Id;
  }

  if (
    object.name === 'Opportunity' &&
    typeof values.StageName === 'string' &&
    stageRow(ctx.store, values.StageName) === undefined
  ) {
    return [
      saveError(
        'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
        `Stage: bad value for restricted picklist field: ${values.StageName}`,
        ['StageName'],
      ),
    ];
  }
  // A restricted picklist takes only its own values, through the API too (Metadata API, Picklist:
  // "users can't load or remove values through the API"); null clears it.
  for (const [name, value] of Object.entries(values)) {
    const field = object.fields.get(name.toLowerCase()) as SfField;
    if (!field.custom || !field.restrictedPicklist || value === null || value === undefined) continue;
    if (!field.picklistValues.includes(String(value))) {
      return [
        saveError(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `${field.label}: bad value for restricted picklist field: ${String(value)}`,
          [field.name],
        ),
      ];
    }
  }
  const special = objectRules(ctx, object, op, values, existing);
  if (special !== null) return [special];
  return { object, existing, values };
}

function checkJsonType(field: SfField, value: unknown): void {
  if (value === null) return;
  const bad = (what: string) =>
    new SalesforceApiError(
      400,
      'JSON_PARSER_ERROR',
      `Cannot deserialize instance of ${what} from ${typeof value === 'string' ? 'VALUE_STRING' : 'VALUE'} value ${JSON.stringify(value)} or request may be missing a required field`,
    );
  switch (field.type) {
    case 'boolean':
      if (typeof value !== 'boolean') throw bad('boolean');
      return;
    case 'currency':
    case 'double':
    case 'percent':
    case 'int':
      if (typeof value === 'number') return;
      if (typeof value === 'string' && value.trim() !== '' && !Number.isNaN(Number(value))) return;
      throw bad(field.type === 'int' ? 'int' : 'double');
    case 'date':
      if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}/.test(value)) throw bad('date');
      return;
    case 'datetime':
      if (typeof value !== 'string' || Number.isNaN(Date.parse(value))) throw bad('datetime');
      return;
    case 'anyType':
      return;
    default:
      if (typeof value === 'object') throw bad('string');
  }
}

function normalise(field: SfField, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  switch (field.type) {
    case 'currency':
    case 'double':
    case 'percent':
      return Number(value);
    case 'int':
      return Math.trunc(Number(value));
    case 'date':
      return String(value).slice(0, 10);
    case 'datetime':
      return wholeSecondIso(String(value));
    case 'anyType':
    case 'boolean':
      return value;
    default:
      return typeof value === 'string' ? value : String(value);
  }
}

function stageRow(store: RecordStore, name: string): SfRow | undefined {
  const stage = store.schema.get('OpportunityStage');
  if (stage === undefined) return undefined;
  for (const r of store.table(stage).values()) {
    if (String(r.ApiName).toLowerCase() === name.toLowerCase()) return r;
  }
  return undefined;
}

function duplicate(id: string, what = '<unknown>'): SaveError {
  return saveError(
    'DUPLICATE_VALUE',
    `duplicate value found: ${what} duplicates value on record with id: ${id}`,
  );
}

/** Validation rules of the setup objects (permission sets and their parts). */
function objectRules(
  ctx: WriteContext,
  object: SfObject,
  op: 'create' | 'update',
  values: Record<string, unknown>,
  existing: SfRow | undefined,
): SaveError | null {
  const rows = () =>
    [...ctx.store.table(object).values()].filter((r) => r.IsDeleted !== true && r.Id !== existing?.Id);
  const merged = { ...(existing ?? {}), ...values };
  switch (object.name) {
    case 'PermissionSet': {
      const name = String(merged.Name ?? '');
      if (!/^[A-Za-z][A-Za-z0-9_]*$/.test(name) || name.includes('__') || name.endsWith('_')) {
        return saveError(
          'FIELD_INTEGRITY_EXCEPTION',
          'The API Name can only contain underscores and alphanumeric characters.',
          ['Name'],
        );
      }
      const dup = rows().find((r) => String(r.Name).toLowerCase() === name.toLowerCase());
      return dup === undefined ? null : duplicate(dup.Id, 'Name');
    }
    case 'FieldPermissions': {
      if (merged.PermissionsEdit === true && merged.PermissionsRead !== true) {
        return saveError('FIELD_INTEGRITY_EXCEPTION', 'Permission Edit depends on permission(s): Read', [
          'PermissionsEdit',
        ]);
      }
      if (op === 'update') return null;
      const [objName, fieldName] = String(merged.Field ?? '').split('.');
      const target = objName === undefined ? undefined : ctx.store.schema.get(objName);
      const targetField = fieldName === undefined ? undefined : target?.fields.get(fieldName.toLowerCase());
      if (
        target === undefined ||
        targetField === undefined ||
        target.name.toLowerCase() !== String(merged.SobjectType).toLowerCase()
      ) {
        return saveError(
          'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST',
          `Field Name: bad value for restricted picklist field: ${String(merged.Field)}`,
          ['Field'],
        );
      }
      const wanted = `${target.name}.${targetField.name}`.toLowerCase();
      const dup = rows().find(
        (r) => r.ParentId === merged.ParentId && String(r.Field).toLowerCase() === wanted,
      );
      if (dup !== undefined) return duplicate(dup.Id);
      values.Field = `${target.name}.${targetField.name}`;
      values.SobjectType = target.name;
      values.PermissionsRead = merged.PermissionsRead === true;
      values.PermissionsEdit = merged.PermissionsEdit === true;
      return null;
    }
    case 'PermissionSetAssignment': {
      if (!ctx.mayAssignPermissionSets) {
        return saveError(
          'INSUFFICIENT_ACCESS_OR_READONLY',
          'insufficient access rights on object id: the user needs the "Assign Permission Sets" permission',
        );
      }
      const dup = rows().find(
        (r) => r.AssigneeId === merged.AssigneeId && r.PermissionSetId === merged.PermissionSetId,
      );
      return dup === undefined ? null : duplicate(dup.Id);
    }
    default:
      return null;
  }
}

function defaults(object: SfObject): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const f of object.fields.values()) row[f.name] = f.type === 'boolean' ? false : null;
  return row;
}

function derive(ctx: WriteContext, object: SfObject, row: SfRow, changed: Record<string, unknown>): void {
  if (object.name === 'Opportunity' && 'StageName' in changed) {
    const stage = stageRow(ctx.store, String(row.StageName));
    if (stage !== undefined) {
      row.IsClosed = stage.IsClosed;
      row.IsWon = stage.IsWon;
      row.ForecastCategoryName = stage.ForecastCategoryName;
      if (!('Probability' in changed)) row.Probability = stage.DefaultProbability;
    }
  }
  if (object.name === 'Task' && 'Status' in changed)
    row.IsClosed = row.Status === 'Completed' || row.Status === 'Deferred';
  if (object.name === 'Contact')
    row.Name = [row.FirstName, row.LastName].filter((p) => typeof p === 'string' && p !== '').join(' ');
  if (object.name === 'Event' && typeof row.StartDateTime === 'string') {
    row.ActivityDateTime = row.StartDateTime;
    const start = Date.parse(row.StartDateTime);
    if (typeof row.EndDateTime === 'string' && !('DurationInMinutes' in changed)) {
      row.DurationInMinutes = Math.round((Date.parse(row.EndDateTime) - start) / 60_000);
    } else if (typeof row.DurationInMinutes === 'number' && !('EndDateTime' in changed)) {
      row.EndDateTime = new Date(start + row.DurationInMinutes * 60_000).toISOString();
    }
  }
}

/** Opportunity history tracking: a history snapshot and field-history rows, as Salesforce keeps them. */
function trackHistory(ctx: WriteContext, before: SfRow, after: SfRow, at: string): void {
  const history = ctx.store.schema.get('OpportunityHistory');
  const fieldHistory = ctx.store.schema.get('OpportunityFieldHistory');
  if (history === undefined || fieldHistory === undefined) return;
  const sys = { IsDeleted: false, CreatedDate: at, CreatedById: ctx.userId, SystemModstamp: at };
  for (const field of TRACKED_FIELDS) {
    if (before[field] === after[field]) continue;
    ctx.store.put(fieldHistory, {
      Id: ctx.store.nextId(fieldHistory),
      OpportunityId: after.Id,
      Field: field,
      OldValue: before[field] ?? null,
      NewValue: after[field] ?? null,
      ...sys,
    });
  }
  if (TRACKED_HISTORY.some((f) => before[f] !== after[f])) {
    ctx.store.put(history, {
      Id: ctx.store.nextId(history),
      OpportunityId: after.Id,
      StageName: after.StageName,
      Amount: after.Amount,
      CloseDate: after.CloseDate,
      Probability: after.Probability,
      ForecastCategory: after.ForecastCategoryName,
      ...sys,
    });
  }
}

function apply(ctx: WriteContext, op: 'create' | 'update', p: Prepared): string {
  const at = wholeSecondIso(ctx.now());
  const { object, values } = p;
  if (op === 'create') {
    const row: SfRow = {
      ...defaults(object),
      ...(object.fields.has('ownerid') ? { OwnerId: ctx.userId } : {}),
      ...(object.name === 'Task' ? { Status: 'Not Started', Priority: 'Normal', TaskSubtype: 'Task' } : {}),
      ...(object.name === 'Event' ? { EventSubtype: 'Event' } : {}),
      ...values,
      Id: ctx.store.nextId(object),
      IsDeleted: false,
      CreatedDate: at,
      CreatedById: ctx.userId,
      LastModifiedDate: at,
      LastModifiedById: ctx.userId,
      SystemModstamp: at,
    };
    derive(ctx, object, row, { ...values, Status: row.Status, StageName: row.StageName });
    ctx.store.put(object, row);
    ctx.recordWrite({ at, objectType: object.name, recordId: row.Id, operation: 'create', values });
    return row.Id;
  }
  const row = p.existing as SfRow;
  const before = { ...row };
  Object.assign(row, values, { LastModifiedDate: at, LastModifiedById: ctx.userId, SystemModstamp: at });
  derive(ctx, object, row, values);
  if (object.name === 'Opportunity') trackHistory(ctx, before, row, at);
  ctx.recordWrite({ at, objectType: object.name, recordId: row.Id, operation: 'update', values });
  return row.Id;
}

/**
 * Save records as sObject Collections does: in order, one result per record. With `allOrNone`
 * nothing is applied when any record fails, and the valid ones report ALL_OR_NONE_OPERATION_ROLLED_BACK.
 */
export function saveRecords(
  ctx: WriteContext,
  op: 'create' | 'update',
  requests: WriteRequest[],
  allOrNone: boolean,
): SaveResult[] {
  if (allOrNone) {
    const prepared = requests.map((r) => prepare(ctx, op, r));
    if (prepared.some((p) => Array.isArray(p))) {
      return prepared.map((p, i) => ({
        id: op === 'update' ? (requests[i]?.id ?? null) : null,
        success: false,
        errors: Array.isArray(p) ? p : [ROLLED_BACK],
      }));
    }
    return prepared.map((p) => ({ id: apply(ctx, op, p as Prepared), success: true, errors: [] }));
  }
  return requests.map((r) => {
    const p = prepare(ctx, op, r);
    if (Array.isArray(p)) return { id: op === 'update' ? (r.id ?? null) : null, success: false, errors: p };
    return { id: apply(ctx, op, p), success: true, errors: [] };
  });
}
