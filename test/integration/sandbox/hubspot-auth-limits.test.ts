import { Client } from '@hubspot/api-client';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';

const NOW = '2026-11-27T00:00:00.000Z';
/** A frozen clock the tests move by hand: token expiry and rate windows without waiting. */
let now = Date.parse('2026-11-27T10:00:00.000Z');
let sandbox: HubSpotSandboxHandle;

async function call(
  token: string,
  path = '/crm/v3/objects/deals?limit=1',
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${sandbox.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function refresh(refreshToken: string): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${sandbox.baseUrl}/oauth/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: sandbox.oauth.clientId,
      client_secret: sandbox.oauth.clientSecret,
      refresh_token: refreshToken,
    }).toString(),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  sandbox = await startHubSpotSandbox({
    world: generateWorld({ seed: 3, deals: 20, now: NOW }),
    clock: () => now,
    accessTokenTtlSeconds: 1800,
    rateLimits: { tenSecondly: null, daily: null, searchPerSecond: null },
  });
});

afterAll(async () => {
  await sandbox.close();
});

beforeEach(() => {
  sandbox.limits.configure({ tenSecondly: null, daily: null, searchPerSecond: null });
  now += 60_000;
});

describe('HubSpot sandbox: OAuth and tokens', () => {
  it('refreshes through the SDK, expires access tokens, and accepts the refreshed one', async () => {
    const sdk = new Client({ basePath: sandbox.baseUrl });
    const token = await sdk.oauth.tokensApi.create(
      'refresh_token',
      undefined,
      undefined,
      sandbox.oauth.clientId,
      sandbox.oauth.clientSecret,
      sandbox.oauth.refreshToken,
    );
    expect(token.expiresIn).toBe(1800);
    expect(token.refreshToken).toBe(sandbox.oauth.refreshToken);
    const client = new Client({ accessToken: token.accessToken, basePath: sandbox.baseUrl });
    expect((await client.crm.deals.basicApi.getPage(1)).results).toHaveLength(1);

    now += 1801_000;
    const expired = await call(token.accessToken);
    expect(expired.status).toBe(401);
    expect(expired.json.category).toBe('EXPIRED_AUTHENTICATION');
    expect(expired.json.status).toBe('error');

    const again = await refresh(sandbox.oauth.refreshToken);
    expect(again.status).toBe(200);
    expect((await call(again.json.access_token as string)).status).toBe(200);

    now += 600_000;
    const info = await sdk.oauth.accessTokensApi.get(again.json.access_token as string);
    expect(info.hubId).toBe(sandbox.portalId);
    expect(info.expiresIn).toBe(1200);
    const gone = await fetch(`${sandbox.baseUrl}/oauth/v1/access-tokens/${token.accessToken}`);
    expect(gone.status).toBe(404);
  });

  it('expires every OAuth access token on demand but never the private-app token', async () => {
    const { json } = await refresh(sandbox.oauth.refreshToken);
    const access = json.access_token as string;
    expect((await call(access)).status).toBe(200);
    sandbox.expireAllTokens();
    expect((await call(access)).status).toBe(401);
    expect((await call(sandbox.accessToken)).status).toBe(200);
    const states = sandbox.inspect.tokens();
    expect(states.find((t) => t.kind === 'private_app')?.expiresAt).toBeNull();
    expect(states.some((t) => t.tokenSuffix === access.slice(-6) && t.kind === 'access')).toBe(true);
  });

  it('rejects unknown tokens with INVALID_AUTHENTICATION and a revoked refresh token with invalid_grant', async () => {
    const unknown = await call('not-a-token');
    expect(unknown.status).toBe(401);
    expect(unknown.json.category).toBe('INVALID_AUTHENTICATION');
    const missing = await fetch(`${sandbox.baseUrl}/crm/v3/objects/deals`);
    expect(missing.status).toBe(401);
    const badSecret = await fetch(`${sandbox.baseUrl}/oauth/v1/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&client_id=${sandbox.oauth.clientId}&client_secret=wrong&refresh_token=${sandbox.oauth.refreshToken}`,
    });
    expect(badSecret.status).toBe(400);
    const revokedSandbox = await startHubSpotSandbox({ world: sandbox.world });
    try {
      revokedSandbox.revokeRefreshTokens();
      const sdk = new Client({ basePath: revokedSandbox.baseUrl });
      const error = await sdk.oauth.tokensApi
        .create(
          'refresh_token',
          undefined,
          undefined,
          revokedSandbox.oauth.clientId,
          revokedSandbox.oauth.clientSecret,
          revokedSandbox.oauth.refreshToken,
        )
        .then(
          () => null,
          (e: { code: number; body: unknown }) => e,
        );
      expect(error?.code).toBe(400);
      const raw = await fetch(`${revokedSandbox.baseUrl}/oauth/v1/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({
          grant_type: 'refresh_token',
          client_id: revokedSandbox.oauth.clientId,
          client_secret: revokedSandbox.oauth.clientSecret,
          refresh_token: revokedSandbox.oauth.refreshToken,
        }).toString(),
      });
      expect(raw.status).toBe(400);
      expect(((await raw.json()) as { error: string }).error).toBe('invalid_grant');
    } finally {
      await revokedSandbox.close();
    }
  });
});

describe('HubSpot sandbox: rate limits', () => {
  it('serves the ten-secondly window with headers and a TEN_SECONDLY_ROLLING 429', async () => {
    sandbox.limits.configure({ tenSecondly: 3, daily: 1000 });
    sandbox.limits.setDailyUsage(0);
    sandbox.inspect.reset();
    const first = await call(sandbox.accessToken);
    expect(first.status).toBe(200);
    expect(first.headers.get('x-hubspot-ratelimit-max')).toBe('3');
    expect(first.headers.get('x-hubspot-ratelimit-remaining')).toBe('2');
    expect(first.headers.get('x-hubspot-ratelimit-interval-milliseconds')).toBe('10000');
    expect(first.headers.get('x-hubspot-ratelimit-daily')).toBe('1000');
    expect(first.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('999');
    await call(sandbox.accessToken);
    await call(sandbox.accessToken);
    const refused = await call(sandbox.accessToken);
    expect(refused.status).toBe(429);
    expect(refused.json.errorType).toBe('RATE_LIMIT');
    expect(refused.json.policyName).toBe('TEN_SECONDLY_ROLLING');
    expect(refused.headers.get('x-hubspot-ratelimit-remaining')).toBe('0');
    // The SDK surfaces the 429 as an ApiException with the status code.
    const sdk = new Client({ accessToken: sandbox.accessToken, basePath: sandbox.baseUrl });
    const error = await sdk.crm.deals.basicApi.getPage(1).then(
      () => null,
      (e: { code: number }) => e,
    );
    expect(error?.code).toBe(429);
    expect(sandbox.inspect.rateLimited()).toHaveLength(2);
    // The window rolls: ten seconds later requests pass again, and refusals used no quota.
    now += 10_001;
    expect((await call(sandbox.accessToken)).status).toBe(200);
    expect(sandbox.limits.dailyUsage()).toBe(4);
  });

  it('serves a DAILY 429 once the day is used up, until the day changes', async () => {
    sandbox.limits.configure({ daily: 100 });
    sandbox.limits.setDailyUsage(99);
    expect((await call(sandbox.accessToken)).status).toBe(200);
    const refused = await call(sandbox.accessToken);
    expect(refused.status).toBe(429);
    expect(refused.json.policyName).toBe('DAILY');
    expect(refused.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('0');
    now += 86_400_000;
    expect((await call(sandbox.accessToken)).status).toBe(200);
  });

  it('limits search requests per second with a SECONDLY 429 and no rate-limit headers', async () => {
    sandbox.limits.configure({ searchPerSecond: 5 });
    const search = async () => {
      const res = await fetch(`${sandbox.baseUrl}/crm/v3/objects/deals/search`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sandbox.accessToken}`, 'content-type': 'application/json' },
        body: JSON.stringify({ limit: 1 }),
      });
      return {
        status: res.status,
        json: (await res.json()) as Record<string, unknown>,
        headers: res.headers,
      };
    };
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await search()).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200]);
    const refused = await search();
    expect(refused.status).toBe(429);
    expect(refused.json.policyName).toBe('SECONDLY');
    expect(refused.headers.get('x-hubspot-ratelimit-max')).toBeNull();
    now += 1001;
    expect((await search()).status).toBe(200);
  });

  it('lets tests change limits and daily usage over HTTP', async () => {
    const res = await fetch(`${sandbox.baseUrl}/__sandbox/limits`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ tenSecondly: 110, daily: 500, dailyUsage: 500 }),
    });
    expect(((await res.json()) as { tenSecondly: number }).tenSecondly).toBe(110);
    const refused = await call(sandbox.accessToken);
    expect(refused.json.policyName).toBe('DAILY');
  });
});
