import type { Tenant } from '../domain/index.ts';
import type { TenantSource } from './tenant-catalog.ts';

/** A tenant as the API shows it: the auth type and which credential fields are set, never their values. */
export interface TenantView {
  id: string;
  name: string;
  source: TenantSource;
  readOnly: boolean;
  timezone: string;
  schedule: Tenant['schedule'];
  connection: Record<string, unknown> & { crm: string; auth: { type: string; fieldsSet: string[] } };
  scoring: Tenant['scoring'];
  alerts: { enabled: boolean; dailyCapPerOwner: number; webhookUrlSet: boolean };
  targets: Tenant['targets'];
}

export function toTenantView(tenant: Tenant, source: TenantSource): TenantView {
  const { auth, ...connection } = tenant.connection;
  const fieldsSet = Object.entries(auth)
    .filter(([key, value]) => key !== 'type' && typeof value === 'string' && value !== '')
    .map(([key]) => key)
    .sort();
  return {
    id: tenant.id,
    name: tenant.name,
    source,
    readOnly: source === 'file',
    timezone: tenant.timezone,
    schedule: tenant.schedule,
    connection: { ...connection, auth: { type: auth.type, fieldsSet } },
    scoring: tenant.scoring,
    // A webhook URL may carry a token in its path or query: say whether it is set, not what it is.
    alerts: {
      enabled: tenant.alerts.enabled,
      dailyCapPerOwner: tenant.alerts.dailyCapPerOwner,
      webhookUrlSet: tenant.alerts.webhookUrl !== undefined,
    },
    targets: tenant.targets,
  };
}
