import { createHmac, timingSafeEqual } from 'node:crypto';
import type { FastifyInstance, FastifyReply } from 'fastify';
import { importSPKI, importX509, jwtVerify } from 'jose';
import { z } from 'zod';
import type { TokenStore } from './token-store.ts';

export const JWT_BEARER_GRANT = 'urn:ietf:params:oauth:grant-type:jwt-bearer';

export interface OAuthRoutesOptions {
  tokens: TokenStore;
  clientId: string;
  clientSecret: string;
  /** The API user's username (JWT `sub`). */
  username: string;
  /** PEM SPKI public key or X.509 certificate that verifies JWT bearer assertions; null refuses the grant. */
  jwtPublicKey: string | null;
  baseUrl: () => string;
  identityUrl: () => string;
}

const TokenRequestSchema = z.object({
  grant_type: z.string().optional(),
  client_id: z.string().optional(),
  client_secret: z.string().optional(),
  refresh_token: z.string().optional(),
  assertion: z.string().optional(),
});

function same(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

function oauthError(reply: FastifyReply, error: string, description: string, status = 400): FastifyReply {
  return reply.code(status).send({ error, error_description: description });
}

/** Client id and secret from the form body or an HTTP Basic header. */
function clientCredentials(
  body: z.infer<typeof TokenRequestSchema>,
  authorization: string | undefined,
): { id?: string; secret?: string } {
  if (authorization?.startsWith('Basic ')) {
    const decoded = Buffer.from(authorization.slice(6), 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    return {
      id: decodeURIComponent(decoded.slice(0, colon)),
      secret: decodeURIComponent(decoded.slice(colon + 1)),
    };
  }
  const out: { id?: string; secret?: string } = {};
  if (body.client_id !== undefined) out.id = body.client_id;
  if (body.client_secret !== undefined) out.secret = body.client_secret;
  return out;
}

/**
 * `POST /services/oauth2/token` (refresh_token, JWT bearer, client_credentials) and
 * `POST /services/oauth2/revoke`. Errors are Salesforce's OAuth shape `{ error, error_description }`.
 */
export function registerOAuthRoutes(app: FastifyInstance, options: OAuthRoutesOptions): void {
  const { tokens, clientId, clientSecret } = options;
  const grant = (reply: FastifyReply, withRefresh: boolean) => {
    const issuedAt = String(Date.now());
    const id = options.identityUrl();
    const body: Record<string, string> = {
      access_token: tokens.issueAccess(),
      instance_url: options.baseUrl(),
      id,
      token_type: 'Bearer',
      issued_at: issuedAt,
      signature: createHmac('sha256', clientSecret)
        .update(id + issuedAt)
        .digest('base64'),
      scope: withRefresh ? 'refresh_token api' : 'api',
    };
    if (withRefresh) body.refresh_token = tokens.issueRefresh();
    return reply.code(200).send(body);
  };

  app.post('/services/oauth2/token', async (request, reply) => {
    const parsed = TokenRequestSchema.safeParse(request.body ?? {});
    if (!parsed.success) return oauthError(reply, 'invalid_request', 'invalid request');
    const body = parsed.data;
    switch (body.grant_type) {
      case 'refresh_token': {
        const client = clientCredentials(body, request.headers.authorization);
        if (client.id === undefined || !same(client.id, clientId))
          return oauthError(reply, 'invalid_client_id', 'client identifier invalid');
        if (client.secret !== undefined && !same(client.secret, clientSecret)) {
          return oauthError(reply, 'invalid_client', 'invalid client credentials');
        }
        if (body.refresh_token === undefined || !tokens.isRefreshValid(body.refresh_token)) {
          return oauthError(reply, 'invalid_grant', 'expired access/refresh token');
        }
        return grant(reply, false);
      }
      case 'client_credentials': {
        const client = clientCredentials(body, request.headers.authorization);
        if (
          client.id === undefined ||
          client.secret === undefined ||
          !same(client.id, clientId) ||
          !same(client.secret, clientSecret)
        ) {
          return oauthError(reply, 'invalid_client', 'invalid client credentials');
        }
        return grant(reply, false);
      }
      case JWT_BEARER_GRANT: {
        if (options.jwtPublicKey === null) return oauthError(reply, 'invalid_grant', 'invalid assertion');
        if (body.assertion === undefined)
          return oauthError(reply, 'invalid_request', 'assertion is required');
        const pem = options.jwtPublicKey;
        let payload: Record<string, unknown>;
        try {
          const key = pem.includes('CERTIFICATE')
            ? await importX509(pem, 'RS256')
            : await importSPKI(pem, 'RS256');
          payload = (await jwtVerify(body.assertion, key, { algorithms: ['RS256'] })).payload;
        } catch (err) {
          const code = (err as { code?: string }).code;
          return oauthError(
            reply,
            'invalid_grant',
            code === 'ERR_JWT_EXPIRED' ? 'expired authorization code' : 'invalid assertion',
          );
        }
        if (typeof payload.exp !== 'number') return oauthError(reply, 'invalid_grant', 'invalid assertion');
        if (payload.iss !== clientId)
          return oauthError(reply, 'invalid_client_id', 'client identifier invalid');
        const base = options.baseUrl();
        const audiences = Array.isArray(payload.aud) ? payload.aud : [payload.aud];
        if (!audiences.some((a) => a === base || a === `${base}/`))
          return oauthError(reply, 'invalid_grant', 'audience is invalid');
        if (payload.sub !== options.username)
          return oauthError(reply, 'invalid_grant', "user hasn't approved this consumer");
        return grant(reply, false);
      }
      default:
        return oauthError(reply, 'unsupported_grant_type', 'grant type not supported');
    }
  });

  app.post('/services/oauth2/revoke', async (request, reply) => {
    const body = (request.body ?? {}) as Record<string, unknown>;
    const token =
      typeof body.token === 'string' ? body.token : ((request.query as Record<string, string>).token ?? '');
    if (!tokens.revoke(token))
      return oauthError(reply, 'unsupported_token_type', 'this token type is not supported');
    return reply.code(200).send();
  });
}
