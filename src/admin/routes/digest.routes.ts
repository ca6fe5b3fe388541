import type { FastifyInstance } from 'fastify';
import { AdminHttpError } from '../admin-error.ts';
import { TenantParamsSchema } from '../admin-schemas.ts';
import type { AdminContext } from '../admin-context.ts';
import { validate } from '../validate-body.ts';

/**
 * What changed since last week (per owner and team) as the last score step stored it, and the
 * weekly digest's delivery log (docs/DIGEST.md).
 */
export function registerDigestRoutes(app: FastifyInstance, { catalog, deps }: AdminContext): void {
  app.get('/tenants/:tenantId/changes', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    await catalog.require(tenantId);
    const doc = await deps.store(tenantId).documents.getJson<Record<string, unknown>>('whatChanged');
    if (doc === null) {
      throw new AdminHttpError(
        'REPORT_NOT_FOUND',
        `No "what changed" for "${tenantId}" yet: it is computed by the score step of a run`,
      );
    }
    return doc;
  });

  app.get('/tenants/:tenantId/digest/deliveries', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    await catalog.require(tenantId);
    const digests = deps.store(tenantId).digests;
    // Attempts newest first (time, HTTP status, outcome, error, wait before the next), and where
    // each digest of the kept weeks stands. The webhook URL and the secret are never part of it.
    return { attempts: await digests.attempts(), deliveries: await digests.states() };
  });
}
