import type { FastifyInstance } from 'fastify';
import { AdminHttpError } from '../admin-error.ts';
import { TenantParamsSchema } from '../admin-schemas.ts';
import type { AdminContext } from '../admin-context.ts';
import { readTeamElements } from '../report/team-elements-view.ts';
import { validate } from '../validate-body.ts';

/** The seven survey elements across the tenant's owners, as the last score step counted them. */
export function registerTeamElementRoutes(app: FastifyInstance, { catalog, deps }: AdminContext): void {
  app.get('/tenants/:tenantId/elements', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    await catalog.require(tenantId);
    const store = deps.store(tenantId);
    const view = await readTeamElements(store, await store.sync.getMetadata());
    if (view === null) {
      throw new AdminHttpError('REPORT_NOT_FOUND', `No deals of "${tenantId}" have been scored yet`);
    }
    return view;
  });
}
