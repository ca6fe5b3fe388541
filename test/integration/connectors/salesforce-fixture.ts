import { Writable } from 'node:stream';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import {
  type SalesforceSandboxHandle,
  type SalesforceSandboxOptions,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { SandboxWorld } from '../../../src/sandbox/world.ts';
import { createLogger, type Logger } from '../../../src/shared/logger.ts';
import type { CrmConnector, SyncPage } from '../../../connectors/crm-connector.ts';
import {
  createSalesforceConnector,
  type SalesforceConnectorOptions,
} from '../../../connectors/salesforce/salesforce.connector.ts';

/** A fixed "today" for the generated world, so runs are reproducible. */
export const WORLD_NOW = '2026-11-20T00:00:00.000Z';

export function quietLogger(): Logger {
  return createLogger({
    level: 'warn',
    destination: new Writable({ write: (_chunk, _enc, done) => done() }),
  });
}

export function makeWorld(deals: number, seed = 7, messyShare?: number): SandboxWorld {
  return generateWorld({ seed, deals, now: WORLD_NOW, ...(messyShare === undefined ? {} : { messyShare }) });
}

export async function startSandbox(
  world: SandboxWorld,
  options: Partial<SalesforceSandboxOptions> = {},
): Promise<SalesforceSandboxHandle> {
  return startSalesforceSandbox({ world, ...options });
}

/** A connector on the sandbox through the refresh-token grant (the production path). */
export function connectorFor(
  sandbox: SalesforceSandboxHandle,
  overrides: Partial<SalesforceConnectorOptions> = {},
): CrmConnector {
  return createSalesforceConnector({
    connection: {
      crm: 'salesforce',
      auth: {
        type: 'refresh_token',
        clientId: sandbox.oauth.clientId,
        clientSecret: sandbox.oauth.clientSecret,
        refreshToken: sandbox.oauth.refreshToken,
      },
      loginUrl: sandbox.baseUrl,
      developmentTarget: true,
      apiVersion: '62.0',
    },
    logger: quietLogger(),
    clock: () => new Date(WORLD_NOW),
    eventOutcomeField: 'Meeting_Outcome__c',
    backoffBaseMs: 1,
    backoffMaxMs: 5,
    requestTimeoutMs: 30_000,
    ...overrides,
  });
}

/** Every page of a pull, bounded so a cursor bug cannot loop forever. */
export async function pullAll(
  connector: CrmConnector,
  cursor: string | null,
  maxPages = 1_000,
): Promise<{ pages: SyncPage[]; cursor: string }> {
  const pages: SyncPage[] = [];
  let last = cursor ?? '';
  for await (const page of connector.pull(cursor)) {
    pages.push(page);
    last = page.cursor;
    if (pages.length > maxPages) throw new Error('pull did not finish within the page bound');
  }
  return { pages, cursor: last };
}

export function merged(pages: SyncPage[]) {
  return {
    deals: pages.flatMap((p) => p.deals),
    activities: pages.flatMap((p) => p.activities),
    contacts: pages.flatMap((p) => p.contacts),
    accounts: pages.flatMap((p) => p.accounts),
    deletedDealIds: pages.flatMap((p) => p.deletedDealIds),
    quarantined: pages.flatMap((p) => p.quarantined),
  };
}
