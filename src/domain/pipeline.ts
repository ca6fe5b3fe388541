import { z } from 'zod';
import { CrmIdSchema } from './crm.ts';

/** One stage of a sales pipeline, with the metadata that says whether it closes the deal. */
const StageSchema = z.object({
  id: CrmIdSchema,
  label: z.string(),
  /** Position in the pipeline, 0-based; later stages have higher numbers. */
  order: z.number().int().nonnegative(),
  isClosed: z.boolean(),
  isWon: z.boolean(),
  /** The CRM's default win probability for the stage, 0..1, when it has one. */
  probability: z.number().min(0).max(1).nullable(),
});
export type Stage = z.infer<typeof StageSchema>;

export const PipelineSchema = z.object({
  id: CrmIdSchema,
  label: z.string(),
  stages: z.array(StageSchema).min(1),
});
export type Pipeline = z.infer<typeof PipelineSchema>;

/** A user who owns deals (HubSpot owner, Salesforce User). */
const OwnerSchema = z.object({
  id: CrmIdSchema,
  name: z.string(),
  email: z.string().nullable(),
  /** Team or role name used for rollups; null when the CRM has none. */
  team: z.string().nullable(),
  /** False for deactivated / archived users: nothing new can be assigned to them. Absent: active. */
  active: z.boolean().optional(),
  /** The owner's manager where the CRM records one (Salesforce User.ManagerId). */
  managerId: CrmIdSchema.nullable().optional(),
});
export type Owner = z.infer<typeof OwnerSchema>;

/** A revenue target for an owner (or the whole team when ownerId is null) over a period. */
const TargetSchema = z.object({
  ownerId: CrmIdSchema.nullable(),
  periodStart: z.iso.date(),
  periodEnd: z.iso.date(),
  amount: z.number().nonnegative(),
});
export type Target = z.infer<typeof TargetSchema>;
