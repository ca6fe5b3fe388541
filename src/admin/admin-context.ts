import type { AdminDeps } from './admin-deps.ts';
import type { TenantCatalog } from './tenant-catalog.ts';

/** What the route modules share: the injected dependencies, the tenant catalog and the clock. */
export interface AdminContext {
  deps: AdminDeps;
  catalog: TenantCatalog;
  now: () => number;
}
