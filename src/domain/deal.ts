import { z } from 'zod';
import { CrmIdSchema, IsoDateSchema, IsoDateTimeSchema } from './crm.ts';
import { DealContactSchema } from './contact.ts';
import { FieldChangeSchema, StageChangeSchema } from './stage-change.ts';

/** A qualification or custom field value as the CRM returns it (picklists and text are strings). */
export const FieldValueSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);
export type FieldValue = z.infer<typeof FieldValueSchema>;

/**
 * A deal (HubSpot) or opportunity (Salesforce), normalised. Connectors produce it; the scoring
 * engine reads it. Missing CRM values stay null: the engine lowers confidence instead of guessing.
 */
export const DealSchema = z.object({
  id: CrmIdSchema,
  name: z.string(),
  pipelineId: CrmIdSchema,
  stageId: CrmIdSchema,
  isClosed: z.boolean(),
  isWon: z.boolean(),
  amount: z.number().nullable(),
  currency: z.string().nullable(),
  /** Expected close date; null when the CRM has none. */
  closeDate: IsoDateSchema.nullable(),
  createdAt: IsoDateTimeSchema,
  updatedAt: IsoDateTimeSchema,
  /** When the deal was closed (won or lost); null while open. */
  closedAt: IsoDateTimeSchema.nullable(),
  ownerId: CrmIdSchema.nullable(),
  accountId: CrmIdSchema.nullable(),
  nextStep: z.string().nullable(),
  nextStepUpdatedAt: IsoDateTimeSchema.nullable(),
  contacts: z.array(DealContactSchema),
  /** Stage entries, oldest first; the last one is the current stage. */
  stageHistory: z.array(StageChangeSchema),
  closeDateChanges: z.array(FieldChangeSchema),
  amountChanges: z.array(FieldChangeSchema),
  /** Qualification and custom fields the tenant maps to indicators, by CRM field name. */
  fields: z.record(z.string(), FieldValueSchema),
});
export type Deal = z.infer<typeof DealSchema>;
