import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AccessToken } from '../config/admin-tokens.ts';
import type { AuditEntry } from '../store/audit-log.store.ts';
import { isAllowed } from './access-policy.ts';
import { AdminHttpError } from './admin-error.ts';
import { AuthFailureLimiter } from './auth-failure-limiter.ts';
import { bearerToken, createTokenMatcher, readCookie } from './bearer-auth.ts';
import { BrowserSessions, SESSION_COOKIE, sessionCookie } from './browser-session.ts';
import { REPORT_VIEW_COOKIE, type ReportViewTokens } from './report-view-token.ts';

/** Routes anyone may call (load balancers, orchestrators). */
export const OPEN_PATHS = new Set(['/healthz', '/readyz', '/logout']);
/**
 * Browser pages (a browser cannot set a bearer header): a GET with a valid `?token=` is answered
 * with a redirect to the same page without the token and a session cookie, which these pages
 * (and their assets and XHR calls) then accept.
 */
const BROWSER_PREFIXES = ['/report', '/queues', '/docs'];
const QUEUE_DASHBOARD = '/queues';

export interface AuthOptions {
  tokens: readonly AccessToken[];
  views: ReportViewTokens;
  audit: { record: (entry: AuditEntry) => Promise<void> };
  /** Failed attempts per client address allowed in `windowMs` before 429. Default 10 in 5 minutes. */
  failureLimit?: { limit: number; windowMs: number };
  now: () => number;
  onAuditError: (err: unknown) => void;
}

const principals = new WeakMap<FastifyRequest, AccessToken>();

/** The token (or the token behind the session or report link) a request was authenticated with. */
function principalOf(request: FastifyRequest): AccessToken | undefined {
  return principals.get(request);
}

function isBrowserPage(path: string): boolean {
  return BROWSER_PREFIXES.some((p) => path === p || path.startsWith(`${p}/`));
}

/** The request's path and query without the credential parameters (never echoed back). */
function withoutCredentials(request: FastifyRequest): string {
  const [path, query = ''] = request.url.split('?');
  const params = new URLSearchParams(query);
  params.delete('token');
  params.delete('view');
  const rest = params.toString();
  return `${path}${rest === '' ? '' : `?${rest}`}`;
}

function tenantParam(request: FastifyRequest): string | undefined {
  const value = (request.params as Record<string, unknown> | undefined)?.tenantId;
  return typeof value === 'string' ? value : undefined;
}

function deny(reply: FastifyReply, code: 'UNAUTHORIZED' | 'FORBIDDEN', message: string) {
  const error = new AdminHttpError(code, message);
  if (code === 'UNAUTHORIZED') reply.header('www-authenticate', 'Bearer');
  // Answered here rather than thrown: plugins (bull-board) install their own error handlers.
  return reply.status(error.statusCode).send(error.toBody());
}

/**
 * Authentication, authorisation, failed-auth limiting, browser sessions, report links, audit and
 * security headers for every route of the admin server (one onRequest hook, one onResponse hook,
 * one onSend hook, and /logout).
 */
export function installAuth(app: FastifyInstance, options: AuthOptions): void {
  const match = createTokenMatcher(options.tokens);
  const byName = new Map(options.tokens.map((t) => [t.name, t]));
  const sessions = new BrowserSessions(options.now);
  const limiter = new AuthFailureLimiter(
    options.failureLimit?.limit ?? 10,
    options.failureLimit?.windowMs ?? 5 * 60_000,
    options.now,
  );
  const record = (request: FastifyRequest, entry: Omit<AuditEntry, 'at' | 'client'>): Promise<void> =>
    options.audit
      .record({ at: new Date(options.now()).toISOString(), client: request.ip, ...entry })
      .catch(options.onAuditError);

  app.addHook('onRequest', async (request, reply) => {
    const path = request.url.split('?')[0] ?? '';
    if (OPEN_PATHS.has(path)) return;
    const client = request.ip;
    const wait = limiter.retryAfterMs(client);
    if (wait > 0) {
      const error = new AdminHttpError(
        'TOO_MANY_REQUESTS',
        'Too many failed authentication attempts; try later',
      );
      return reply
        .status(429)
        .header('retry-after', String(Math.ceil(wait / 1000)))
        .send(error.toBody());
    }
    const route = request.routeOptions.url ?? path;
    const tenantId = tenantParam(request);
    const query = (request.query ?? {}) as Record<string, unknown>;
    const secure = request.protocol === 'https';
    const presented = bearerToken(request.headers.authorization);
    let principal = presented === undefined ? undefined : match(presented);
    let triedCredentials = presented !== undefined;

    if (principal === undefined && presented === undefined && isBrowserPage(path)) {
      if (request.method === 'GET' && typeof query.token === 'string') {
        triedCredentials = true;
        const opened = match(query.token);
        if (opened !== undefined) {
          // Exchange the token for a cookie and drop it from the address bar (history, Referer).
          await record(request, { token: opened.name, action: 'session.open', target: null, status: 303 });
          return reply
            .header('set-cookie', sessionCookie(sessions.issue(opened.name), secure))
            .header('cache-control', 'no-store')
            .redirect(withoutCredentials(request), 303);
        }
      } else if (
        request.method === 'GET' &&
        typeof query.view === 'string' &&
        route === '/report/:tenantId'
      ) {
        triedCredentials = true;
        const view = await options.views.verify(query.view);
        if (view !== null && view.tenantId === tenantId) {
          const maxAge = Math.max(1, view.exp - Math.floor(options.now() / 1000));
          return reply
            .header(
              'set-cookie',
              `${REPORT_VIEW_COOKIE}=${query.view}; HttpOnly; SameSite=Strict; Path=/report; Max-Age=${maxAge}${secure ? '; Secure' : ''}`,
            )
            .header('cache-control', 'no-store')
            .redirect(withoutCredentials(request), 303);
        }
      } else {
        const name = sessions.verify(request.headers.cookie);
        principal = name === undefined ? undefined : byName.get(name);
        triedCredentials = readCookie(request.headers.cookie, SESSION_COOKIE) !== undefined;
        if (principal === undefined && path.startsWith('/report/')) {
          const view = await options.views.verify(readCookie(request.headers.cookie, REPORT_VIEW_COOKIE));
          if (view !== null) {
            principal = {
              name: `report-link:${view.tenantId}`,
              token: '',
              role: 'tenant',
              tenantId: view.tenantId,
            };
          }
        }
      }
    }
    if (principal === undefined) {
      if (triedCredentials) limiter.fail(client);
      return deny(reply, 'UNAUTHORIZED', 'A valid bearer token is required (Authorization: Bearer <token>)');
    }
    // Set before the scope check, so a refused change is audited too.
    principals.set(request, principal);
    if (!isAllowed(principal, request.method, route, tenantId)) {
      return deny(
        reply,
        'FORBIDDEN',
        `Token "${principal.name}" (${principal.role}) may not ${request.method} ${route}`,
      );
    }
    const underQueues = path === QUEUE_DASHBOARD || path.startsWith(`${QUEUE_DASHBOARD}/`);
    if (underQueues && request.method !== 'GET' && request.method !== 'HEAD') {
      // bull-board's actions would bypass validation, the cycle lock and the audit log.
      return deny(reply, 'FORBIDDEN', 'The queue dashboard is read-only; use the API');
    }
  });

  app.addHook('onResponse', async (request, reply) => {
    if (request.method === 'GET' || request.method === 'HEAD' || request.url.startsWith('/logout')) return;
    const principal = principals.get(request);
    if (principal === undefined) return;
    const route = request.routeOptions.url ?? request.url.split('?')[0] ?? '';
    const bodyId = (request.body as { id?: unknown } | undefined)?.id;
    await record(request, {
      token: principal.name,
      action: `${request.method} ${route}`,
      target: tenantParam(request) ?? (typeof bodyId === 'string' ? bodyId : null),
      status: reply.statusCode,
    });
  });

  // The usual security headers on every answer; HTML pages also get no-store and frame-ancestors.
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('x-content-type-options', 'nosniff');
    reply.header('x-frame-options', 'DENY');
    if (!reply.hasHeader('referrer-policy')) reply.header('referrer-policy', 'no-referrer');
    const type = String(reply.getHeader('content-type') ?? '');
    if (type.startsWith('text/html')) {
      if (!reply.hasHeader('cache-control')) reply.header('cache-control', 'no-store');
      if (!reply.hasHeader('content-security-policy')) {
        reply.header(
          'content-security-policy',
          "frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        );
      }
    }
    return payload;
  });

  const logout = async (request: FastifyRequest, reply: FastifyReply) => {
    // Open route: logging out needs no valid session, and clears whatever the browser holds.
    const name = sessions.verify(request.headers.cookie);
    sessions.revoke(request.headers.cookie);
    if (name !== undefined)
      await record(request, { token: name, action: 'session.logout', target: null, status: 200 });
    return reply
      .header('set-cookie', sessionCookie('', request.protocol === 'https', 0))
      .header('set-cookie', `${REPORT_VIEW_COOKIE}=; HttpOnly; SameSite=Strict; Path=/report; Max-Age=0`)
      .send({ loggedOut: true });
  };
  app.get('/logout', logout);
  app.post('/logout', logout);
}
