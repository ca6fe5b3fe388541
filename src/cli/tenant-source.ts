import type { Env } from '../config/env.ts';
import { loadTenantsFile } from '../config/tenants-file.ts';
import type { Tenant } from '../domain/index.ts';
import { AppError } from '../shared/app-error.ts';
import type { TenantRegistryStore } from '../store/tenant-registry.store.ts';

/** The tenants of `--tenants FILE` or $TENANTS_FILE; a clear CONFIG_INVALID when neither is set. */
export async function loadConfiguredTenants(
  env: Env,
  file: string | undefined,
  options: { optional?: boolean } = {},
): Promise<Tenant[]> {
  const path = file ?? env.TENANTS_FILE;
  if (path === undefined && options.optional) return [];
  if (path === undefined) {
    throw new AppError(
      'CONFIG_INVALID',
      'No tenants file: pass --tenants FILE or set TENANTS_FILE (see README "Tenants file"). To try the product without a CRM, run `npm run demo`.',
    );
  }
  return loadTenantsFile(path);
}

/** File tenants first; API tenants (decrypted from the registry) that the file does not name; no paused tenant. */
export async function mergeTenants(
  fileTenants: readonly Tenant[],
  registry: TenantRegistryStore,
): Promise<Tenant[]> {
  const fileIds = new Set(fileTenants.map((t) => t.id));
  const stored = registry.canStoreCredentials ? await registry.list() : [];
  // Paused tenants (admin API) are left out: their schedules are removed until they are resumed.
  const paused = await registry.pausedIds();
  return [...fileTenants, ...stored.filter((t) => !fileIds.has(t.id))].filter((t) => !paused.has(t.id));
}
