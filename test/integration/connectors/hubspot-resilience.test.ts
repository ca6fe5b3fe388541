import { afterEach, describe, expect, it } from 'vitest';
import type { CrmConnector, HealthWrite } from '../../../connectors/crm-connector.ts';
import {
  createHubSpotConnector,
  type HubSpotConnectorOptions,
} from '../../../connectors/hubspot/hubspot.connector.ts';
import {
  alertKey,
  type Alert,
  changedHealthFields,
  type HealthFieldValues,
} from '../../../src/domain/index.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';
import { AppError } from '../../../src/shared/app-error.ts';
import { createLogger } from '../../../src/shared/logger.ts';

const logger = createLogger({ level: 'silent' });
const NO_LIMITS = { tenSecondly: null, daily: null, searchPerSecond: null };
/** Short waits so rate-limit and retry tests stay quick; the decisions are the same. */
const FAST_RETRY = { baseDelayMs: 5, maxDelayMs: 20, maxWaitMs: 50 };
let sandbox: HubSpotSandboxHandle | null = null;

afterEach(async () => {
  await sandbox?.close();
  sandbox = null;
});

function privateApp(sb: HubSpotSandboxHandle, extra: Partial<HubSpotConnectorOptions> = {}): CrmConnector {
  return createHubSpotConnector({
    connection: {
      crm: 'hubspot',
      auth: { type: 'private_app', accessToken: sb.accessToken },
      basePath: sb.baseUrl,
      developmentTarget: true,
    },
    logger,
    retry: FAST_RETRY,
    ...extra,
  });
}

function oauthApp(sb: HubSpotSandboxHandle, extra: Partial<HubSpotConnectorOptions> = {}): CrmConnector {
  return createHubSpotConnector({
    connection: { crm: 'hubspot', auth: { type: 'oauth', ...sb.oauth }, basePath: sb.baseUrl },
    logger,
    retry: FAST_RETRY,
    ...extra,
  });
}

async function dealIds(connector: CrmConnector, max = 1_000): Promise<string[]> {
  const ids: string[] = [];
  for await (const page of connector.pull(null)) {
    ids.push(...page.deals.map((d) => d.id));
    if (ids.length > max) break;
  }
  return ids;
}

async function rejection(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof AppError) return err;
    throw err;
  }
  throw new Error('expected a rejection');
}

function values(score: number): HealthFieldValues {
  return {
    score,
    band: score >= 70 ? 'healthy' : score >= 40 ? 'watch' : 'at_risk',
    winProbability: null,
    reasons: 'No buyer reply in 12 days, usually 3',
    trend: 'steady',
    scoredAt: new Date().toISOString(),
    modelVersion: 'prior-1',
  };
}

describe('HubSpot connector writes', () => {
  it('writes only changed health properties, and nothing when nothing changed', async () => {
    sandbox = await startHubSpotSandbox({ seed: 21, deals: 30, rateLimits: NO_LIMITS });
    const connector = privateApp(sandbox);
    await connector.bootstrapSchema();
    // Bootstrap is idempotent: a second run creates nothing.
    const again = await connector.bootstrapSchema();
    expect(again.created).toEqual([]);
    expect(again.existing).toContain('deals.ph_score');

    const ids = (await dealIds(connector)).slice(0, 12);
    const first = new Map(ids.map((id, i) => [id, values(30 + i)]));
    sandbox.inspect.reset();
    const writes: HealthWrite[] = ids.map((id) => ({
      dealId: id,
      values: changedHealthFields(undefined, first.get(id)!),
    }));
    const outcome = await connector.writeHealth(writes);
    expect(outcome.written.sort()).toEqual([...ids].sort());
    expect(sandbox.inspect.callsByEndpoint()['POST /crm/v3/objects/deals/batch/update']).toBe(1);
    // Never a property the tool did not create.
    for (const w of sandbox.inspect.writes()) {
      for (const name of Object.keys(w.values)) expect(name).toMatch(/^ph_/);
    }
    // What the CRM holds now reads back as what was written.
    const back = await connector.readHealth(ids);
    expect(back.get(ids[0]!)?.score).toBe(30);
    expect(back.get(ids[0]!)?.band).toBe('at_risk');

    // Second cycle: same values (new scoredAt) -> no write at all.
    sandbox.inspect.reset();
    const second = ids.map((id) => ({
      dealId: id,
      values: changedHealthFields(first.get(id), {
        ...first.get(id)!,
        scoredAt: new Date(Date.now() + 1000).toISOString(),
      }),
    }));
    expect(second.every((w) => Object.keys(w.values).length === 0)).toBe(true);
    await connector.writeHealth(second);
    expect(sandbox.inspect.calls()).toEqual([]);

    // One changed score -> one batch call carrying that deal's changed fields only.
    const changed = { ...first.get(ids[0]!)!, score: 75, band: 'healthy' };
    await connector.writeHealth([
      { dealId: ids[0]!, values: changedHealthFields(first.get(ids[0]!), changed) },
    ]);
    expect(sandbox.inspect.writes()).toHaveLength(1);
    expect(Object.keys(sandbox.inspect.writes()[0]!.values).sort()).toEqual([
      'ph_band',
      'ph_score',
      'ph_scored_at',
    ]);
  });

  it('reports 207 per-record failures with HubSpot reason and writes the rest', async () => {
    sandbox = await startHubSpotSandbox({ seed: 22, deals: 30, rateLimits: NO_LIMITS });
    const connector = privateApp(sandbox);
    await connector.bootstrapSchema();
    const ids = (await dealIds(connector)).slice(0, 10);
    sandbox.faults.failRecords = { [ids[2]!]: 'Deal is locked by an approval', [ids[7]!]: 'Bad value' };
    sandbox.inspect.reset();
    const outcome = await connector.writeHealth(ids.map((id) => ({ dealId: id, values: { score: 55 } })));
    expect(outcome.written.sort()).toEqual(ids.filter((_, i) => i !== 2 && i !== 7).sort());
    expect(outcome.failed.map((f) => f.dealId).sort()).toEqual([ids[2], ids[7]].sort());
    const locked = outcome.failed.find((f) => f.dealId === ids[2]);
    expect(locked?.message).toContain('Deal is locked by an approval');
    expect(locked?.code).toBe('CRM_REJECTED');
    expect(locked?.retryable).toBe(false);
    // A validation failure is permanent: not retried.
    expect(sandbox.inspect.callsByEndpoint()['POST /crm/v3/objects/deals/batch/update']).toBe(1);
  });

  it('creates alert tasks once: a second connector instance finds them by alert key', async () => {
    sandbox = await startHubSpotSandbox({ seed: 23, deals: 20, rateLimits: NO_LIMITS });
    const a = privateApp(sandbox);
    const b = privateApp(sandbox);
    await a.bootstrapSchema();
    const ids = (await dealIds(a)).slice(0, 3);
    const alerts = ids.map((dealId) => {
      const alert: Alert = {
        tenantId: 'acme',
        dealId,
        kind: 'buyer_silent',
        ownerId: '100000001',
        reason: 'No buyer reply in 19 days, usually 4',
        suggestedAction: 'Call the economic buyer',
        raisedAt: new Date().toISOString(),
      };
      return {
        alert,
        key: alertKey(alert),
        subject: 'Buyer silent',
        body: alert.reason,
        dueAt: new Date().toISOString(),
      };
    });
    const first = await a.createAlertTasks(alerts);
    expect(first.created).toHaveLength(3);
    expect(first.existing).toEqual([]);
    const second = await b.createAlertTasks([...alerts, alerts[0]!]);
    expect(second.created).toEqual([]);
    expect(second.existing.sort((x, y) => x.key.localeCompare(y.key))).toEqual(
      first.created.sort((x, y) => x.key.localeCompare(y.key)),
    );
    const taskWrites = sandbox.inspect.writes().filter((w) => w.objectType === 'tasks');
    expect(taskWrites).toHaveLength(3);
    expect(taskWrites[0]!.values).toMatchObject({
      hs_task_status: 'NOT_STARTED',
      hubspot_owner_id: '100000001',
    });
    expect(String(taskWrites[0]!.values.hs_task_body)).toContain('Call the economic buyer');
  });
});

describe('HubSpot connector failures', () => {
  it('refreshes an expired OAuth token mid-run and completes', async () => {
    sandbox = await startHubSpotSandbox({ seed: 31, deals: 200, rateLimits: NO_LIMITS });
    const connector = oauthApp(sandbox, { dealsPerPage: 50 });
    let pages = 0;
    let deals = 0;
    for await (const page of connector.pull(null)) {
      pages += 1;
      deals += page.deals.length;
      if (pages === 1) sandbox.expireAllTokens();
    }
    expect(pages).toBeGreaterThan(2);
    expect(deals).toBeGreaterThan(150);
    const usage = connector.usage();
    expect(usage.callsByEndpoint['POST /oauth/v1/token']).toBe(2);
    // Exactly one call met the expired token.
    expect(sandbox.inspect.calls().filter((c) => c.status === 401)).toHaveLength(1);
  });

  it('shares one refresh between concurrent calls', async () => {
    sandbox = await startHubSpotSandbox({ seed: 32, deals: 10, rateLimits: NO_LIMITS });
    const connector = oauthApp(sandbox);
    await Promise.all([
      connector.fetchMetadata(),
      connector.fetchMetadata(),
      connector.readHealth(['30000000001']),
    ]);
    expect(connector.usage().callsByEndpoint['POST /oauth/v1/token']).toBe(1);
  });

  it('stops with CRM_AUTH when the refresh token is revoked', async () => {
    sandbox = await startHubSpotSandbox({ seed: 33, deals: 10, rateLimits: NO_LIMITS });
    const connector = oauthApp(sandbox);
    await connector.fetchMetadata();
    sandbox.revokeRefreshTokens();
    sandbox.expireAllTokens();
    const err = await rejection(connector.fetchMetadata());
    expect(err.code).toBe('CRM_AUTH');
    // One refused call, one refused refresh: no loop.
    expect(connector.usage().callsByEndpoint['POST /oauth/v1/token']).toBe(2);
  });

  it('fails a refused private-app token with CRM_AUTH without retrying', async () => {
    sandbox = await startHubSpotSandbox({ seed: 34, deals: 5, rateLimits: NO_LIMITS });
    const connector = createHubSpotConnector({
      connection: {
        crm: 'hubspot',
        auth: { type: 'private_app', accessToken: 'pat-na1-wrong' },
        basePath: sandbox.baseUrl,
        developmentTarget: true,
      },
      logger,
    });
    const err = await rejection(connector.fetchMetadata());
    expect(err.code).toBe('CRM_AUTH');
    // The account read, then the four metadata reads sent side by side (pipelines, active and
    // archived owners, goals), each sent once: nothing retried. The sandbox may not see every one
    // (the first refusal cancels the others in flight).
    expect(connector.usage().calls).toBe(5);
    expect(sandbox.inspect.calls().length).toBeGreaterThanOrEqual(2);
    expect(sandbox.inspect.calls().length).toBeLessThanOrEqual(connector.usage().calls);
    expect(sandbox.inspect.calls().every((c) => c.status === 401)).toBe(true);
  });

  it('waits out ten-secondly 429s and completes', async () => {
    sandbox = await startHubSpotSandbox({ seed: 35, deals: 40, rateLimits: NO_LIMITS });
    const connector = privateApp(sandbox);
    sandbox.faults.rateLimitBurst = 3;
    const ids = await dealIds(connector);
    expect(ids.length).toBeGreaterThan(30);
    expect(connector.usage().rateLimited).toBe(3);
    expect(sandbox.inspect.rateLimited()).toHaveLength(3);
  });

  it('stays inside a real ten-second window without a 429 storm', async () => {
    sandbox = await startHubSpotSandbox({
      seed: 36,
      deals: 30,
      rateLimits: { tenSecondly: 20, daily: null, searchPerSecond: 5 },
    });
    // The connector believes the default 190 until HubSpot's headers say 20.
    const connector = privateApp(sandbox, { retry: { maxWaitMs: 10_000 } });
    const writes = Array.from({ length: 30 }, (_, i) => String(30_000_000_001 + i)).map((dealId) => ({
      dealId,
      values: { score: 1 },
    }));
    await connector.bootstrapSchema();
    for (let i = 0; i < 3; i += 1) await connector.writeHealth(writes.slice(i * 10, i * 10 + 10));
    const ids = await dealIds(connector);
    expect(ids.length).toBeGreaterThan(20);
    // At most one 429 (the first call that exceeded before the headers were read).
    expect(connector.usage().rateLimited).toBeLessThanOrEqual(1);
  }, 60_000);

  // "The daily limits reset at midnight based on the time zone setting of the HubSpot account"
  // (https://developers.hubspot.com/apisbytier); the zone comes from GET /account-info/v3/details.
  it('a DAILY 429 on a US portal at 00:30 UTC waits for the portal midnight (05:00 UTC), not 00:00 UTC, and does not retry', async () => {
    const now = Date.parse('2026-12-08T00:30:00.000Z');
    sandbox = await startHubSpotSandbox({
      seed: 37,
      deals: 10,
      clock: () => now,
      timeZone: 'America/New_York',
      rateLimits: { tenSecondly: null, daily: 1_000, searchPerSecond: null },
    });
    const connector = privateApp(sandbox, { clock: () => now });
    await connector.fetchMetadata(); // reads the account zone once
    sandbox.limits.setDailyUsage(1_000);
    const before = connector.usage().calls;
    const err = await rejection(dealIds(connector));
    expect(err.code).toBe('CRM_QUOTA_EXHAUSTED');
    expect(err.retryAt).toBe(Date.parse('2026-12-08T05:00:00.000Z'));
    expect(connector.usage().calls - before).toBe(1);
    // And the sandbox agrees: still refused just before the portal's midnight.
    expect(sandbox.limits.dailyUsage()).toBe(1_000);
  });

  it('an Asia/Tokyo portal resets at 15:00 UTC', async () => {
    const now = Date.parse('2026-12-08T14:00:00.000Z');
    sandbox = await startHubSpotSandbox({
      seed: 37,
      deals: 10,
      clock: () => now,
      timeZone: 'Asia/Tokyo',
      rateLimits: { tenSecondly: null, daily: 1_000, searchPerSecond: null },
    });
    const connector = privateApp(sandbox, { clock: () => now });
    await connector.fetchMetadata();
    sandbox.limits.setDailyUsage(1_000);
    const err = await rejection(dealIds(connector));
    expect(err.retryAt).toBe(Date.parse('2026-12-08T15:00:00.000Z'));
  });

  it('when the day is used up before the zone could be read, waits a full day rather than guess UTC', async () => {
    const now = Date.parse('2026-12-08T00:30:00.000Z');
    sandbox = await startHubSpotSandbox({
      seed: 38,
      deals: 10,
      clock: () => now,
      timeZone: 'America/Los_Angeles',
      rateLimits: { tenSecondly: null, daily: 1_000, searchPerSecond: null },
    });
    const connector = privateApp(sandbox, { clock: () => now });
    sandbox.limits.setDailyUsage(1_000);
    const err = await rejection(dealIds(connector));
    expect(err.code).toBe('CRM_QUOTA_EXHAUSTED');
    // The account-info read was refused too, so the zone is unknown: never earlier than any zone's midnight.
    expect(err.retryAt).toBe(now + 86_400_000);
    expect(err.retryAt).toBeGreaterThan(Date.parse('2026-12-08T08:00:00.000Z'));
    // The refused call plus one attempt to read the zone; nothing retried.
    expect(connector.usage().calls).toBe(2);
  });

  // OAuth calls carry no X-HubSpot-RateLimit-Daily* headers (changelog "Rate limit headers will now
  // appear for OAuth authenticated calls"): the connector works without them and reports no daily figures.
  it('an OAuth connector runs without daily headers and reports no daily usage', async () => {
    sandbox = await startHubSpotSandbox({
      seed: 39,
      deals: 10,
      rateLimits: { tenSecondly: 100, daily: 5, searchPerSecond: null },
    });
    sandbox.limits.setDailyUsage(5);
    const connector = oauthApp(sandbox);
    const ids = await dealIds(connector);
    expect(ids.length).toBe(10);
    expect(connector.usage().daily).toEqual({ used: null, max: null });
  });

  it('checkConnection on OAuth reads token metadata without a token in the recorded endpoints', async () => {
    sandbox = await startHubSpotSandbox({ seed: 40, deals: 5, rateLimits: NO_LIMITS });
    const connector = oauthApp(sandbox);
    const checks = await connector.checkConnection!();
    expect(checks.find((c) => c.name === 'scopes')?.ok).toBe(true);
    const endpoints = Object.keys(connector.usage().callsByEndpoint);
    expect(endpoints).toContain('GET /oauth/v1/access-tokens/{token}');
    expect(endpoints.some((e) => /access-tokens\/C/.test(e))).toBe(false);
  });

  it('times out a hung request and retries it', async () => {
    sandbox = await startHubSpotSandbox({ seed: 38, deals: 20, rateLimits: NO_LIMITS });
    // Long enough that only the hung calls time out on a loaded machine (300 ms also timed out
    // calls the sandbox had not received yet, so the hang could land on a retry, or on none).
    const connector = privateApp(sandbox, { requestTimeoutMs: 3_000 });
    // The first hang takes the account-zone read (outside the SDK: given up, not retried; the zone
    // stays unknown), the second the pipelines call.
    sandbox.faults.hangNext = 2;
    const metadata = await connector.fetchMetadata();
    expect(metadata.pipelines.length).toBeGreaterThan(0);
    // The sandbox left one pipelines call hanging (status 0) and answered its retry.
    const pipelineCalls = sandbox.inspect.calls().filter((c) => c.endpoint === 'GET /crm/v3/pipelines/deals');
    expect(pipelineCalls.map((c) => c.status)).toEqual([0, 200]);
    expect(connector.usage().callsByEndpoint['GET /crm/v3/pipelines/deals']).toBe(2);
    expect(connector.usage().callsByEndpoint['GET /account-info/v3/details']).toBe(1);
  });

  it('retries 5xx answers and dropped connections with backoff', async () => {
    sandbox = await startHubSpotSandbox({ seed: 39, deals: 20, rateLimits: NO_LIMITS });
    const connector = privateApp(sandbox);
    sandbox.faults.dropNext = 1;
    await connector.fetchMetadata();
    sandbox.faults.errorRates = { 503: 1 };
    const failing = rejection(connector.readHealth(['30000000001']));
    const err = await failing;
    expect(err.code).toBe('CRM_UNAVAILABLE');
    // Bounded: the default five attempts, then it gives up.
    expect(connector.usage().callsByEndpoint['POST /crm/v3/objects/deals/batch/read']).toBe(5);
  });
});
