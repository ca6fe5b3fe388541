import type { AdminDeps } from './admin-deps.ts';
import type { AuditLog } from './audit-log.ts';
import type { ReportViewTokens } from './report-view-token.ts';
import type { TenantCatalog } from './tenant-catalog.ts';

/** What the route modules share: the injected dependencies, the tenant catalog and the clock. */
export interface AdminContext {
  deps: AdminDeps;
  catalog: TenantCatalog;
  now: () => number;
  /** Signs and checks the short-lived per-tenant report links. */
  views: ReportViewTokens;
  audit: AuditLog;
}
