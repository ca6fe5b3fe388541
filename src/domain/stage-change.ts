import { z } from 'zod';
import { CrmIdSchema, IsoDateTimeSchema } from './crm.ts';

/** The deal entered `stageId` at `enteredAt` (from HubSpot property history / hs_date_entered_*, or OpportunityHistory). */
export const StageChangeSchema = z.object({
  stageId: CrmIdSchema,
  enteredAt: IsoDateTimeSchema,
});
export type StageChange = z.infer<typeof StageChangeSchema>;

/** A change of a tracked deal field (close date or amount), oldest first in a deal's history. */
export const FieldChangeSchema = z.object({
  at: IsoDateTimeSchema,
  from: z.string().nullable(),
  to: z.string().nullable(),
});
export type FieldChange = z.infer<typeof FieldChangeSchema>;
