import { z } from 'zod';
import { strictObject, ScheduleSchema, TenantSchema } from '../domain/index.ts';

/** POST /tenants: a whole tenant, as in the tenants file. */
export const CreateTenantBodySchema = TenantSchema;

/**
 * PATCH /tenants/:id: top-level fields to replace. `connection` without `auth` keeps the stored
 * credentials (same CRM), so a base URL can change without resending secrets. The merged tenant
 * is validated again in full.
 */
export const PatchTenantBodySchema = strictObject({
  name: z.string().min(1),
  connection: z.record(z.string(), z.unknown()),
  timezone: z.string(),
  schedule: z.record(z.string(), z.unknown()),
  scoring: z.record(z.string(), z.unknown()),
  alerts: z.record(z.string(), z.unknown()),
  targets: z.array(z.unknown()),
}).partial();

/** PUT /tenants/:id/schedule: every field required (a replacement, not a merge). */
export const ScheduleBodySchema = strictObject({
  nightly: ScheduleSchema.shape.nightly,
  timezone: TenantSchema.shape.timezone,
  incrementalEveryMinutes: ScheduleSchema.shape.incrementalEveryMinutes,
}).required();

/** POST /tenants/:id/runs (the body is optional). */
export const RunBodySchema = strictObject({ fullResync: z.boolean().default(false) });

/** Tenant ids in paths follow the same rule as in bodies (lowercase, digits, dashes). */
export const TenantParamsSchema = z.object({ tenantId: TenantSchema.shape.id });
/** Filters of the open-deals table, API and CSV: an owner id ('' for no owner) and a band. */
export const OpenDealsQuerySchema = z.object({
  owner: z.string().max(200).optional(),
  band: z.enum(['healthy', 'watch', 'at_risk']).optional(),
});
export const DealParamsSchema = TenantParamsSchema.extend({ dealId: z.string().min(1).max(200) });
export const RunParamsSchema = TenantParamsSchema.extend({ runId: z.string().min(1).max(200) });
export const DeleteQuerySchema = z.object({ purge: z.enum(['true', 'false']).default('false') });
export const StatusQuerySchema = z.object({ limit: z.coerce.number().int().min(1).max(50).default(10) });
