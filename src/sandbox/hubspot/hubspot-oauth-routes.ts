import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import type { HubSpotContext } from './hubspot-context.ts';

/**
 * OAuth token endpoint: `POST /oauth/v1/token` (form-encoded) with the refresh_token grant.
 * HubSpot refresh tokens do not rotate: the same refresh token comes back.
 */
export function registerOAuthRoutes(app: FastifyInstance, ctx: HubSpotContext): void {
  app.post('/oauth/v1/token', async (request, reply) => {
    const form = (request.body ?? {}) as Record<string, string | undefined>;
    const fail = (status: string, error: string, message: string) =>
      // HubSpot's v1 body (status/message) plus the OAuth 2.0 standard fields, so both readings work.
      reply
        .code(400)
        .send({ status, message, correlationId: randomUUID(), error, error_description: message });
    if (form.grant_type !== 'refresh_token') {
      return fail(
        'BAD_GRANT_TYPE',
        'unsupported_grant_type',
        `grant_type must be refresh_token, got ${String(form.grant_type)}`,
      );
    }
    if (form.client_id !== ctx.tokens.clientId)
      return fail('BAD_CLIENT_ID', 'invalid_client', 'missing or unknown client id');
    if (form.client_secret !== ctx.tokens.clientSecret) {
      return fail('BAD_CLIENT_SECRET', 'invalid_client', 'missing or invalid client secret');
    }
    if (!form.refresh_token || !ctx.tokens.isValidRefreshToken(form.refresh_token)) {
      return fail('BAD_REFRESH_TOKEN', 'invalid_grant', 'missing or unknown refresh token');
    }
    return {
      token_type: 'bearer',
      refresh_token: form.refresh_token,
      access_token: ctx.tokens.issueAccessToken(ctx.clock()),
      expires_in: ctx.tokens.accessTokenTtlSeconds,
    };
  });

  // Token metadata, e.g. to learn the account (hub) id a token belongs to.
  app.get('/oauth/v1/access-tokens/:token', async (request, reply) => {
    const { token } = request.params as { token: string };
    const secondsLeft = ctx.tokens.accessTokenSecondsLeft(token, ctx.clock());
    if (secondsLeft === null) {
      return reply.code(404).send({
        status: 'BAD_ACCESS_TOKEN',
        message: 'missing or unknown access token',
        correlationId: randomUUID(),
      });
    }
    return {
      token,
      user: 'sandbox-admin@sandbox-sales.example',
      hub_domain: `sandbox-${ctx.portalId}.example`,
      scopes: [...ctx.tokens.scopes],
      hub_id: ctx.portalId,
      app_id: 1_234_567,
      expires_in: secondsLeft,
      user_id: 200_000_000,
      token_type: 'access',
    };
  });
}
