import { exportSPKI, generateKeyPair, SignJWT } from 'jose';
import jsforce from 'jsforce';
import { afterEach, describe, expect, it } from 'vitest';
import { JWT_BEARER_GRANT } from '../../../src/sandbox/salesforce/oauth-routes.ts';
import {
  type SalesforceSandboxHandle,
  type SalesforceSandboxOptions,
  startSalesforceSandbox,
} from '../../../src/sandbox/salesforce/salesforce-sandbox.ts';
import { salesforceTestWorld } from './salesforce-world.fixture.ts';

type SigningKey = Awaited<ReturnType<typeof generateKeyPair>>['privateKey'];

/** The error a promise rejects with (fails the test when it resolves). */
async function rejectionOf(promise: PromiseLike<unknown>): Promise<Error & { errorCode?: string }> {
  try {
    await promise;
  } catch (err) {
    return err as Error & { errorCode?: string };
  }
  throw new Error('expected a rejection');
}

describe('Salesforce sandbox: OAuth, token expiry and API quota', () => {
  let sandbox: SalesforceSandboxHandle | undefined;
  const start = async (options: Partial<SalesforceSandboxOptions> = {}) => {
    sandbox = await startSalesforceSandbox({ world: salesforceTestWorld({ deals: 3 }), ...options });
    return sandbox;
  };
  afterEach(async () => {
    await sandbox?.close();
    sandbox = undefined;
  });

  const refreshingConnection = (s: SalesforceSandboxHandle) =>
    new jsforce.Connection({
      instanceUrl: s.baseUrl,
      accessToken: s.accessToken,
      refreshToken: s.oauth.refreshToken,
      oauth2: { loginUrl: s.baseUrl, clientId: s.oauth.clientId, clientSecret: s.oauth.clientSecret },
      version: '62.0',
    });

  it('answers INVALID_SESSION_ID for an unknown token', async () => {
    const s = await start();
    const conn = new jsforce.Connection({
      instanceUrl: s.baseUrl,
      accessToken: 'not-a-token',
      version: '62.0',
    });
    await expect(conn.query('SELECT Id FROM Opportunity')).rejects.toMatchObject({
      errorCode: 'INVALID_SESSION_ID',
    });
  });

  it('expires tokens after their TTL; jsforce refreshes with the refresh token and the call succeeds', async () => {
    let clock = Date.parse('2026-11-20T12:00:00Z');
    const s = await start({ accessTokenTtlSeconds: 60, now: () => new Date(clock) });
    const conn = refreshingConnection(s);
    const refreshed: string[] = [];
    conn.on('refresh', (token: string) => refreshed.push(token));
    expect((await conn.query('SELECT Id FROM Opportunity')).totalSize).toBe(3);
    clock += 61_000;
    expect((await conn.query('SELECT Id FROM Opportunity')).totalSize).toBe(3);
    expect(refreshed).toHaveLength(1);
    expect(conn.accessToken).toBe(refreshed[0]);
    expect(conn.accessToken).not.toBe(s.accessToken);
    const statuses = s.inspect.calls().map((c) => `${c.endpoint} ${c.status}`);
    expect(statuses).toEqual([
      'GET /services/data/vXX.X/query 200',
      'GET /services/data/vXX.X/query 401',
      'POST /services/oauth2/token 200',
      'GET /services/data/vXX.X/query 200',
    ]);
    const tokens = s.inspect.tokens();
    expect(tokens.filter((t) => t.kind === 'access' && !t.revoked)).toHaveLength(1);
    expect(tokens.every((t) => t.tokenSuffix.length === 6)).toBe(true);
  });

  it('refreshes after expireAllTokens, and fails with invalid_grant once the refresh token is revoked', async () => {
    const s = await start();
    const conn = refreshingConnection(s);
    s.expireAllTokens();
    expect((await conn.query('SELECT Id FROM Account')).totalSize).toBe(4);
    s.revokeRefreshTokens();
    s.expireAllTokens();
    // jsforce wraps the refresh failure in a plain Error; the OAuth error itself is invalid_grant.
    const err = await rejectionOf(conn.query('SELECT Id FROM Account'));
    expect(err.message).toBe('Unable to refresh session due to: expired access/refresh token');
    const direct = await rejectionOf(conn.oauth2.refreshToken(s.oauth.refreshToken));
    expect(direct).toMatchObject({ name: 'invalid_grant', message: 'expired access/refresh token' });
  });

  it('rejects a refresh with the wrong client id or secret', async () => {
    const s = await start();
    const wrongId = new jsforce.OAuth2({
      loginUrl: s.baseUrl,
      clientId: 'other',
      clientSecret: s.oauth.clientSecret,
    });
    expect((await rejectionOf(wrongId.refreshToken(s.oauth.refreshToken))).name).toBe('invalid_client_id');
    const wrongSecret = new jsforce.OAuth2({
      loginUrl: s.baseUrl,
      clientId: s.oauth.clientId,
      clientSecret: 'nope',
    });
    expect((await rejectionOf(wrongSecret.refreshToken(s.oauth.refreshToken))).name).toBe('invalid_client');
  });

  it('grants a token for a JWT bearer assertion signed with the configured key, and refuses a bad signature', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const s = await start({ jwtPublicKey: await exportSPKI(publicKey) });
    const assertion = (key: SigningKey, claims: { iss?: string; sub?: string; aud?: string } = {}) =>
      new SignJWT({})
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(claims.iss ?? s.oauth.clientId)
        .setSubject(claims.sub ?? s.username)
        .setAudience(claims.aud ?? s.baseUrl)
        .setExpirationTime('3m')
        .sign(key);
    const oauth2 = new jsforce.OAuth2({ loginUrl: s.baseUrl, clientId: s.oauth.clientId });
    const granted = (await oauth2.requestToken({
      grant_type: JWT_BEARER_GRANT,
      assertion: await assertion(privateKey),
    })) as {
      access_token: string;
      instance_url: string;
      id: string;
      token_type: string;
      signature: string;
      refresh_token?: string;
    };
    expect(granted).toMatchObject({ instance_url: s.baseUrl, token_type: 'Bearer' });
    expect(granted.id).toBe(`${s.baseUrl}/id/${s.orgId}/${s.apiUserId}`);
    expect(granted.refresh_token).toBeUndefined();
    const conn = new jsforce.Connection({
      instanceUrl: granted.instance_url,
      accessToken: granted.access_token,
      version: '62.0',
    });
    expect((await conn.query('SELECT Id FROM Opportunity')).totalSize).toBe(3);

    const badSignature = await rejectionOf(
      oauth2.requestToken({ grant_type: JWT_BEARER_GRANT, assertion: await assertion(other.privateKey) }),
    );
    expect(badSignature).toMatchObject({ name: 'invalid_grant', message: 'invalid assertion' });
    const wrongIssuer = await rejectionOf(
      oauth2.requestToken({
        grant_type: JWT_BEARER_GRANT,
        assertion: await assertion(privateKey, { iss: 'x' }),
      }),
    );
    expect(wrongIssuer.name).toBe('invalid_client_id');
    const wrongAudience = await rejectionOf(
      oauth2.requestToken({
        grant_type: JWT_BEARER_GRANT,
        assertion: await assertion(privateKey, { aud: 'https://login.salesforce.com' }),
      }),
    );
    expect(wrongAudience).toMatchObject({ name: 'invalid_grant', message: 'audience is invalid' });
    const wrongUser = await rejectionOf(
      oauth2.requestToken({
        grant_type: JWT_BEARER_GRANT,
        assertion: await assertion(privateKey, { sub: 'someone@else' }),
      }),
    );
    expect(wrongUser.name).toBe('invalid_grant');
  });

  it('grants a token for client credentials and refuses a wrong secret', async () => {
    const s = await start();
    const oauth2 = new jsforce.OAuth2({
      loginUrl: s.baseUrl,
      clientId: s.oauth.clientId,
      clientSecret: s.oauth.clientSecret,
    });
    const granted = (await oauth2.requestToken({ grant_type: 'client_credentials' })) as {
      access_token: string;
      instance_url: string;
    };
    const conn = new jsforce.Connection({
      instanceUrl: granted.instance_url,
      accessToken: granted.access_token,
      version: '62.0',
    });
    expect((await conn.query('SELECT Id FROM Contact')).totalSize).toBe(6);
    const wrong = new jsforce.OAuth2({
      loginUrl: s.baseUrl,
      clientId: s.oauth.clientId,
      clientSecret: 'wrong',
    });
    expect((await rejectionOf(wrong.requestToken({ grant_type: 'client_credentials' }))).name).toBe(
      'invalid_client',
    );
    expect((await rejectionOf(wrong.requestToken({ grant_type: 'password' }))).name).toBe(
      'unsupported_grant_type',
    );
  });

  it('tells the API user id through the identity URL (needed to assign permission sets)', async () => {
    const s = await start();
    const conn = new jsforce.Connection({
      instanceUrl: s.baseUrl,
      accessToken: s.accessToken,
      version: '62.0',
    });
    const identity = await conn.identity();
    expect(identity).toMatchObject({ user_id: s.apiUserId, organization_id: s.orgId, username: s.username });
    s.expireAllTokens();
    await expect(conn.identity()).rejects.toBeDefined();
  });

  it('reports Sforce-Limit-Info on every API response (jsforce conn.limitInfo)', async () => {
    const s = await start({ licences: 5, apiUsage: 41 });
    const conn = new jsforce.Connection({
      instanceUrl: s.baseUrl,
      accessToken: s.accessToken,
      version: '62.0',
    });
    await conn.query('SELECT Id FROM Opportunity');
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 42, limit: 105_000 } });
    await conn.sobject('Opportunity').describe();
    expect(conn.limitInfo).toEqual({ apiUsage: { used: 43, limit: 105_000 } });
    const raw = await fetch(`${s.baseUrl}/services/data/v62.0/query?q=SELEC`, {
      headers: { authorization: `Bearer ${s.accessToken}` },
    });
    expect(raw.status).toBe(400);
    expect(raw.headers.get('sforce-limit-info')).toBe('api-usage=44/105000');
    expect(await raw.json()).toMatchObject([{ errorCode: 'MALFORMED_QUERY' }]);
  });

  it('refuses calls with 403 REQUEST_LIMIT_EXCEEDED once the daily allocation is used up', async () => {
    const s = await start({ dailyApiLimit: 1000 });
    const conn = new jsforce.Connection({
      instanceUrl: s.baseUrl,
      accessToken: s.accessToken,
      version: '62.0',
    });
    s.setApiUsage(999);
    expect((await conn.query('SELECT Id FROM Opportunity')).totalSize).toBe(3);
    const err = await rejectionOf(conn.query('SELECT Id FROM Opportunity'));
    expect(err).toMatchObject({
      errorCode: 'REQUEST_LIMIT_EXCEEDED',
      message: 'TotalRequests Limit exceeded.',
    });
    expect(s.apiUsage()).toEqual({ used: 1000, max: 1000 });
    expect(s.inspect.rateLimited()).toMatchObject([
      { endpoint: 'GET /services/data/vXX.X/query', status: 403 },
    ]);
    s.setApiUsage(0);
    expect((await conn.query('SELECT Id FROM Opportunity')).totalSize).toBe(3);
  });
});
