import { importPKCS8, SignJWT } from 'jose';
import { z } from 'zod';
import type { SalesforceConnectionSchema } from '../../src/domain/index.ts';
import { AppError } from '../../src/shared/app-error.ts';
import { SALESFORCE_LIMITS } from './salesforce-limits.ts';

type SalesforceAuth = z.infer<typeof SalesforceConnectionSchema>['auth'];

const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

/** The parts of a token response the connector uses; validated where it enters. */
const TokenResponseSchema = z.object({
  access_token: z.string().min(1),
  instance_url: z.url(),
  /** Identity URL `.../id/<org id>/<user id>`. */
  id: z.string().optional(),
});

const OAuthErrorSchema = z.object({ error: z.string(), error_description: z.string().optional() });

export interface SalesforceSession {
  accessToken: string;
  instanceUrl: string;
  /** The API user's id, from the identity URL; null when unknown. */
  userId: string | null;
}

/** Outcome of one token request; `transient` failures may be retried, the others need an admin. */
export type TokenResult =
  | { ok: true; session: SalesforceSession }
  | { ok: false; transient: boolean; error: AppError };

function userIdFrom(identityUrl: string | undefined): string | null {
  if (identityUrl === undefined) return null;
  const last = identityUrl
    .split('/')
    .filter((p) => p.length > 0)
    .pop();
  return last === undefined ? null : last;
}

/** The form body of the token request for each grant (CRM-FACTS.md, Salesforce OAuth). */
async function tokenRequestBody(auth: SalesforceAuth, loginUrl: string): Promise<URLSearchParams> {
  switch (auth.type) {
    case 'refresh_token': {
      const body = new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: auth.clientId,
        refresh_token: auth.refreshToken,
      });
      if (auth.clientSecret !== undefined) body.set('client_secret', auth.clientSecret);
      return body;
    }
    case 'client_credentials':
      return new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: auth.clientId,
        client_secret: auth.clientSecret,
      });
    case 'jwt_bearer': {
      const key = await importPKCS8(auth.privateKey, 'RS256');
      // exp at most 3 minutes ahead (Salesforce refuses longer-lived assertions); wall clock on
      // purpose: the server checks it against its own clock, not the connector's test clock.
      const nowSeconds = Math.floor(Date.now() / 1000);
      const assertion = await new SignJWT({})
        .setProtectedHeader({ alg: 'RS256' })
        .setIssuer(auth.clientId)
        .setSubject(auth.username)
        .setAudience(loginUrl.replace(/\/+$/, ''))
        .setExpirationTime(nowSeconds + SALESFORCE_LIMITS.jwtLifetimeSeconds)
        .sign(key);
      return new URLSearchParams({ grant_type: JWT_BEARER_GRANT, assertion });
    }
  }
}

/**
 * One POST to `{loginUrl}/services/oauth2/token`. `invalid_grant` and the client errors mean the
 * credentials are revoked or wrong: CRM_AUTH, never retried. 5xx and network errors are transient.
 */
export async function requestToken(
  auth: SalesforceAuth,
  loginUrl: string,
  timeoutMs: number,
  fetchImpl: typeof fetch = fetch,
): Promise<TokenResult> {
  const url = `${loginUrl.replace(/\/+$/, '')}/services/oauth2/token`;
  let response: Response;
  try {
    response = await fetchImpl(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
      body: await tokenRequestBody(auth, loginUrl),
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    return {
      ok: false,
      transient: true,
      error: new AppError('CRM_UNAVAILABLE', `Salesforce token endpoint did not answer: ${String(err)}`, {
        cause: err,
      }),
    };
  }
  const text = await response.text();
  let json: unknown = null;
  try {
    json = JSON.parse(text);
  } catch {
    // Non-JSON (an HTML error page from a proxy): judged by status below.
  }
  if (response.ok) {
    const parsed = TokenResponseSchema.safeParse(json);
    if (!parsed.success) {
      return {
        ok: false,
        transient: false,
        error: new AppError('CRM_REJECTED', `Salesforce token response lacks access_token/instance_url`, {
          status: response.status,
        }),
      };
    }
    return {
      ok: true,
      session: {
        accessToken: parsed.data.access_token,
        instanceUrl: parsed.data.instance_url.replace(/\/+$/, ''),
        userId: userIdFrom(parsed.data.id),
      },
    };
  }
  if (response.status >= 500 || response.status === 429) {
    return {
      ok: false,
      transient: true,
      error: new AppError('CRM_UNAVAILABLE', `Salesforce token endpoint answered ${response.status}`, {
        status: response.status,
      }),
    };
  }
  const oauth = OAuthErrorSchema.safeParse(json);
  const code = oauth.success ? oauth.data.error : `http_${response.status}`;
  const description = oauth.success ? (oauth.data.error_description ?? '') : '';
  return {
    ok: false,
    transient: false,
    error: new AppError(
      'CRM_AUTH',
      `Salesforce refused the ${auth.type} grant (${code}${description === '' ? '' : `: ${description}`}); ` +
        'an admin must re-authorise the connected app for this tenant.',
      { status: response.status, details: { oauthError: code, grant: auth.type } },
    ),
  };
}
