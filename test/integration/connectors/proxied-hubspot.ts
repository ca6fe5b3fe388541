import { afterAll, beforeAll } from 'vitest';
import {
  createHubSpotConnector,
  type HubSpotConnectorOptions,
} from '../../../connectors/hubspot/hubspot.connector.ts';
import type { CrmConnector } from '../../../connectors/crm-connector.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.ts';
import { testLogger } from '../pipeline/harness.ts';

/** A HubSpot sandbox behind a fault proxy for one suite, and connectors that reach it through the proxy. */
export interface ProxiedHubSpot {
  readonly sandbox: HubSpotSandboxHandle;
  readonly proxy: FaultProxy;
  /** A private-app connector through the proxy; `options` adds to (or overrides) the defaults. */
  connector(options?: Partial<Omit<HubSpotConnectorOptions, 'connection'>>): CrmConnector;
}

/** Starts the sandbox and proxy before the suite's tests and closes both after them. */
export function proxiedHubSpotSuite(world: { seed: number; deals: number }): ProxiedHubSpot {
  let sandbox: HubSpotSandboxHandle | undefined;
  let proxy: FaultProxy | undefined;
  beforeAll(async () => {
    sandbox = await startHubSpotSandbox(world);
    proxy = await startFaultProxy(sandbox.baseUrl);
  });
  afterAll(async () => {
    await proxy?.close();
    await sandbox?.close();
  });
  return {
    get sandbox() {
      return sandbox!;
    },
    get proxy() {
      return proxy!;
    },
    connector(options = {}) {
      return createHubSpotConnector({
        connection: {
          crm: 'hubspot',
          basePath: proxy!.url,
          auth: { type: 'private_app', accessToken: sandbox!.accessToken },
        },
        logger: testLogger(),
        ...options,
      });
    },
  };
}
