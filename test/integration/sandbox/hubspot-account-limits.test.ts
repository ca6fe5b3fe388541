// The account the HubSpot sandbox serves: its time zone, and the daily limit measured in it.
// Sources:
// - Account information API, "Retrieve account details" (GET /account-info/v3/details: portalId,
//   timeZone, utcOffset, utcOffsetMilliseconds, ...):
//   https://developers.hubspot.com/docs/api-reference/latest/account/account-information/get-account-details
// - API usage guidelines and limits / APIs by tier: "The daily limits reset at midnight based on the
//   time zone setting of the HubSpot account": https://developers.hubspot.com/apisbytier
// - Changelog "Rate limit headers will now appear for OAuth authenticated calls": OAuth calls "will
//   not include X-HubSpot-RateLimit-Daily or X-HubSpot-RateLimit-Daily-Remaining because there is no
//   daily limit for these calls":
//   https://developers.hubspot.com/changelog/rate-limit-headers-will-now-appear-for-oauth-authenticated-calls
import { afterEach, describe, expect, it } from 'vitest';
import { generateWorld } from '../../../src/sandbox/generator/generate-world.ts';
import {
  type HubSpotSandboxHandle,
  type HubSpotSandboxOptions,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';

let sandbox: HubSpotSandboxHandle | null = null;
let now = 0;

afterEach(async () => {
  await sandbox?.close();
  sandbox = null;
});

async function start(options: Partial<HubSpotSandboxOptions> = {}): Promise<HubSpotSandboxHandle> {
  sandbox = await startHubSpotSandbox({
    world: generateWorld({ seed: 5, deals: 10, now: '2026-11-27T00:00:00.000Z' }),
    clock: () => now,
    rateLimits: { tenSecondly: null, daily: null, searchPerSecond: null },
    ...options,
  });
  return sandbox;
}

async function get(
  sb: HubSpotSandboxHandle,
  token: string,
  path = '/crm/v3/objects/deals?limit=1',
): Promise<{ status: number; json: Record<string, unknown>; headers: Headers }> {
  const res = await fetch(`${sb.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, json: (await res.json()) as Record<string, unknown>, headers: res.headers };
}

async function oauthToken(sb: HubSpotSandboxHandle): Promise<string> {
  const res = await fetch(`${sb.baseUrl}/oauth/v1/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      client_id: sb.oauth.clientId,
      client_secret: sb.oauth.clientSecret,
      refresh_token: sb.oauth.refreshToken,
    }).toString(),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}

describe('HubSpot sandbox: account details (account information API)', () => {
  it('serves GET /account-info/v3/details with the configured time zone and its current offset', async () => {
    now = Date.parse('2026-12-08T00:30:00.000Z');
    const sb = await start({ timeZone: 'America/Los_Angeles', portalId: 4242 });
    const res = await get(sb, sb.accessToken, '/account-info/v3/details');
    expect(res.status).toBe(200);
    expect(res.json).toMatchObject({
      portalId: 4242,
      timeZone: 'America/Los_Angeles',
      accountType: 'STANDARD',
      utcOffset: '-08:00',
      utcOffsetMilliseconds: -8 * 3_600_000,
    });
    expect(typeof res.json.companyCurrency).toBe('string');
  });

  it('defaults to a US account (America/New_York), not UTC', async () => {
    now = Date.parse('2026-07-01T12:00:00.000Z');
    const sb = await start();
    const res = await get(sb, sb.accessToken, '/account-info/v3/details');
    expect(res.json.timeZone).toBe('America/New_York');
    expect(res.json.utcOffset).toBe('-04:00');
  });

  it('needs a valid token like every other endpoint', async () => {
    now = Date.parse('2026-12-08T00:30:00.000Z');
    const sb = await start();
    expect((await get(sb, 'nope', '/account-info/v3/details')).status).toBe(401);
  });
});

describe('HubSpot sandbox: the daily limit follows the account time zone (APIs by tier page)', () => {
  it('a US portal exhausted at 23:30 UTC is still exhausted at 00:30 UTC and resets at its own midnight (05:00 UTC)', async () => {
    now = Date.parse('2026-12-07T23:30:00.000Z');
    const sb = await start({ timeZone: 'America/New_York', rateLimits: { daily: 10 } });
    sb.limits.setDailyUsage(10);
    expect((await get(sb, sb.accessToken)).json.policyName).toBe('DAILY');
    now = Date.parse('2026-12-08T00:30:00.000Z'); // UTC midnight has passed: the portal's day has not
    const stillRefused = await get(sb, sb.accessToken);
    expect(stillRefused.status).toBe(429);
    expect(stillRefused.json.policyName).toBe('DAILY');
    now = Date.parse('2026-12-08T04:59:59.000Z');
    expect((await get(sb, sb.accessToken)).status).toBe(429);
    now = Date.parse('2026-12-08T05:00:00.000Z'); // 00:00 in New York (EST, UTC-5)
    const allowed = await get(sb, sb.accessToken);
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('x-hubspot-ratelimit-daily-remaining')).toBe('9');
  });

  it('an account east of UTC resets before UTC midnight (Asia/Tokyo: 15:00 UTC)', async () => {
    now = Date.parse('2026-12-08T14:00:00.000Z');
    const sb = await start({ timeZone: 'Asia/Tokyo', rateLimits: { daily: 10 } });
    sb.limits.setDailyUsage(10);
    expect((await get(sb, sb.accessToken)).status).toBe(429);
    now = Date.parse('2026-12-08T15:00:00.000Z');
    expect((await get(sb, sb.accessToken)).status).toBe(200);
  });
});

describe('HubSpot sandbox: OAuth calls have no daily limit (changelog: rate limit headers for OAuth)', () => {
  it('sends no X-HubSpot-RateLimit-Daily* headers to OAuth tokens but does to the private-app token', async () => {
    now = Date.parse('2026-12-08T10:00:00.000Z');
    const sb = await start({ rateLimits: { tenSecondly: 100, daily: 1_000 } });
    const token = await oauthToken(sb);
    const oauth = await get(sb, token);
    expect(oauth.status).toBe(200);
    expect(oauth.headers.get('x-hubspot-ratelimit-max')).toBe('100');
    expect(oauth.headers.get('x-hubspot-ratelimit-daily')).toBeNull();
    expect(oauth.headers.get('x-hubspot-ratelimit-daily-remaining')).toBeNull();
    const privateApp = await get(sb, sb.accessToken);
    expect(privateApp.headers.get('x-hubspot-ratelimit-daily')).toBe('1000');
  });

  it('does not refuse OAuth calls with a DAILY 429 nor count them against the daily limit', async () => {
    now = Date.parse('2026-12-08T10:00:00.000Z');
    const sb = await start({ rateLimits: { daily: 10 } });
    const token = await oauthToken(sb);
    sb.limits.setDailyUsage(10);
    expect((await get(sb, sb.accessToken)).status).toBe(429);
    expect((await get(sb, token)).status).toBe(200);
    sb.limits.setDailyUsage(3);
    await get(sb, token);
    expect(sb.limits.dailyUsage()).toBe(3);
  });
});
