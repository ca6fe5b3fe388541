import { exportPKCS8, exportSPKI, generateKeyPair } from 'jose';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { SalesforceSandboxHandle } from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import type { SandboxWorld } from '../../../src/sandbox/world.ts';
import { isAppError } from '../../../src/shared/app-error.ts';
import {
  connectorFor,
  makeWorld,
  merged,
  pullAll,
  quietLogger,
  startSandbox,
  WORLD_NOW,
} from './salesforce-fixture.ts';
import { createSalesforceConnector } from '../../../connectors/salesforce/salesforce.connector.ts';

const TOKEN = 'POST /services/oauth2/token';

function dataCalls(sandbox: SalesforceSandboxHandle): number {
  return sandbox.inspect.calls().filter((c) => c.endpoint.includes('/services/data/')).length;
}

async function failure(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a failure');
    },
    (err: unknown) => err,
  );
}

describe('Salesforce connector: sessions, quotas and faults', () => {
  let world: SandboxWorld;
  let sandbox: SalesforceSandboxHandle;

  beforeAll(async () => {
    world = makeWorld(450, 5, 0);
    sandbox = await startSandbox(world);
  });
  afterEach(() => {
    sandbox.faults.errorRates = {};
    sandbox.faults.hangNext = 0;
    sandbox.faults.dropNext = 0;
    sandbox.faults.rateLimitBurst = 0;
    sandbox.setApiUsage(0, 110_000);
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('a session that expires mid-run is refreshed once, shared by the waiting requests, and the run completes', async () => {
    const connector = connectorFor(sandbox, { pageSize: 200 });
    sandbox.inspect.reset();
    let pages = 0;
    let deals = 0;
    for await (const page of connector.pull(null)) {
      pages += 1;
      deals += page.deals.length;
      if (pages === 1) sandbox.expireAllTokens();
      expect(pages).toBeLessThan(20);
    }
    expect(deals).toBe(world.deals.length);
    expect(sandbox.inspect.callsByEndpoint()[TOKEN]).toBe(2);

    // Several calls meeting an expired session together share one refresh.
    sandbox.expireAllTokens();
    sandbox.inspect.reset();
    const ids = world.deals.slice(0, 5).map((d) => sandbox.idOf('deal', d.n));
    await Promise.all([
      connector.fetchMetadata(),
      connector.readHealth(ids).catch(() => null),
      connector.fetchMetadata(),
    ]);
    expect(sandbox.inspect.calls().filter((c) => c.status === 401).length).toBeGreaterThan(1);
    expect(sandbox.inspect.callsByEndpoint()[TOKEN]).toBe(1);
  });

  it('a revoked refresh token is CRM_AUTH, without retrying the grant', async () => {
    const connector = connectorFor(sandbox);
    await connector.fetchMetadata();
    sandbox.revokeRefreshTokens();
    sandbox.expireAllTokens();
    sandbox.inspect.reset();
    const err = await failure(pullAll(connector, null));
    expect(isAppError(err) && err.code).toBe('CRM_AUTH');
    expect((err as Error).message).toContain('invalid_grant');
    expect(sandbox.inspect.callsByEndpoint()[TOKEN]).toBe(1);

    const fresh = connectorFor(sandbox);
    const again = await failure(fresh.bootstrapSchema());
    expect(isAppError(again) && again.code).toBe('CRM_AUTH');
    expect(fresh.usage().calls).toBe(1);
  });
});

describe('Salesforce connector: API budget and failures', () => {
  let sandbox: SalesforceSandboxHandle;

  beforeAll(async () => {
    sandbox = await startSandbox(makeWorld(120, 6, 0));
  });
  afterEach(() => {
    sandbox.faults.errorRates = {};
    sandbox.faults.hangNext = 0;
    sandbox.setApiUsage(0, 110_000);
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('stops before passing the tenant’s share of the daily allocation, saying used/max and when to resume', async () => {
    sandbox.setApiUsage(54_996, 110_000);
    const connector = connectorFor(sandbox);
    sandbox.inspect.reset();
    const err = await failure(pullAll(connector, null));
    expect(isAppError(err) && err.code).toBe('CRM_QUOTA_EXHAUSTED');
    expect((err as Error).message).toMatch(/used 5\d{4}\/110000/);
    expect(isAppError(err) && err.retryAt).toBe(Date.parse('2026-11-21T00:00:00.000Z'));
    // 50% of 110,000 is 55,000: at most the 4 calls that were left, none past it.
    expect(sandbox.apiUsage().used).toBeLessThanOrEqual(55_000);
    expect(dataCalls(sandbox)).toBeLessThanOrEqual(4);
  });

  it('REQUEST_LIMIT_EXCEEDED stops at once: one refused call, no retry storm', async () => {
    sandbox.setApiUsage(110_000, 110_000);
    const connector = connectorFor(sandbox);
    sandbox.inspect.reset();
    const err = await failure(pullAll(connector, null));
    expect(isAppError(err) && err.code).toBe('CRM_QUOTA_EXHAUSTED');
    expect(isAppError(err) && err.retryAt).toBe(Date.parse('2026-11-21T00:00:00.000Z'));
    expect(sandbox.inspect.rateLimited()).toHaveLength(1);
    expect(dataCalls(sandbox)).toBe(1);
    expect(connector.usage().rateLimited).toBe(1);
    // Later calls of this connector do not even try until the reset time.
    const again = await failure(connector.fetchMetadata());
    expect(isAppError(again) && again.code).toBe('CRM_QUOTA_EXHAUSTED');
    expect(dataCalls(sandbox)).toBe(1);
  });

  it('server errors are retried a bounded number of times, then reported as CRM_UNAVAILABLE', async () => {
    const connector = connectorFor(sandbox, { maxAttempts: 3 });
    await connector.fetchMetadata();
    sandbox.faults.errorRates = { 503: 1 };
    sandbox.inspect.reset();
    const err = await failure(pullAll(connector, null));
    expect(isAppError(err) && err.code).toBe('CRM_UNAVAILABLE');
    expect(dataCalls(sandbox)).toBe(3);
  });

  it('a request that never gets an answer times out and is retried', async () => {
    // Long enough that only the hung call times out on a loaded machine.
    const connector = connectorFor(sandbox, { requestTimeoutMs: 3_000 });
    await connector.fetchMetadata();
    sandbox.faults.hangNext = 1;
    const metadata = await connector.fetchMetadata();
    expect(metadata.pipelines[0]?.stages.length).toBeGreaterThan(3);
    expect(connector.usage().calls).toBeGreaterThan(1);
  });
});

describe('Salesforce connector: JWT bearer and client credentials', () => {
  let sandbox: SalesforceSandboxHandle;
  let privateKey: string;

  beforeAll(async () => {
    const keys = await generateKeyPair('RS256', { extractable: true });
    privateKey = await exportPKCS8(keys.privateKey);
    sandbox = await startSandbox(makeWorld(20, 8, 0), { jwtPublicKey: await exportSPKI(keys.publicKey) });
  });
  afterAll(async () => {
    await sandbox.close();
  });

  it('signs a JWT assertion (RS256, iss client id, sub username, aud login URL) and uses the instance_url', async () => {
    const connector = createSalesforceConnector({
      connection: {
        crm: 'salesforce',
        auth: {
          type: 'jwt_bearer',
          clientId: sandbox.oauth.clientId,
          username: sandbox.username,
          privateKey,
        },
        loginUrl: sandbox.baseUrl,
        developmentTarget: true,
      },
      logger: quietLogger(),
      clock: () => new Date(WORLD_NOW),
    });
    const pulled = merged((await pullAll(connector, null)).pages);
    expect(pulled.deals.length).toBe(20);
  });

  it('a JWT signed by another key is CRM_AUTH', async () => {
    const other = await generateKeyPair('RS256', { extractable: true });
    const connector = createSalesforceConnector({
      connection: {
        crm: 'salesforce',
        auth: {
          type: 'jwt_bearer',
          clientId: sandbox.oauth.clientId,
          username: sandbox.username,
          privateKey: await exportPKCS8(other.privateKey),
        },
        loginUrl: sandbox.baseUrl,
        developmentTarget: true,
      },
      logger: quietLogger(),
    });
    const err = await failure(connector.fetchMetadata());
    expect(isAppError(err) && err.code).toBe('CRM_AUTH');
  });

  it('client credentials grant works', async () => {
    const connector = createSalesforceConnector({
      connection: {
        crm: 'salesforce',
        auth: {
          type: 'client_credentials',
          clientId: sandbox.oauth.clientId,
          clientSecret: sandbox.oauth.clientSecret,
        },
        loginUrl: sandbox.baseUrl,
        developmentTarget: true,
      },
      logger: quietLogger(),
    });
    const metadata = await connector.fetchMetadata();
    expect(metadata.owners.length).toBeGreaterThan(0);
    expect(metadata.targets.length).toBeGreaterThan(0);
  });
});
