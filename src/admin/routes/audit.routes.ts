import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { strictObject } from '../../domain/index.ts';
import type { AdminContext } from '../admin-context.ts';
import { TenantParamsSchema } from '../admin-schemas.ts';
import { DEFAULT_VIEW_MINUTES, MAX_VIEW_MINUTES } from '../report-view-token.ts';
import { validate } from '../validate-body.ts';

const AuditQuerySchema = strictObject({ limit: z.coerce.number().int().min(1).max(1000).default(100) });
const ReportLinkBodySchema = strictObject({
  minutes: z.number().int().min(1).max(MAX_VIEW_MINUTES).default(DEFAULT_VIEW_MINUTES),
});

/** GET /audit (admin tokens) and POST /tenants/:tenantId/report-links (short-lived report view links). */
export function registerAuditRoutes(app: FastifyInstance, { audit, catalog, views }: AdminContext): void {
  app.get('/audit', async (request) => {
    const { limit } = validate(AuditQuerySchema, request.query ?? {}, 'query');
    return { entries: await audit.list(limit) };
  });

  app.post('/tenants/:tenantId/report-links', async (request, reply) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const { minutes } = validate(ReportLinkBodySchema, request.body ?? {});
    await catalog.require(tenantId);
    const { token, expiresAt } = await views.issue(tenantId, minutes);
    return reply.status(201).send({ url: `/report/${tenantId}?view=${token}`, expiresAt });
  });
}
