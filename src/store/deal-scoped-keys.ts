import type { TenantKeys } from './tenant-keys.ts';

/** The hashes keyed by deal id: a deal that leaves the tenant leaves every one of them. */
export function dealScopedKeys(k: TenantKeys): string[] {
  return [k.deals, k.activities, k.results, k.history, k.written, k.writeIntents];
}
