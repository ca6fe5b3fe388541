import type { AccessToken } from '../config/admin-tokens.ts';

/** What a request needs, by route: reading, operating (runs, schedules) or administering. */
type Need = 'open' | 'read' | 'operate' | 'admin' | 'metrics';

/** Routes operators may call besides reading: they run things, they do not change tenants or credentials. */
const OPERATE_ROUTES = new Set([
  'POST /tenants/:tenantId/runs',
  'POST /tenants/:tenantId/train',
  'PUT /tenants/:tenantId/schedule',
  'POST /tenants/:tenantId/pause',
  'POST /tenants/:tenantId/resume',
]);

/** Routes any authenticated caller may use on what it can already read. */
const VIEWER_WRITES = new Set(['POST /tenants/:tenantId/report-links', 'POST /logout']);

function need(method: string, route: string): Need {
  if (route === '/metrics') return 'metrics';
  if (route === '/audit') return 'admin';
  const key = `${method} ${route}`;
  if (VIEWER_WRITES.has(key)) return 'read';
  if (method === 'GET' || method === 'HEAD') return 'read';
  if (OPERATE_ROUTES.has(key)) return 'operate';
  return 'admin';
}

/** Routes a `tenant:<id>` token may read: its own tenant, its report, the docs. */
function tenantRoute(route: string): boolean {
  return (
    route === '/tenants/:tenantId' ||
    route.startsWith('/tenants/:tenantId/') ||
    route.startsWith('/report/') ||
    route === '/docs' ||
    route.startsWith('/docs/') ||
    route === '/openapi.json' ||
    route === '/logout'
  );
}

/**
 * Whether `token` may call `method route` (the route pattern, e.g. `/tenants/:tenantId/runs`,
 * with its `tenantId` parameter if any). Scopes: admin (everything), operator (read everything;
 * run, train, schedule, pause and resume), read-only (read everything but the audit log),
 * metrics (GET /metrics only), tenant (read one tenant's routes and report).
 */
export function isAllowed(
  token: AccessToken,
  method: string,
  route: string,
  tenantId: string | undefined,
): boolean {
  const needed = need(method, route);
  switch (token.role) {
    case 'admin':
      return true;
    case 'metrics':
      return needed === 'metrics';
    case 'read-only':
      return needed === 'read' || needed === 'metrics';
    case 'operator':
      return needed === 'read' || needed === 'metrics' || needed === 'operate';
    case 'tenant':
      if (needed !== 'read' || !tenantRoute(route)) return false;
      // The report's shared asset has no tenant; every other tenant route must name this tenant.
      return tenantId === undefined ? !route.startsWith('/tenants/') : tenantId === token.tenantId;
  }
}
