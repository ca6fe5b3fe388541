import { z } from 'zod';

/**
 * zod schemas for the raw Salesforce records the connector reads (STYLE.md #1), with the SOQL
 * field lists that go with them, so a query never selects a field its schema does not check.
 * Salesforce renders datetimes as `2024-01-31T10:00:00.000+0000`; they are normalised to UTC ISO.
 */

const sfId = z
  .string()
  .regex(/^[A-Za-z0-9]{15}(?:[A-Za-z0-9]{3})?$/, 'must be a 15/18-character Salesforce id');
const sfDateTime = z
  .string()
  .refine((v) => !Number.isNaN(Date.parse(v)), 'must be a datetime')
  .transform((v) => new Date(v).toISOString());
const sfDate = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a YYYY-MM-DD date');
const text = z
  .string()
  .nullable()
  .optional()
  .transform((v) => v ?? null);
const optionalId = sfId
  .nullable()
  .optional()
  .transform((v) => v ?? null);
const number = z
  .number()
  .nullable()
  .optional()
  .transform((v) => v ?? null);

export const OPPORTUNITY_FIELDS = [
  'Id',
  'Name',
  'StageName',
  'Amount',
  'CloseDate',
  'IsClosed',
  'IsWon',
  'NextStep',
  'OwnerId',
  'AccountId',
  'CreatedDate',
  'LastModifiedDate',
  'SystemModstamp',
] as const;
export const RawOpportunitySchema = z.object({
  Id: sfId,
  Name: z.string().min(1, 'must not be empty'),
  StageName: z.string().min(1, 'must not be empty'),
  Amount: number,
  CloseDate: sfDate.nullable(),
  IsClosed: z.boolean(),
  IsWon: z.boolean(),
  NextStep: text,
  OwnerId: optionalId,
  AccountId: optionalId,
  CreatedDate: sfDateTime,
  LastModifiedDate: sfDateTime,
  SystemModstamp: sfDateTime,
});
type RawOpportunity = z.infer<typeof RawOpportunitySchema>;

export const HISTORY_FIELDS = [
  'Id',
  'OpportunityId',
  'StageName',
  'Amount',
  'CloseDate',
  'CreatedDate',
] as const;
export const RawHistorySchema = z.object({
  Id: sfId,
  OpportunityId: sfId,
  StageName: text,
  Amount: number,
  CloseDate: sfDate
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  CreatedDate: sfDateTime,
});
export type RawHistory = z.infer<typeof RawHistorySchema>;

/** Field history rows the connector reads (others are not selected). */
export const TRACKED_FIELDS = ['StageName', 'CloseDate', 'Amount', 'NextStep'] as const;
export const FIELD_HISTORY_FIELDS = [
  'Id',
  'OpportunityId',
  'Field',
  'OldValue',
  'NewValue',
  'CreatedDate',
] as const;
const historyValue = z
  .union([z.string(), z.number(), z.boolean(), z.null()])
  .optional()
  .transform((v) => (v === undefined || v === null ? null : String(v)));
export const RawFieldHistorySchema = z.object({
  Id: sfId,
  OpportunityId: sfId,
  Field: z.string(),
  OldValue: historyValue,
  NewValue: historyValue,
  CreatedDate: sfDateTime,
});
export type RawFieldHistory = z.infer<typeof RawFieldHistorySchema>;

export const CONTACT_ROLE_FIELDS = ['Id', 'OpportunityId', 'ContactId', 'Role', 'IsPrimary'] as const;
export const RawContactRoleSchema = z.object({
  Id: sfId,
  OpportunityId: sfId,
  ContactId: sfId,
  Role: text,
  IsPrimary: z
    .boolean()
    .nullable()
    .optional()
    .transform((v) => v === true),
});
export type RawContactRole = z.infer<typeof RawContactRoleSchema>;

export const TASK_FIELDS = [
  'Id',
  'WhatId',
  'WhoId',
  'Subject',
  'ActivityDate',
  'Status',
  'IsClosed',
  'TaskSubtype',
  'Type',
  'CallType',
  'CallDurationInSeconds',
  'CallDisposition',
  'Description',
  'OwnerId',
  'CreatedDate',
  'SystemModstamp',
] as const;
export const RawTaskSchema = z.object({
  Id: sfId,
  WhatId: optionalId,
  WhoId: optionalId,
  Subject: text,
  ActivityDate: sfDate
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  Status: text,
  IsClosed: z
    .boolean()
    .nullable()
    .optional()
    .transform((v) => v === true),
  TaskSubtype: text,
  Type: text,
  CallType: text,
  CallDurationInSeconds: z
    .number()
    .nonnegative()
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  CallDisposition: text,
  Description: text,
  OwnerId: optionalId,
  CreatedDate: sfDateTime,
  SystemModstamp: sfDateTime,
  PH_Alert_Key__c: text,
});
export type RawTask = z.infer<typeof RawTaskSchema>;

export const EVENT_FIELDS = [
  'Id',
  'WhatId',
  'WhoId',
  'Subject',
  'StartDateTime',
  'EndDateTime',
  'DurationInMinutes',
  'Description',
  'OwnerId',
  'CreatedDate',
  'SystemModstamp',
] as const;
export const RawEventSchema = z.object({
  Id: sfId,
  WhatId: optionalId,
  WhoId: optionalId,
  Subject: text,
  StartDateTime: sfDateTime,
  EndDateTime: sfDateTime
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  DurationInMinutes: z
    .number()
    .nonnegative()
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  Description: text,
  OwnerId: optionalId,
  CreatedDate: sfDateTime,
  SystemModstamp: sfDateTime,
});
export type RawEvent = z.infer<typeof RawEventSchema>;

export const EVENT_RELATION_FIELDS = ['Id', 'EventId', 'RelationId'] as const;
export const RawEventRelationSchema = z.object({ Id: sfId, EventId: sfId, RelationId: sfId });
type RawEventRelation = z.infer<typeof RawEventRelationSchema>;

export const EMAIL_FIELDS = [
  'Id',
  'RelatedToId',
  'ActivityId',
  'Incoming',
  'MessageDate',
  'Subject',
  'TextBody',
  'CreatedDate',
  'SystemModstamp',
] as const;
export const RawEmailSchema = z.object({
  Id: sfId,
  RelatedToId: optionalId,
  ActivityId: optionalId,
  Incoming: z
    .boolean()
    .nullable()
    .optional()
    .transform((v) => v === true),
  MessageDate: sfDateTime
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  Subject: text,
  TextBody: text,
  CreatedDate: sfDateTime,
  SystemModstamp: sfDateTime,
});
export type RawEmail = z.infer<typeof RawEmailSchema>;

export const ACCOUNT_FIELDS = ['Id', 'Name', 'Industry', 'NumberOfEmployees', 'AnnualRevenue'] as const;
export const RawAccountSchema = z.object({
  Id: sfId,
  Name: z.string(),
  Industry: text,
  NumberOfEmployees: z
    .number()
    .int()
    .nonnegative()
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  AnnualRevenue: z
    .number()
    .nonnegative()
    .nullable()
    .optional()
    .transform((v) => v ?? null),
});

export const CONTACT_FIELDS = ['Id', 'Name', 'Email', 'Title', 'AccountId'] as const;
export const RawContactSchema = z.object({
  Id: sfId,
  Name: text,
  Email: text,
  Title: text,
  AccountId: optionalId,
});

export const USER_FIELDS = ['Id', 'Name', 'Email', 'Department', 'IsActive', 'ManagerId'] as const;
export const RawUserSchema = z.object({
  Id: sfId,
  Name: z.string(),
  Email: text,
  Department: text,
  /** Users who left stay in the org inactive, still owning records (nothing new can be assigned to them). */
  IsActive: z.boolean().nullish(),
  ManagerId: sfId.nullish(),
});

export const STAGE_FIELDS = [
  'ApiName',
  'MasterLabel',
  'IsActive',
  'IsClosed',
  'IsWon',
  'DefaultProbability',
  'SortOrder',
] as const;
export const RawStageSchema = z.object({
  ApiName: z.string().min(1),
  MasterLabel: z.string().min(1),
  IsActive: z.boolean().nullable().optional(),
  IsClosed: z.boolean(),
  IsWon: z.boolean(),
  DefaultProbability: z
    .number()
    .min(0)
    .max(100)
    .nullable()
    .optional()
    .transform((v) => v ?? null),
  SortOrder: z
    .number()
    .nullable()
    .optional()
    .transform((v) => v ?? null),
});

export const QUOTA_FIELDS = ['Id', 'QuotaOwnerId', 'QuotaAmount', 'StartDate'] as const;
export const RawQuotaSchema = z.object({
  Id: sfId,
  QuotaOwnerId: optionalId,
  QuotaAmount: z.number().nonnegative(),
  StartDate: sfDate,
});

/** "Name: message; Other: message" from a zod error, for quarantine reasons. */
export function describeIssues(error: z.ZodError): string {
  return error.issues.map((i) => `${i.path.join('.') || '(record)'}: ${i.message}`).join('; ');
}

/**
 * Bulk API results are CSV: every value is text. These are the selected fields whose text is a
 * number or a boolean (everything else stays text, an empty field is null), so CSV rows become
 * the same raw records the REST API returns. Custom fields (`extraFields`) take their type from
 * the object's describe.
 */
export const NUMBER_FIELDS: ReadonlySet<string> = new Set([
  'Amount',
  'CallDurationInSeconds',
  'DurationInMinutes',
  'NumberOfEmployees',
  'AnnualRevenue',
]);
export const BOOLEAN_FIELDS: ReadonlySet<string> = new Set([
  'IsClosed',
  'IsWon',
  'IsPrimary',
  'Incoming',
  'IsDeleted',
]);
