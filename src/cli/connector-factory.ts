import { createHubSpotConnector } from '../../connectors/hubspot/hubspot.connector.ts';
import { createSalesforceConnector } from '../../connectors/salesforce/salesforce.connector.ts';
import type { CrmConnector } from '../../connectors/crm-connector.ts';
import type { Env } from '../config/env.ts';
import type { Tenant } from '../domain/index.ts';
import type { Logger } from '../shared/logger.ts';
import type { SharedRateBudget } from '../shared/shared-rate-budget.ts';

/** Process-wide connector settings from the environment (the same for every tenant). */
export interface ConnectorSettings {
  /** This process's clock in epoch ms (PH_CLOCK_OFFSET_MS shifts it). */
  clock?: () => number;
  /** Deadline of every CRM request in ms (CRM_REQUEST_TIMEOUT_MS). */
  requestTimeoutMs?: number;
  /** The rate budgets of CRM accounts, shared by every process on this Redis (HubSpot portals). */
  sharedBudget?: SharedRateBudget;
}

/** The process clock: the system clock shifted by PH_CLOCK_OFFSET_MS (0: the system clock itself). */
export function processClock(env: Pick<Env, 'PH_CLOCK_OFFSET_MS'>): () => number {
  const offset = env.PH_CLOCK_OFFSET_MS;
  return offset === 0 ? Date.now : () => Date.now() + offset;
}

/** Connector settings of this process, from the environment. */
export function connectorSettings(
  env: Pick<Env, 'PH_CLOCK_OFFSET_MS' | 'CRM_REQUEST_TIMEOUT_MS'>,
): ConnectorSettings {
  return { clock: processClock(env), requestTimeoutMs: env.CRM_REQUEST_TIMEOUT_MS };
}

/**
 * One connector per tenant per process, so a tenant's OAuth token, rate limiter and call counts are
 * shared by every job of that tenant in this process (and never by another tenant).
 */
export function connectorCache(
  logger: Logger,
  settings: ConnectorSettings = {},
): (tenant: Tenant) => CrmConnector {
  const cache = new Map<string, { fingerprint: string; connector: CrmConnector }>();
  const clock = settings.clock;
  const timeout =
    settings.requestTimeoutMs === undefined ? {} : { requestTimeoutMs: settings.requestTimeoutMs };
  return (tenant) => {
    // A changed connection (new credentials, other host) gets a fresh connector.
    const fingerprint = JSON.stringify([tenant.connection, tenant.alerts.fallbackOwnerId ?? null]);
    const fallback =
      tenant.alerts.fallbackOwnerId === undefined ? {} : { fallbackOwnerId: tenant.alerts.fallbackOwnerId };
    const hit = cache.get(tenant.id);
    if (hit && hit.fingerprint === fingerprint) return hit.connector;
    const child = logger.child({ tenantId: tenant.id, crm: tenant.connection.crm });
    // The tenant's qualification fields are pulled with the deals (HubSpot properties, Salesforce fields).
    const qualification = tenant.scoring.qualificationFields.map((f) => f.field);
    const connector =
      tenant.connection.crm === 'hubspot'
        ? createHubSpotConnector({
            connection: {
              ...tenant.connection,
              extraProperties: [...new Set([...tenant.connection.extraProperties, ...qualification])],
            },
            logger: child,
            ...fallback,
            ...timeout,
            ...(clock === undefined ? {} : { clock }),
            ...(settings.sharedBudget === undefined ? {} : { sharedBudget: settings.sharedBudget }),
          })
        : createSalesforceConnector({
            connection: {
              ...tenant.connection,
              extraFields: [...new Set([...tenant.connection.extraFields, ...qualification])],
            },
            logger: child,
            ...fallback,
            ...timeout,
            ...(clock === undefined ? {} : { clock: () => new Date(clock()) }),
          });
    cache.set(tenant.id, { fingerprint, connector });
    return connector;
  };
}
