import type { RecordStore } from './record-store.ts';
import { SalesforceApiError } from './salesforce-errors.ts';
import { wholeSecondIso } from './whole-seconds.ts';
import { makeField, type SfFieldType, type SalesforceSchema } from './salesforce-schema.ts';

/** The objects an `Activity.X__c` field appears on. */
const ACTIVITY_OBJECTS = ['Task', 'Event'];

/** Metadata API field types → describe types. */
const TYPE_MAP: Record<string, SfFieldType> = {
  Number: 'double',
  Percent: 'percent',
  Currency: 'currency',
  Text: 'string',
  TextArea: 'textarea',
  LongTextArea: 'textarea',
  Checkbox: 'boolean',
  Date: 'date',
  DateTime: 'datetime',
  Picklist: 'picklist',
  Email: 'email',
  Url: 'url',
};

/**
 * Tooling API `POST /tooling/sobjects/CustomField` `{ FullName: "Opportunity.PH_Score__c", Metadata: {...} }`.
 * The new field exists at once but is hidden from the API user until field-level security grants it.
 * A second create of the same field is 400 DUPLICATE_DEVELOPER_NAME. Some sources show Salesforce
 * answering DUPLICATE_VALUE here instead (not verified), so connectors should treat both as "exists".
 */
export function createCustomField(
  data: SalesforceSchema,
  tooling: RecordStore,
  body: Record<string, unknown>,
  now: Date,
): string {
  const fullName = typeof body.FullName === 'string' ? body.FullName : '';
  const metadata = (
    typeof body.Metadata === 'object' && body.Metadata !== null ? body.Metadata : {}
  ) as Record<string, unknown>;
  if (fullName === '') {
    throw new SalesforceApiError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [FullName]', [
      'FullName',
    ]);
  }
  const match = /^([A-Za-z][A-Za-z0-9_]*)\.([A-Za-z][A-Za-z0-9_]*)__c$/.exec(fullName);
  if (match === null) {
    throw new SalesforceApiError(
      400,
      'FIELD_INTEGRITY_EXCEPTION',
      `Invalid FullName: ${fullName}. Expected <Object>.<Name>__c`,
      ['FullName'],
    );
  }
  const [, objectName = '', developerName = ''] = match;
  // Task and Event custom fields are defined on Activity and then exist on both; TableEnumOrId is a
  // restricted picklist that lists Activity, not Task or Event (Object Reference: Task, Event;
  // CRM-FACTS.md). Field permissions still name Task.X__c / Event.X__c.
  const isActivity = objectName.toLowerCase() === 'activity';
  const targets = isActivity
    ? ACTIVITY_OBJECTS.map((n) => data.get(n)).filter((o) => o !== undefined)
    : ACTIVITY_OBJECTS.some((n) => n.toLowerCase() === objectName.toLowerCase())
      ? []
      : [data.get(objectName)].filter((o) => o !== undefined);
  const object = targets[0];
  if (object === undefined) {
    throw new SalesforceApiError(
      400,
      'FIELD_INTEGRITY_EXCEPTION',
      `Entity Enumeration Or ID: bad value for restricted picklist field: ${objectName}`,
      ['TableEnumOrId'],
    );
  }
  const typeName = typeof metadata.type === 'string' ? metadata.type : '';
  const type = TYPE_MAP[typeName];
  if (type === undefined) {
    throw new SalesforceApiError(
      400,
      'FIELD_INTEGRITY_EXCEPTION',
      `Invalid field type: ${typeName || '(none)'}`,
      ['Metadata'],
    );
  }
  const label = typeof metadata.label === 'string' ? metadata.label : '';
  if (label === '')
    throw new SalesforceApiError(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Label]', [
      'Label',
    ]);
  if (
    (type === 'string' || type === 'textarea') &&
    typeName !== 'TextArea' &&
    typeof metadata.length !== 'number'
  ) {
    throw new SalesforceApiError(400, 'FIELD_INTEGRITY_EXCEPTION', 'Length: You must enter a value', [
      'Length',
    ]);
  }
  const picklist = type === 'picklist' ? picklistOf(metadata) : { values: [], restricted: false };
  if (type === 'picklist' && picklist.values.length === 0) {
    // Metadata API Picklist: "picklistValues — Required"; the code and wording are the sandbox's (docs/SANDBOX.md).
    throw new SalesforceApiError(
      400,
      'FIELD_INTEGRITY_EXCEPTION',
      'Picklist: You must enter at least one value',
      ['Metadata'],
    );
  }
  const apiName = `${developerName}__c`;
  const tableName = isActivity ? 'Activity' : object.name;
  if (targets.some((t) => t.fields.has(apiName.toLowerCase()))) {
    throw new SalesforceApiError(
      400,
      'DUPLICATE_DEVELOPER_NAME',
      `There is already a field named ${developerName} on ${tableName}.`,
    );
  }
  for (const target of targets) {
    // One field per object: field-level security grants Task.X__c and Event.X__c separately.
    const field = makeField(apiName, type, { custom: true, label });
    field.needsGrant = true;
    if (typeof metadata.length === 'number') field.length = metadata.length;
    if (typeof metadata.precision === 'number') field.precision = metadata.precision;
    if (typeof metadata.scale === 'number') field.scale = metadata.scale;
    field.picklistValues = picklist.values;
    field.restrictedPicklist = picklist.restricted;
    data.addField(target.name, field);
  }

  const customField = tooling.schema.get('CustomField');
  if (customField === undefined) throw new Error('tooling schema lacks CustomField');
  const id = tooling.nextId(customField);
  const at = wholeSecondIso(now);
  tooling.put(customField, {
    Id: id,
    DeveloperName: developerName,
    TableEnumOrId: tableName,
    FullName: `${tableName}.${apiName}`,
    NamespacePrefix: null,
    Metadata: metadata,
    IsDeleted: false,
    CreatedDate: at,
    CreatedById: null,
    LastModifiedDate: at,
    LastModifiedById: null,
    SystemModstamp: at,
  });
  return id;
}

/**
 * The values and restriction of a Picklist field: `valueSet` (API 38.0+: `restricted`,
 * `valueSetDefinition.value[].fullName`) or the older `picklist` (`restrictedPicklist`,
 * `picklistValues[].fullName`), as the Metadata API documents both.
 */
function picklistOf(metadata: Record<string, unknown>): { values: string[]; restricted: boolean } {
  const record = (v: unknown) => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});
  const names = (list: unknown) =>
    (Array.isArray(list) ? list : [])
      .map((v) => record(v).fullName)
      .filter((n): n is string => typeof n === 'string' && n !== '');
  const valueSet = record(metadata.valueSet);
  if (Object.keys(valueSet).length > 0) {
    return {
      values: names(record(valueSet.valueSetDefinition).value),
      restricted: valueSet.restricted === true,
    };
  }
  const legacy = record(metadata.picklist);
  return { values: names(legacy.picklistValues), restricted: legacy.restrictedPicklist === true };
}
