import Fastify, { type FastifyReply, type FastifyRequest } from 'fastify';
import { emptyFaultPlan, type FaultPlan } from '../fault-plan.ts';
import { generateWorld } from '../generator/generate-world.ts';
import { applyFault } from '../http/apply-fault.ts';
import { endpointPattern } from '../http/endpoint-pattern.ts';
import { InspectionRecorder } from '../http/inspection-recorder.ts';
import { INSPECTION_PREFIX, registerInspectionRoutes } from '../http/inspection-routes.ts';
import type { SandboxHandle } from '../sandbox-handle.ts';
import type { SandboxWorld } from '../world.ts';
import { isKnownTimeZone } from '../../domain/index.ts';
import { registerAccountRoutes } from './hubspot-account-routes.ts';
import { registerAssociationRoutes } from './hubspot-association-routes.ts';
import type { HubSpotContext } from './hubspot-context.ts';
import { errorForStatus, HubSpotHttpError } from './hubspot-errors.ts';
import { registerObjectRoutes } from './hubspot-object-routes.ts';
import { registerOAuthRoutes } from './hubspot-oauth-routes.ts';
import { registerSchemaRoutes } from './hubspot-schema-routes.ts';
import { HubSpotPropertyRegistry } from './hubspot-properties.ts';
import {
  DEFAULT_HUBSPOT_RATE_LIMITS,
  HubSpotRateLimiter,
  type HubSpotRateLimits,
} from './hubspot-rate-limiter.ts';
import { HubSpotRenderer } from './hubspot-render.ts';
import { DEFAULT_HUBSPOT_SCOPES, missingScopeError, requiredScope } from './hubspot-scopes.ts';
import { HubSpotStore } from './hubspot-store.ts';
import { HubSpotTokenStore } from './hubspot-tokens.ts';

/** Options for {@link startHubSpotSandbox}. */
export interface HubSpotSandboxOptions {
  /** The world to serve. Default: `generateWorld({ seed, deals })`. */
  world?: SandboxWorld;
  /** Seed for the generated world when `world` is not given. Default 1. */
  seed?: number;
  /** Deals in the generated world when `world` is not given. Default 50. */
  deals?: number;
  /** Port on 127.0.0.1; 0 picks a free port. Default 0. */
  port?: number;
  /** Rate limits; each can be null (off). Default 190 per 10 s, 625,000 per day, 5 searches per second. */
  rateLimits?: Partial<HubSpotRateLimits>;
  /** OAuth access-token lifetime in seconds. Default 1800. */
  accessTokenTtlSeconds?: number;
  /** Initial fault plan (merged over an empty plan). */
  faults?: Partial<FaultPlan>;
  /** Clock for token expiry, rate windows and write timestamps. Default `Date.now`. */
  clock?: () => number;
  /** Random source for fault error rates. Default `Math.random`. */
  random?: () => number;
  /** The account (portal) id served. Default 12345678. */
  portalId?: number;
  /**
   * The account's time zone setting (IANA), served by `GET /account-info/v3/details`; the daily
   * limit resets at midnight in it. Default America/New_York (a US portal, so tests see that it is not UTC).
   */
  timeZone?: string;
  /** Scopes granted to the app's tokens (private app and OAuth). Default DEFAULT_HUBSPOT_SCOPES. */
  scopes?: readonly string[];
  /**
   * How long search keeps returning a record's state from before a write (HubSpot's search index
   * lags writes by a few seconds). Default 0, so tests see writes at once.
   */
  searchLagMs?: number;
}

/** A running HubSpot sandbox, with HubSpot-specific controls beyond {@link SandboxHandle}. */
export interface HubSpotSandboxHandle extends SandboxHandle {
  crm: 'hubspot';
  world: SandboxWorld;
  portalId: number;
  /** Change the scopes granted to the app's tokens (a call needing a missing one answers 403 MISSING_SCOPES). */
  setScopes(scopes: readonly string[]): void;
  /** Revoke the private-app token: it answers 401 from now on. */
  revokePrivateAppToken(): void;
  limits: {
    current(): HubSpotRateLimits;
    /** Change limits at run time (e.g. a small ten-secondly limit for a test). */
    configure(limits: Partial<HubSpotRateLimits>): void;
    /** Set today's daily usage, e.g. to one below the limit. */
    setDailyUsage(used: number): void;
    dailyUsage(): number;
  };
}

/** Route parameters whose values are part of the recorded endpoint name. */
const TYPE_PARAMS = new Set(['objectType', 'fromObjectType', 'toObjectType']);

/**
 * Start a HubSpot-compatible API server on 127.0.0.1 serving `world`. Point the official SDK at
 * it with `new Client({ accessToken: handle.accessToken, basePath: handle.baseUrl })`.
 */
export async function startHubSpotSandbox(
  options: HubSpotSandboxOptions = {},
): Promise<HubSpotSandboxHandle> {
  const world = options.world ?? generateWorld({ seed: options.seed ?? 1, deals: options.deals ?? 50 });
  const clock = options.clock ?? Date.now;
  const random = options.random ?? Math.random;
  const pipelineIds = new Map(
    world.pipelines.map((p, i) => [p.key, i === 0 ? 'default' : String(75_000_000 + i)]),
  );
  const renderer = new HubSpotRenderer(world, pipelineIds);
  const tokens = new HubSpotTokenStore(
    options.accessTokenTtlSeconds ?? 1800,
    options.scopes ?? DEFAULT_HUBSPOT_SCOPES,
  );
  const refreshToken = tokens.issueRefreshToken();
  const faults: FaultPlan = { ...emptyFaultPlan(), ...options.faults };
  const recorder = new InspectionRecorder({ tokens: () => tokens.states() });
  const timeZone = options.timeZone ?? 'America/New_York';
  if (!isKnownTimeZone(timeZone)) throw new Error(`HubSpot sandbox: unknown time zone ${timeZone}`);
  const limiter = new HubSpotRateLimiter({ ...DEFAULT_HUBSPOT_RATE_LIMITS, ...options.rateLimits }, timeZone);
  let baseUrl = '';
  const store = new HubSpotStore(world, renderer);
  store.searchLagMs = options.searchLagMs ?? 0;
  const ctx: HubSpotContext = {
    store,
    registry: new HubSpotPropertyRegistry(world, pipelineIds),
    tokens,
    limiter,
    recorder,
    faults,
    pipelineIds,
    portalId: options.portalId ?? 12_345_678,
    timeZone,
    baseUrl: () => baseUrl,
    clock,
  };

  const app = Fastify({
    logger: false,
    bodyLimit: 16 * 1024 * 1024,
    // Hanging requests must not keep close() waiting.
    forceCloseConnections: true,
    routerOptions: { ignoreTrailingSlash: true },
  });
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_req, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(body as string)));
  });

  /** Requests recorded before a response (hung or dropped), so onResponse does not count them twice. */
  const recordedEarly = new WeakSet<FastifyRequest>();
  const record = (request: FastifyRequest, status: number): void => {
    recorder.recordCall(
      {
        at: new Date(clock()).toISOString(),
        method: request.method,
        endpoint: endpointPattern(request, TYPE_PARAMS),
        status,
      },
      status === 429,
    );
  };

  const sendError = (reply: FastifyReply, error: HubSpotHttpError): FastifyReply => {
    reply.headers(error.headers);
    return reply.code(error.statusCode).send(error.body);
  };

  app.addHook('onRequest', async (request, reply) => {
    if (request.url.startsWith(INSPECTION_PREFIX)) return;
    const decision = await applyFault(
      faults,
      request,
      reply,
      {
        error: (status) => {
          const error = errorForStatus(status);
          return { status, body: error.body };
        },
        rateLimit: () => {
          const error = rateLimitError('TEN_SECONDLY_ROLLING', limiter.limits.tenSecondly ?? 0);
          return { status: 429, body: error.body, headers: limiter.headers(clock(), true) };
        },
      },
      random,
    );
    if (decision.kind === 'hang' || decision.kind === 'drop') {
      recordedEarly.add(request);
      record(request, 0);
      return;
    }
    if (decision.kind !== 'none') return reply;
    if (request.url.startsWith('/oauth/')) return;

    const header = request.headers.authorization;
    const token = header?.startsWith('Bearer ') ? header.slice(7).trim() : undefined;
    const check = tokens.check(token, clock());
    if (!check.ok) return sendError(reply, authError(check.reason, check.expiredAt, clock()));
    const scope = requiredScope(request.method, request.url);
    if (scope !== null && !tokens.scopes.includes(scope)) return sendError(reply, missingScopeError(scope));

    const isSearch = request.method === 'POST' && /\/search\/?(\?|$)/.test(request.url);
    const rate = limiter.check(clock(), isSearch, check.kind === 'access');
    reply.headers(rate.headers);
    if (!rate.allowed) {
      const limit =
        rate.policyName === 'DAILY'
          ? (limiter.limits.daily ?? 0)
          : rate.policyName === 'SECONDLY'
            ? (limiter.limits.searchPerSecond ?? 0)
            : (limiter.limits.tenSecondly ?? 0);
      return sendError(reply, rateLimitError(rate.policyName, limit));
    }
  });

  // The Date header is the origin server's clock (RFC 9110 section 6.6.1): the sandbox's clock, which
  // tests may move, not the host's. Clients take the CRM's time from it.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('date', new Date(clock()).toUTCString());
    return payload;
  });

  app.addHook('onResponse', async (request, reply) => {
    if (request.url.startsWith(INSPECTION_PREFIX) || recordedEarly.has(request)) return;
    record(request, reply.statusCode);
  });

  app.setErrorHandler((error, _request, reply) => {
    if (error instanceof HubSpotHttpError) return sendError(reply, error);
    const status = (error as { statusCode?: number }).statusCode ?? 500;
    const message = error instanceof Error ? error.message : String(error);
    if (status >= 400 && status < 500)
      return sendError(reply, errorForStatus(status, `Invalid input JSON: ${message}`));
    return sendError(reply, errorForStatus(500, 'internal error'));
  });

  app.setNotFoundHandler((request, reply) => {
    sendError(
      reply,
      new HubSpotHttpError(404, {
        message: `No route for ${request.method} ${request.url.split('?')[0]}`,
        category: 'OBJECT_NOT_FOUND',
      }),
    );
  });

  registerInspectionRoutes(app, {
    recorder,
    faults,
    expireAllTokens: () => tokens.expireAccessTokens(clock()),
    revokeRefreshTokens: () => tokens.revokeRefreshTokens(),
  });
  app.get(`${INSPECTION_PREFIX}/limits`, async () => ({
    ...limiter.limits,
    dailyUsage: limiter.dailyUsage(clock()),
  }));
  app.post(`${INSPECTION_PREFIX}/limits`, async (request) => {
    const body = (request.body ?? {}) as Partial<HubSpotRateLimits> & { dailyUsage?: number };
    const { dailyUsage, ...limits } = body;
    limiter.configure(limits);
    if (typeof dailyUsage === 'number') limiter.setDailyUsage(dailyUsage, clock());
    return { ...limiter.limits, dailyUsage: limiter.dailyUsage(clock()) };
  });
  registerOAuthRoutes(app, ctx);
  registerAccountRoutes(app, ctx);
  registerObjectRoutes(app, ctx);
  registerAssociationRoutes(app, ctx);
  registerSchemaRoutes(app, ctx);

  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const address = app.server.address();
  if (address === null || typeof address === 'string') throw new Error('HubSpot sandbox: no TCP address');
  baseUrl = `http://127.0.0.1:${address.port}`;

  return {
    crm: 'hubspot',
    baseUrl,
    accessToken: tokens.privateAppToken,
    oauth: { clientId: tokens.clientId, clientSecret: tokens.clientSecret, refreshToken },
    faults,
    inspect: recorder,
    world,
    portalId: ctx.portalId,
    expireAllTokens: () => tokens.expireAccessTokens(clock()),
    revokeRefreshTokens: () => tokens.revokeRefreshTokens(),
    setScopes: (scopes) => {
      tokens.scopes = [...scopes];
    },
    revokePrivateAppToken: () => tokens.revokePrivateAppToken(),
    limits: {
      current: () => limiter.limits,
      configure: (limits) => limiter.configure(limits),
      setDailyUsage: (used) => limiter.setDailyUsage(used, clock()),
      dailyUsage: () => limiter.dailyUsage(clock()),
    },
    close: async () => {
      await app.close();
    },
  };
}

function authError(
  reason: 'missing' | 'unknown' | 'expired',
  expiredAt: number | undefined,
  now: number,
): HubSpotHttpError {
  if (reason === 'expired') {
    const minutes = Math.max(0, Math.round((now - (expiredAt ?? now)) / 60_000));
    return new HubSpotHttpError(401, {
      message: `The OAuth token used to make this call expired ${minutes} minute(s) ago.`,
      category: 'EXPIRED_AUTHENTICATION',
      context: { 'expire time': [new Date(expiredAt ?? now).toUTCString()] },
    });
  }
  return new HubSpotHttpError(401, {
    message:
      reason === 'missing'
        ? 'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview'
        : 'Authentication credentials not found or invalid.',
    category: 'INVALID_AUTHENTICATION',
  });
}

function rateLimitError(
  policyName: 'TEN_SECONDLY_ROLLING' | 'SECONDLY' | 'DAILY',
  limit: number,
): HubSpotHttpError {
  const what =
    policyName === 'DAILY' ? 'daily' : policyName === 'SECONDLY' ? 'secondly' : 'ten_secondly_rolling';
  return new HubSpotHttpError(429, {
    message: `You have reached your ${what} limit.`,
    category: 'RATE_LIMITS',
    errorType: 'RATE_LIMIT',
    policyName,
    context: { limit: [String(limit)] },
  });
}
