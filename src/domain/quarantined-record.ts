import { z } from 'zod';
import { IsoDateTimeSchema } from './crm.ts';

/** A CRM record that failed validation: kept with its reason, counted, never silently dropped. */
const QuarantinedRecordSchema = z.object({
  objectType: z.string(),
  recordId: z.string().nullable(),
  reason: z.string(),
  raw: z.unknown(),
  at: IsoDateTimeSchema,
});
export type QuarantinedRecord = z.infer<typeof QuarantinedRecordSchema>;
