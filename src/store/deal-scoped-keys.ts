import { ALERT_KINDS, alertKey } from '../domain/index.ts';
import type { TenantKeys } from './tenant-keys.ts';

/** The hashes keyed by deal id: a deal that leaves the tenant leaves every one of them. */
export function dealScopedKeys(k: TenantKeys): string[] {
  return [k.deals, k.activities, k.results, k.history, k.written, k.writeIntents];
}

/**
 * The fields a deal can hold in the open-alerts hash (one alert key per kind): a deal that leaves
 * the tenant closes them, or they would stay reserved (a pending one forever) and leak.
 */
export function dealAlertFields(tenantId: string, dealId: string): string[] {
  return ALERT_KINDS.map((kind) => alertKey({ tenantId, dealId, kind }));
}
