// Scopes and revoked tokens in the HubSpot sandbox. Sources:
// - OAuth "Retrieve access token metadata": GET /oauth/v1/access-tokens/{token} answers the token's
//   hub_id, user, scopes and expires_in (https://developers.hubspot.com/docs/api-reference/legacy/oauth/v1/get-access-token).
// - API error responses: a token without a required scope gets 403 with category MISSING_SCOPES
//   (https://developers.hubspot.com/docs/api/error-handling); the scope names come from HubSpot's scope list.
import { afterEach, describe, expect, it } from 'vitest';
import {
  type HubSpotSandboxHandle,
  startHubSpotSandbox,
} from '../../../src/sandbox/hubspot/start-hubspot-sandbox.ts';

let sandbox: HubSpotSandboxHandle | null = null;

afterEach(async () => {
  await sandbox?.close();
  sandbox = null;
});

async function get(sb: HubSpotSandboxHandle, path: string, token = sb.accessToken) {
  const res = await fetch(`${sb.baseUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  return {
    status: res.status,
    json: (await res.json()) as {
      category?: string;
      errors: { context: { requiredGranularScopes: string[] } }[];
    },
  };
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

describe('HubSpot sandbox: scopes', () => {
  it('token metadata lists the scopes granted to the app', async () => {
    sandbox = await startHubSpotSandbox({ seed: 2, deals: 5, scopes: ['oauth', 'crm.objects.deals.read'] });
    const token = await oauthToken(sandbox);
    const res = await fetch(`${sandbox.baseUrl}/oauth/v1/access-tokens/${token}`);
    const meta = (await res.json()) as { scopes: string[]; hub_id: number };
    expect(meta.scopes).toEqual(['oauth', 'crm.objects.deals.read']);
    expect(meta.hub_id).toBe(sandbox.portalId);
  });

  it('answers 403 MISSING_SCOPES naming the scope when the token lacks it, for both token kinds', async () => {
    sandbox = await startHubSpotSandbox({ seed: 2, deals: 5 });
    sandbox.setScopes(['oauth', 'crm.objects.deals.read']);
    const token = await oauthToken(sandbox);
    for (const t of [sandbox.accessToken, token]) {
      expect((await get(sandbox, '/crm/v3/objects/deals?limit=1', t)).status).toBe(200);
      const refused = await get(sandbox, '/crm/v3/owners?limit=1', t);
      expect(refused.status).toBe(403);
      expect(refused.json.category).toBe('MISSING_SCOPES');
      expect(refused.json.errors[0]!.context.requiredGranularScopes).toEqual(['crm.objects.owners.read']);
    }
    const props = await get(sandbox, '/crm/v3/properties/deals');
    expect(props.json.errors[0]!.context.requiredGranularScopes).toEqual(['crm.schemas.deals.read']);
  });

  it('a revoked private-app token answers 401', async () => {
    sandbox = await startHubSpotSandbox({ seed: 2, deals: 5 });
    expect((await get(sandbox, '/crm/v3/objects/deals?limit=1')).status).toBe(200);
    sandbox.revokePrivateAppToken();
    const res = await get(sandbox, '/crm/v3/objects/deals?limit=1');
    expect(res.status).toBe(401);
    expect(res.json.category).toBe('INVALID_AUTHENTICATION');
  });
});
