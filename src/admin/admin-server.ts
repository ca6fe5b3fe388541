import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, {
  type FastifyBaseLogger,
  type FastifyError,
  type FastifyInstance,
  LogController,
} from 'fastify';
import type { AccessToken } from '../config/admin-tokens.ts';
import { isAppError } from '../shared/app-error.ts';
import { redactSecrets } from '../shared/redact.ts';
import type { AdminContext } from './admin-context.ts';
import type { AdminDeps } from './admin-deps.ts';
import { AdminHttpError } from './admin-error.ts';
import { installAuth, OPEN_PATHS } from './admin-auth.ts';
import { MemoryAuditLog } from './audit-log.ts';
import { ReportViewTokens } from './report-view-token.ts';
import { registerAuditRoutes } from './routes/audit.routes.ts';
import { buildOpenApiDocument } from './openapi-document.ts';
import { registerDealRoutes } from './routes/deals.routes.ts';
import { registerDigestRoutes } from './routes/digest.routes.ts';
import { registerForecastRoutes } from './routes/forecast.routes.ts';
import { registerHealthRoutes } from './routes/health.routes.ts';
import { registerMetricsRoutes } from './routes/metrics.routes.ts';
import { registerQueueDashboard } from './routes/queue-dashboard.routes.ts';
import { registerReportRoutes } from './routes/report.routes.ts';
import { registerModelRoutes } from './routes/model.routes.ts';
import { registerRunRoutes } from './routes/runs.routes.ts';
import { registerScheduleRoutes } from './routes/schedules.routes.ts';
import { registerTeamElementRoutes } from './routes/team-elements.routes.ts';
import { registerTenantRoutes } from './routes/tenants.routes.ts';
import { TenantCatalog } from './tenant-catalog.ts';

const DEFAULT_BODY_LIMIT = 64 * 1024;

/** Bare tokens (the original ADMIN_TOKENS form) are admin tokens named token-1, token-2, ... */
function normaliseTokens(tokens: AdminDeps['tokens']): AccessToken[] {
  return tokens.map((t, i) =>
    typeof t === 'string' ? { name: `token-${i + 1}`, token: t, role: 'admin' } : t,
  );
}

/** FST_ERR_* codes of malformed requests, answered with our stable codes. */
function clientError(err: FastifyError): AdminHttpError | null {
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new AdminHttpError('BODY_TOO_LARGE', 'The request body is larger than the limit');
  }
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') {
    return new AdminHttpError('UNSUPPORTED_MEDIA_TYPE', 'Send JSON (content-type: application/json)');
  }
  if (typeof err.statusCode === 'number' && err.statusCode >= 400 && err.statusCode < 500) {
    // Fastify's own messages for malformed JSON etc. name no secrets; keep them short.
    return new AdminHttpError('BAD_REQUEST', err.message.slice(0, 300));
  }
  return null;
}

/**
 * The admin HTTP API: tenants, schedules, runs, explanations, model reports, an OpenAPI document
 * and its docs page. Every route but /healthz and /readyz needs `Authorization: Bearer <token>`.
 * Call `ready()` (or `listen`) before use; the caller owns `close()`.
 */
export async function buildAdminServer(deps: AdminDeps): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: deps.logger as unknown as FastifyBaseLogger,
    bodyLimit: deps.bodyLimit ?? DEFAULT_BODY_LIMIT,
    // Request logs carry only method, path (query redacted by the logger) and status; never headers.
    logController: new LogController({ disableRequestLogging: true }),
    // Behind a TLS proxy: X-Forwarded-For / -Proto from these addresses give the client address
    // (failed-auth limit, audit) and https (Secure cookies).
    ...(deps.trustProxy === undefined ? {} : { trustProxy: deps.trustProxy }),
  });
  // JSON only: a text/plain body is refused with 415 instead of reaching the validators as a string.
  app.removeContentTypeParser('text/plain');
  const views = new ReportViewTokens(deps.now ?? Date.now);
  const audit = deps.audit ?? new MemoryAuditLog();
  const ctx: AdminContext = {
    deps,
    catalog: new TenantCatalog({
      fileTenants: deps.fileTenants,
      registry: deps.registry,
      apply: deps.applyTenants,
    }),
    now: deps.now ?? Date.now,
    views,
    audit,
  };

  // Redis down: answer at once (and refuse to queue anything) rather than hang until it is back.
  app.addHook('onRequest', async (request, reply) => {
    if (deps.redisReady === undefined || deps.redisReady()) return;
    if (OPEN_PATHS.has(request.url.split('?')[0] ?? '')) return;
    const error = new AdminHttpError('REDIS_UNAVAILABLE', 'Redis is not reachable; try again shortly');
    return reply.status(503).header('retry-after', '5').send(error.toBody());
  });
  installAuth(app, {
    tokens: normaliseTokens(deps.tokens),
    views,
    audit,
    ...(deps.authFailureLimit ? { failureLimit: deps.authFailureLimit } : {}),
    now: ctx.now,
    onAuditError: (err) => app.log.error({ err: redactSecrets(err) }, 'audit log write failed'),
  });

  app.addHook('onResponse', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    // Probes hit the open paths every few seconds: keep them out of the info log.
    const level = OPEN_PATHS.has(path) ? 'debug' : 'info';
    request.log[level]({ method: request.method, path, status: reply.statusCode }, 'admin request');
  });

  app.setErrorHandler((err: FastifyError, request, reply) => {
    let known = err instanceof AdminHttpError ? err : clientError(err);
    if (!known && isAppError(err) && err.code === 'TENANT_NOT_FOUND') {
      known = new AdminHttpError('TENANT_NOT_FOUND', err.message);
    }
    if (known) {
      if (known.statusCode === 401) reply.header('www-authenticate', 'Bearer');
      return reply.status(known.statusCode).send(known.toBody());
    }
    request.log.error({ err: redactSecrets(err) }, 'admin request failed');
    return reply
      .status(500)
      .send(new AdminHttpError('INTERNAL', 'Internal error; see the server log').toBody());
  });

  app.setNotFoundHandler((request, reply) => {
    reply
      .status(404)
      .send(
        new AdminHttpError('NOT_FOUND', `No route ${request.method} ${request.url.split('?')[0]}`).toBody(),
      );
  });

  const document = buildOpenApiDocument();
  await app.register(swagger, { mode: 'static', specification: { document: document as never } });
  await app.register(swaggerUi, { routePrefix: '/docs' });
  app.get('/openapi.json', async () => document);

  registerHealthRoutes(app, ctx);
  registerMetricsRoutes(app, ctx);
  if (deps.queues && deps.queues.length > 0) await registerQueueDashboard(app, deps.queues);
  registerTenantRoutes(app, ctx);
  registerScheduleRoutes(app, ctx);
  registerRunRoutes(app, ctx);
  registerModelRoutes(app, ctx);
  registerTeamElementRoutes(app, ctx);
  registerForecastRoutes(app, ctx);
  registerDigestRoutes(app, ctx);
  registerDealRoutes(app, ctx);
  registerReportRoutes(app, ctx);
  registerAuditRoutes(app, ctx);
  return app;
}
