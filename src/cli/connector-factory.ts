import { createHubSpotConnector } from '../../connectors/hubspot/hubspot.connector.ts';
import { createSalesforceConnector } from '../../connectors/salesforce/salesforce.connector.ts';
import type { CrmConnector } from '../../connectors/crm-connector.ts';
import type { Tenant } from '../domain/tenant.ts';
import type { Logger } from '../shared/logger.ts';

/**
 * One connector per tenant per process, so a tenant's OAuth token, rate limiter and call counts are
 * shared by every job of that tenant in this process (and never by another tenant).
 */
export function connectorCache(logger: Logger): (tenant: Tenant) => CrmConnector {
  const cache = new Map<string, { fingerprint: string; connector: CrmConnector }>();
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
          })
        : createSalesforceConnector({
            connection: {
              ...tenant.connection,
              extraFields: [...new Set([...tenant.connection.extraFields, ...qualification])],
            },
            logger: child,
            ...fallback,
          });
    cache.set(tenant.id, { fingerprint, connector });
    return connector;
  };
}
