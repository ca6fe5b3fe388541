/**
 * The sObjects and fields the sandbox serves, with the describe metadata a connector reads
 * (type, label, custom, createable, updateable, references). Custom fields can be added at run
 * time (Tooling API); those start invisible to the API user until field-level security grants
 * them (see field-access.ts).
 */

export type SfFieldType =
  | 'id'
  | 'string'
  | 'textarea'
  | 'picklist'
  | 'boolean'
  | 'currency'
  | 'double'
  | 'percent'
  | 'int'
  | 'date'
  | 'datetime'
  | 'reference'
  | 'email'
  | 'url'
  | 'anyType';

export interface SfField {
  name: string;
  type: SfFieldType;
  label: string;
  custom: boolean;
  createable: boolean;
  updateable: boolean;
  nillable: boolean;
  /** Target objects of a reference field (several for polymorphic WhatId/WhoId). */
  referenceTo: string[];
  /** The relationship name used in SOQL (`Account` for AccountId, `What` for WhatId). */
  relationshipName: string | null;
  length: number;
  precision: number;
  scale: number;
  picklistValues: string[];
  /** Values outside `picklistValues` are refused on write (INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST). */
  restrictedPicklist: boolean;
  /** True for fields created through the Tooling API: hidden until a permission set grants them. */
  needsGrant: boolean;
}

export interface SfObject {
  name: string;
  label: string;
  labelPlural: string;
  keyPrefix: string;
  createable: boolean;
  updateable: boolean;
  /** Fields that must have a value on create. */
  required: string[];
  /** Keyed by lower-cased field name (Salesforce names are case-insensitive). */
  fields: Map<string, SfField>;
}

interface FieldSpec {
  /** Read-only (system or formula-like) field. */
  ro?: boolean;
  /** Createable but not updateable (e.g. TaskSubtype). */
  createOnly?: boolean;
  ref?: string[];
  rel?: string;
  label?: string;
  picklist?: string[];
  custom?: boolean;
}

function labelOf(name: string): string {
  return name
    .replace(/__c$/, '')
    .replace(/_/g, ' ')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .trim();
}

export function makeField(name: string, type: SfFieldType, spec: FieldSpec = {}): SfField {
  const ro = spec.ro === true || type === 'id';
  return {
    name,
    type,
    label: spec.label ?? labelOf(name),
    custom: spec.custom ?? name.endsWith('__c'),
    createable: !ro,
    updateable: !ro && spec.createOnly !== true,
    nillable: type !== 'boolean' && type !== 'id',
    referenceTo: spec.ref ?? [],
    relationshipName: spec.rel ?? null,
    length:
      type === 'string' || type === 'email' || type === 'url' || type === 'picklist'
        ? 255
        : type === 'textarea'
          ? 32000
          : 0,
    precision: type === 'currency' || type === 'double' ? 18 : type === 'percent' ? 3 : 0,
    scale: type === 'currency' ? 2 : 0,
    picklistValues: spec.picklist ?? [],
    restrictedPicklist: name === 'StageName',
    needsGrant: false,
  };
}

const SYSTEM_FIELDS = (): SfField[] => [
  makeField('Id', 'id', { label: 'Record ID' }),
  makeField('IsDeleted', 'boolean', { ro: true, label: 'Deleted' }),
  makeField('CreatedDate', 'datetime', { ro: true }),
  makeField('CreatedById', 'reference', { ro: true, ref: ['User'], rel: 'CreatedBy' }),
  makeField('LastModifiedDate', 'datetime', { ro: true }),
  makeField('LastModifiedById', 'reference', { ro: true, ref: ['User'], rel: 'LastModifiedBy' }),
  makeField('SystemModstamp', 'datetime', { ro: true, label: 'System Modstamp' }),
];

function object(
  name: string,
  keyPrefix: string,
  fields: SfField[],
  opts: { labelPlural?: string; createable?: boolean; updateable?: boolean; required?: string[] } = {},
): SfObject {
  const map = new Map<string, SfField>();
  for (const f of [...SYSTEM_FIELDS(), ...fields]) map.set(f.name.toLowerCase(), f);
  return {
    name,
    label: labelOf(name),
    labelPlural: opts.labelPlural ?? `${labelOf(name)}s`,
    keyPrefix,
    createable: opts.createable ?? true,
    updateable: opts.updateable ?? true,
    required: opts.required ?? [],
    fields: map,
  };
}

const f = makeField;
const ACTIVITY_PARENTS = ['Opportunity', 'Account'];

/** The standard objects, before world-specific custom fields are added. */
function standardObjects(): SfObject[] {
  return [
    object(
      'User',
      '005',
      [
        f('Username', 'string'),
        f('Name', 'string', { ro: true, label: 'Full Name' }),
        f('FirstName', 'string'),
        f('LastName', 'string'),
        f('Email', 'email'),
        f('IsActive', 'boolean'),
        f('Department', 'string'),
        f('Title', 'string'),
        f('ManagerId', 'reference', { ref: ['User'], rel: 'Manager' }),
      ],
      { createable: false, updateable: false },
    ),
    object(
      'Account',
      '001',
      [
        f('Name', 'string', { label: 'Account Name' }),
        f('Website', 'url'),
        f('Industry', 'picklist'),
        f('NumberOfEmployees', 'int', { label: 'Employees' }),
        f('AnnualRevenue', 'currency'),
        f('OwnerId', 'reference', { ref: ['User'], rel: 'Owner' }),
      ],
      { required: ['Name'] },
    ),
    object(
      'Contact',
      '003',
      [
        f('FirstName', 'string'),
        f('LastName', 'string'),
        f('Name', 'string', { ro: true, label: 'Full Name' }),
        f('Email', 'email'),
        f('Title', 'string'),
        f('AccountId', 'reference', { ref: ['Account'], rel: 'Account' }),
        f('OwnerId', 'reference', { ref: ['User'], rel: 'Owner' }),
      ],
      { required: ['LastName'] },
    ),
    object(
      'Opportunity',
      '006',
      [
        f('Name', 'string'),
        f('Description', 'textarea'),
        f('StageName', 'picklist', { label: 'Stage' }),
        f('Amount', 'currency'),
        f('Probability', 'percent', { label: 'Probability (%)' }),
        f('CloseDate', 'date'),
        f('IsClosed', 'boolean', { ro: true, label: 'Closed' }),
        f('IsWon', 'boolean', { ro: true, label: 'Won' }),
        f('NextStep', 'string'),
        f('ForecastCategoryName', 'picklist', { label: 'Forecast Category' }),
        f('OwnerId', 'reference', { ref: ['User'], rel: 'Owner' }),
        f('AccountId', 'reference', { ref: ['Account'], rel: 'Account' }),
        f('LastActivityDate', 'date', { ro: true }),
      ],
      { labelPlural: 'Opportunities', required: ['Name', 'StageName', 'CloseDate'] },
    ),
    object(
      'OpportunityStage',
      '01J',
      [
        f('MasterLabel', 'string'),
        f('ApiName', 'string'),
        f('IsActive', 'boolean'),
        f('IsClosed', 'boolean'),
        f('IsWon', 'boolean'),
        f('DefaultProbability', 'percent'),
        f('ForecastCategoryName', 'picklist'),
        f('SortOrder', 'int'),
      ],
      { createable: false, updateable: false },
    ),
    object(
      'OpportunityHistory',
      '008',
      [
        f('OpportunityId', 'reference', { ro: true, ref: ['Opportunity'], rel: 'Opportunity' }),
        f('StageName', 'picklist', { ro: true }),
        f('Amount', 'currency', { ro: true }),
        f('CloseDate', 'date', { ro: true }),
        f('Probability', 'percent', { ro: true }),
        f('ForecastCategory', 'picklist', { ro: true }),
      ],
      { labelPlural: 'Opportunity Histories', createable: false, updateable: false },
    ),
    object(
      'OpportunityFieldHistory',
      '017',
      [
        f('OpportunityId', 'reference', { ro: true, ref: ['Opportunity'], rel: 'Opportunity' }),
        f('Field', 'picklist', { ro: true }),
        f('OldValue', 'anyType', { ro: true }),
        f('NewValue', 'anyType', { ro: true }),
      ],
      { labelPlural: 'Opportunity Field Histories', createable: false, updateable: false },
    ),
    object(
      'OpportunityContactRole',
      '00K',
      [
        f('OpportunityId', 'reference', { createOnly: true, ref: ['Opportunity'], rel: 'Opportunity' }),
        f('ContactId', 'reference', { ref: ['Contact'], rel: 'Contact' }),
        f('Role', 'picklist', {
          picklist: [
            'Decision Maker',
            'Economic Buyer',
            'Influencer',
            'Technical Buyer',
            'Evaluator',
            'Business User',
            'Other',
          ],
        }),
        f('IsPrimary', 'boolean'),
      ],
      { required: ['OpportunityId', 'ContactId'] },
    ),
    object(
      'Task',
      '00T',
      [
        f('WhatId', 'reference', { ref: ACTIVITY_PARENTS, rel: 'What', label: 'Related To ID' }),
        f('WhoId', 'reference', { ref: ['Contact', 'Lead'], rel: 'Who', label: 'Name ID' }),
        f('Subject', 'string'),
        f('ActivityDate', 'date', { label: 'Due Date Only' }),
        f('Status', 'picklist', {
          picklist: ['Not Started', 'In Progress', 'Completed', 'Waiting on someone else', 'Deferred'],
        }),
        f('Priority', 'picklist', { picklist: ['High', 'Normal', 'Low'] }),
        f('IsClosed', 'boolean', { ro: true, label: 'Closed' }),
        f('TaskSubtype', 'picklist', {
          createOnly: true,
          picklist: ['Task', 'Email', 'ListEmail', 'Cadence', 'Call', 'LinkedIn'],
        }),
        f('Type', 'picklist', { picklist: ['Call', 'Email', 'Meeting', 'Other'] }),
        f('CallType', 'picklist', { picklist: ['Internal', 'Inbound', 'Outbound'] }),
        f('CallDurationInSeconds', 'int', { label: 'Call Duration' }),
        f('CallDisposition', 'string', { label: 'Call Result' }),
        f('Description', 'textarea', { label: 'Comments' }),
        f('OwnerId', 'reference', { ref: ['User'], rel: 'Owner', label: 'Assigned To ID' }),
      ],
      { required: [] },
    ),
    object(
      'Event',
      '00U',
      [
        f('WhatId', 'reference', { ref: ACTIVITY_PARENTS, rel: 'What', label: 'Related To ID' }),
        f('WhoId', 'reference', { ref: ['Contact', 'Lead'], rel: 'Who', label: 'Name ID' }),
        f('Subject', 'string'),
        f('StartDateTime', 'datetime'),
        f('EndDateTime', 'datetime'),
        f('ActivityDateTime', 'datetime', { label: 'Due Date Time' }),
        f('DurationInMinutes', 'int', { label: 'Duration' }),
        f('EventSubtype', 'picklist', { createOnly: true, picklist: ['Event'] }),
        f('Description', 'textarea'),
        f('OwnerId', 'reference', { ref: ['User'], rel: 'Owner', label: 'Assigned To ID' }),
      ],
      { required: ['StartDateTime'] },
    ),
    object(
      'EventRelation',
      '0RE',
      [
        f('EventId', 'reference', { createOnly: true, ref: ['Event'], rel: 'Event' }),
        f('RelationId', 'reference', { createOnly: true, ref: ['Contact', 'User'], rel: 'Relation' }),
        f('IsInvitee', 'boolean'),
        f('Status', 'picklist', { picklist: ['New', 'Declined', 'Accepted'] }),
      ],
      { required: ['EventId', 'RelationId'] },
    ),
    object(
      'EmailMessage',
      '02s',
      [
        f('RelatedToId', 'reference', { ref: ACTIVITY_PARENTS, rel: 'RelatedTo' }),
        f('ActivityId', 'reference', { ro: true, ref: ['Task'], rel: 'Activity' }),
        f('Incoming', 'boolean'),
        f('MessageDate', 'datetime'),
        f('FromAddress', 'email'),
        f('FromName', 'string'),
        f('ToAddress', 'string'),
        f('Subject', 'string'),
        f('TextBody', 'textarea'),
        f('Status', 'picklist', { picklist: ['0', '1', '2', '3', '4', '5'] }),
      ],
      { labelPlural: 'Email Messages' },
    ),
    object(
      'ForecastingQuota',
      '0J9',
      [
        f('QuotaOwnerId', 'reference', { ref: ['User'], rel: 'QuotaOwner' }),
        f('QuotaAmount', 'currency'),
        f('StartDate', 'date'),
      ],
      { required: ['QuotaOwnerId', 'StartDate'] },
    ),
    object(
      'PermissionSet',
      '0PS',
      [
        f('Name', 'string'),
        f('Label', 'string'),
        f('Description', 'textarea'),
        f('IsOwnedByProfile', 'boolean', { ro: true }),
      ],
      { required: ['Name', 'Label'] },
    ),
    object(
      'FieldPermissions',
      '01k',
      [
        f('ParentId', 'reference', { createOnly: true, ref: ['PermissionSet'], rel: 'Parent' }),
        f('SobjectType', 'picklist', { createOnly: true }),
        f('Field', 'picklist', { createOnly: true }),
        f('PermissionsRead', 'boolean'),
        f('PermissionsEdit', 'boolean'),
      ],
      { labelPlural: 'Field Permissions', required: ['ParentId', 'SobjectType', 'Field'] },
    ),
    object(
      'PermissionSetAssignment',
      '0Pa',
      [
        f('AssigneeId', 'reference', { createOnly: true, ref: ['User'], rel: 'Assignee' }),
        f('PermissionSetId', 'reference', { createOnly: true, ref: ['PermissionSet'], rel: 'PermissionSet' }),
      ],
      { required: ['AssigneeId', 'PermissionSetId'] },
    ),
  ];
}

/** Tooling API objects (a separate namespace at /tooling/...). */
function toolingObjects(): SfObject[] {
  return [
    object(
      'CustomField',
      '00N',
      [
        f('DeveloperName', 'string', { ro: true }),
        f('TableEnumOrId', 'string', { ro: true }),
        f('FullName', 'string', { createOnly: true }),
        f('NamespacePrefix', 'string', { ro: true }),
        f('Metadata', 'anyType', { createOnly: true }),
      ],
      { updateable: false },
    ),
  ];
}

/** A child relationship usable in a SOQL subquery, e.g. `(SELECT ContactId FROM OpportunityContactRoles)`. */
export interface ChildRelationship {
  name: string;
  childObject: string;
  /** The child's reference field pointing at the parent. */
  field: string;
}

/** Salesforce's child relationship names for the objects the sandbox serves. */
const CHILD_RELATIONSHIPS: Record<string, [name: string, child: string, field: string][]> = {
  Opportunity: [
    ['OpportunityContactRoles', 'OpportunityContactRole', 'OpportunityId'],
    ['OpportunityHistories', 'OpportunityHistory', 'OpportunityId'],
    ['Histories', 'OpportunityFieldHistory', 'OpportunityId'],
    ['Tasks', 'Task', 'WhatId'],
    ['Events', 'Event', 'WhatId'],
    ['Emails', 'EmailMessage', 'RelatedToId'],
  ],
  Account: [
    ['Contacts', 'Contact', 'AccountId'],
    ['Opportunities', 'Opportunity', 'AccountId'],
    ['Tasks', 'Task', 'WhatId'],
    ['Events', 'Event', 'WhatId'],
  ],
  Contact: [
    ['OpportunityContactRoles', 'OpportunityContactRole', 'ContactId'],
    ['Tasks', 'Task', 'WhoId'],
    ['Events', 'Event', 'WhoId'],
  ],
  Event: [['EventRelations', 'EventRelation', 'EventId']],
  PermissionSet: [
    ['FieldPerms', 'FieldPermissions', 'ParentId'],
    ['Assignments', 'PermissionSetAssignment', 'PermissionSetId'],
  ],
};

export function childRelationships(schema: SalesforceSchema, parent: SfObject): ChildRelationship[] {
  return (CHILD_RELATIONSHIPS[parent.name] ?? [])
    .filter(([, child]) => schema.get(child) !== undefined)
    .map(([name, childObject, field]) => ({ name, childObject, field }));
}

/** A set of sObject definitions (the data API's or the Tooling API's). */
export class SalesforceSchema {
  readonly objects = new Map<string, SfObject>();

  constructor(objects: SfObject[]) {
    for (const o of objects) this.objects.set(o.name.toLowerCase(), o);
  }

  static standard(): SalesforceSchema {
    return new SalesforceSchema(standardObjects());
  }

  static tooling(): SalesforceSchema {
    return new SalesforceSchema(toolingObjects());
  }

  get(name: string): SfObject | undefined {
    return this.objects.get(name.toLowerCase());
  }

  byKeyPrefix(prefix: string): SfObject | undefined {
    for (const o of this.objects.values()) if (o.keyPrefix === prefix) return o;
    return undefined;
  }

  addField(objectName: string, field: SfField): void {
    const o = this.get(objectName);
    if (o === undefined) throw new Error(`unknown object ${objectName}`);
    o.fields.set(field.name.toLowerCase(), field);
  }
}
