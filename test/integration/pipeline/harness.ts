import { randomUUID } from 'node:crypto';
import type { CrmConnector } from '../../../connectors/crm-connector.ts';
import { createHubSpotConnector } from '../../../connectors/hubspot/hubspot.connector.ts';
import { Runtime, type RuntimeOptions } from '../../../src/cli/runtime.ts';
import { parseTenants } from '../../../src/config/tenants-file.ts';
import type { Tenant } from '../../../src/domain/index.ts';
import { createLogger } from '../../../src/shared/logger.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';

export const testLogger = () =>
  createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent', destination: process.stderr as never });

export function hubspotTenant(
  id: string,
  sandbox: { baseUrl: string; accessToken: string },
  extra: Record<string, unknown> = {},
): Tenant {
  const [tenant] = parseTenants({
    tenants: [
      {
        id,
        name: id,
        connection: {
          crm: 'hubspot',
          basePath: sandbox.baseUrl,
          developmentTarget: true,
          auth: { type: 'private_app', accessToken: sandbox.accessToken },
        },
        ...extra,
      },
    ],
  });
  return tenant!;
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
