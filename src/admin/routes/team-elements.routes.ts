import type { FastifyInstance } from 'fastify';
import { AdminHttpError } from '../admin-error.ts';
import { TenantParamsSchema } from '../admin-schemas.ts';
import type { AdminContext } from '../admin-context.ts';
import { validate } from '../validate-body.ts';

interface StoredOwnerRow {
  ownerId: string | null;
  [field: string]: unknown;
}

/** The seven survey elements across the tenant's owners, as the last score step counted them. */
export function registerTeamElementRoutes(app: FastifyInstance, { catalog, deps }: AdminContext): void {
  app.get('/tenants/:tenantId/elements', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    await catalog.require(tenantId);
    const store = deps.store(tenantId);
    const [view, metadata] = await Promise.all([
      store.documents.getJson<{ owners: StoredOwnerRow[]; [field: string]: unknown }>('teamElements'),
      store.sync.getMetadata(),
    ]);
    if (view === null) {
      throw new AdminHttpError('REPORT_NOT_FOUND', `No deals of "${tenantId}" have been scored yet`);
    }
    const names = new Map((metadata?.owners ?? []).map((o) => [o.id, o.name]));
    return {
      ...view,
      owners: view.owners.map((row) => ({
        ...row,
        owner: row.ownerId === null ? null : (names.get(row.ownerId) ?? row.ownerId),
      })),
    };
  });
}
