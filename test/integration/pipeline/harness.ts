import { randomUUID } from 'node:crypto';
import type { CrmConnector } from '../../../connectors/crm-connector.ts';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import { createSalesforceConnector } from '../../../connectors/salesforce/salesforce.connector.ts';
import { Runtime, type RuntimeOptions } from '../../../src/cli/runtime.ts';
import { parseTenants } from '../../../src/config/tenants-file.ts';
import type { Tenant } from '../../../src/domain/index.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import type { SandboxHandle } from '../../../src/sandbox/sandbox-handle.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';

export const testLogger = () =>
  createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', destination: process.stderr as never });

/** Tenant options for tests that start their own cycles: no incremental schedule (only the cycles a test starts run). */
export const NO_SCHEDULE = { schedule: { nightly: '0 2 * * *', incrementalEveryMinutes: 0 } };

/** One tenant as the tenants file would give it (parsed, with its defaults). */
function tenantOf(id: string, connection: Record<string, unknown>, extra: Record<string, unknown>): Tenant {
  const [tenant] = parseTenants({ tenants: [{ id, name: id, connection, ...extra }] });
  return tenant!;
}

/** A HubSpot tenant on the sandbox (or on a proxy in front of it: pass the proxy's URL as `baseUrl`). */
export function hubspotTenant(
  id: string,
  sandbox: { baseUrl: string; accessToken: string },
  extra: Record<string, unknown> = {},
): Tenant {
  return tenantOf(
    id,
    {
      crm: 'hubspot',
      basePath: sandbox.baseUrl,
      developmentTarget: true,
      auth: { type: 'private_app', accessToken: sandbox.accessToken },
    },
    extra,
  );
}

/** A Salesforce tenant on the sandbox (or on a proxy in front of it: pass the proxy's URL as `baseUrl`). */
export function salesforceTenant(
  id: string,
  sandbox: { baseUrl: string; oauth: SandboxHandle['oauth'] },
  extra: Record<string, unknown> = {},
): Tenant {
  return tenantOf(
    id,
    {
      crm: 'salesforce',
      loginUrl: sandbox.baseUrl,
      developmentTarget: true,
      auth: { type: 'refresh_token', ...sandbox.oauth },
    },
    extra,
  );
}

/**
 * A Salesforce connector that assigns its permission set to the API user itself, as an admin
 * would (the sandbox org has no admin to do it).
 */
export function salesforceAdminConnector(tenant: Tenant): CrmConnector {
  if (tenant.connection.crm !== 'salesforce') throw new Error('salesforce tenants only');
  return createSalesforceConnector({
    connection: tenant.connection,
    logger: testLogger(),
    assignPermissionSet: true,
  });
}

/** The admin's one-time setup of a Salesforce org: fields, permission set, assigned to the API user. */
export async function prepareSalesforce(sandbox: {
  baseUrl: string;
  oauth: SandboxHandle['oauth'];
}): Promise<void> {
  await salesforceAdminConnector(salesforceTenant('setup', sandbox)).bootstrapSchema();
}

/** HubSpot connectors without the incremental lookback, so a test's quick successive runs see only new changes. */
export function hubspotConnectors(options: { lookbackMs?: number } = {}): (tenant: Tenant) => CrmConnector {
  const cache = new Map<string, CrmConnector>();
  return (tenant) => {
    let c = cache.get(tenant.id);
    if (!c) {
      if (tenant.connection.crm !== 'hubspot') throw new Error('hubspot tenants only');
      c = createHubSpotConnector({
        connection: tenant.connection,
        logger: testLogger(),
        lookbackMs: options.lookbackMs ?? 0,
      });
      cache.set(tenant.id, c);
    }
    return c;
  };
}

export function newRuntime(
  redis: RedisEndpoint,
  tenants: Tenant[],
  extra: Partial<RuntimeOptions> = {},
): Runtime {
  return new Runtime({
    redis,
    prefix: `t${randomUUID().slice(0, 8)}`,
    logger: testLogger(),
    tenants,
    concurrency: 2,
    ...extra,
  });
}
