import type { FieldAccess } from './field-access.ts';
import {
  childRelationships,
  type SalesforceSchema,
  type SfField,
  type SfObject,
} from './salesforce-schema.ts';

const SOAP_TYPES: Record<SfField['type'], string> = {
  id: 'tns:ID',
  reference: 'tns:ID',
  string: 'xsd:string',
  textarea: 'xsd:string',
  picklist: 'xsd:string',
  email: 'xsd:string',
  url: 'xsd:string',
  boolean: 'xsd:boolean',
  currency: 'xsd:double',
  double: 'xsd:double',
  percent: 'xsd:double',
  int: 'xsd:int',
  date: 'xsd:date',
  datetime: 'xsd:dateTime',
  anyType: 'xsd:anyType',
};

function describeField(object: SfObject, field: SfField, access: FieldAccess): Record<string, unknown> {
  const editable = access.level(object, field) === 'edit';
  return {
    name: field.name,
    label: field.label,
    type: field.type,
    soapType: SOAP_TYPES[field.type],
    custom: field.custom,
    createable: field.createable && editable,
    updateable: field.updateable && editable,
    nillable: field.nillable,
    calculated: false,
    defaultedOnCreate: field.type === 'boolean' || field.name === 'OwnerId',
    filterable: field.type !== 'textarea',
    sortable: field.type !== 'textarea',
    groupable: field.type !== 'textarea' && field.type !== 'datetime',
    unique: false,
    externalId: false,
    idLookup: field.type === 'id',
    nameField: field.name === 'Name',
    length: field.length,
    precision: field.precision,
    scale: field.scale,
    digits: field.type === 'int' ? 9 : 0,
    referenceTo: field.referenceTo,
    relationshipName: field.relationshipName,
    polymorphicForeignKey: field.referenceTo.length > 1,
    picklistValues: field.picklistValues.map((v) => ({
      active: true,
      defaultValue: false,
      label: v,
      validFor: null,
      value: v,
    })),
    restrictedPicklist: field.restrictedPicklist,
  };
}

function urls(urlBase: string, object: SfObject): Record<string, string> {
  const base = `${urlBase}/sobjects/${object.name}`;
  return { sobject: base, describe: `${base}/describe`, rowTemplate: `${base}/{ID}` };
}

function summary(urlBase: string, object: SfObject): Record<string, unknown> {
  return {
    name: object.name,
    label: object.label,
    labelPlural: object.labelPlural,
    keyPrefix: object.keyPrefix,
    custom: false,
    createable: object.createable,
    updateable: object.updateable,
    deletable: object.createable,
    queryable: true,
    retrieveable: true,
    searchable: true,
    layoutable: true,
    urls: urls(urlBase, object),
  };
}

/** `GET /sobjects/{Type}/describe`: fields the API user cannot see are left out (field-level security). */
export function describeObject(
  urlBase: string,
  schema: SalesforceSchema,
  object: SfObject,
  access: FieldAccess,
): Record<string, unknown> {
  const fields = [...object.fields.values()]
    .filter((f) => access.canRead(object, f))
    .map((f) => describeField(object, f, access));
  const children = childRelationships(schema, object).map((c) => ({
    relationshipName: c.name,
    childSObject: c.childObject,
    field: c.field,
    cascadeDelete: false,
  }));
  return { ...summary(urlBase, object), fields, childRelationships: children, recordTypeInfos: [] };
}

/** `GET /sobjects`: the global describe. */
export function describeGlobal(urlBase: string, schema: SalesforceSchema): Record<string, unknown> {
  return {
    encoding: 'UTF-8',
    maxBatchSize: 200,
    sobjects: [...schema.objects.values()].map((o) => summary(urlBase, o)),
  };
}
