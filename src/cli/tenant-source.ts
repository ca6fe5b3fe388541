import type { Env } from '../config/env.ts';
import { loadTenantsFile } from '../config/tenants-file.ts';
import type { Tenant } from '../domain/tenant.ts';
import { AppError } from '../shared/app-error.ts';

/** The tenants of `--tenants FILE` or $TENANTS_FILE; a clear CONFIG_INVALID when neither is set. */
export async function loadConfiguredTenants(env: Env, file: string | undefined): Promise<Tenant[]> {
  const path = file ?? env.TENANTS_FILE;
  if (path === undefined) {
    throw new AppError(
      'CONFIG_INVALID',
      'No tenants file: pass --tenants FILE or set TENANTS_FILE (see README "Tenants file"). To try the product without a CRM, run `npm run demo`.',
    );
  }
  return loadTenantsFile(path);
}
