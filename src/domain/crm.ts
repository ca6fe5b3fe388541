import { z } from 'zod';

/** The CRMs pipeline-health speaks to. */
export const CrmKindSchema = z.enum(['hubspot', 'salesforce']);
export type CrmKind = z.infer<typeof CrmKindSchema>;

/** An ISO-8601 timestamp with an offset (UTC `Z` or `+hh:mm`), as every CRM returns. */
export const IsoDateTimeSchema = z.iso.datetime({ offset: true });
/** A calendar date `YYYY-MM-DD` (Salesforce CloseDate, HubSpot closedate when set as a date). */
export const IsoDateSchema = z.iso.date();
/** A CRM record id: HubSpot numeric strings, Salesforce 15/18-character ids. */
export const CrmIdSchema = z.string().min(1).max(64);
