import { z } from 'zod';
import { CrmIdSchema, IsoDateTimeSchema } from './crm.ts';

/** The transitions and warnings that raise an alert (INDICATORS.md, "Alerts"). */
const AlertKindSchema = z.enum([
  'band_worsened',
  'buyer_silent',
  'late_stage_no_meeting',
  'single_threaded_late',
  'close_date_passed',
  'stalled_in_stage',
]);
export type AlertKind = z.infer<typeof AlertKindSchema>;
/** Every alert kind: a deal has at most one open alert of each. */
export const ALERT_KINDS: readonly AlertKind[] = AlertKindSchema.options;

/** An alert for a deal owner; becomes a CRM task. One open alert per deal and kind. */
const AlertSchema = z.object({
  tenantId: z.string().min(1),
  dealId: CrmIdSchema,
  kind: AlertKindSchema,
  ownerId: CrmIdSchema.nullable(),
  reason: z.string().min(1),
  suggestedAction: z.string().min(1),
  raisedAt: IsoDateTimeSchema,
});
export type Alert = z.infer<typeof AlertSchema>;

/** The deduplication key of an alert: one open alert per tenant, deal and kind. */
export function alertKey(alert: Pick<Alert, 'tenantId' | 'dealId' | 'kind'>): string {
  return `${alert.tenantId}:${alert.dealId}:${alert.kind}`;
}

/**
 * The key of one episode of an alert: from the moment its condition is first seen until it clears.
 * A condition that returns later is a new episode with a new key, so its task is a new task (the
 * rep's completed one of the earlier episode is history). `since` is the run time the episode began.
 */
export function alertEpisodeKey(key: string, since: string): string {
  const stamp = new Date(since)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${key}@${stamp}`;
}
