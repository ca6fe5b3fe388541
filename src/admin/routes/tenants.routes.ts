import type { FastifyInstance } from 'fastify';
import { type Tenant, TenantSchema } from '../../domain/tenant.ts';
import {
  CreateTenantBodySchema,
  DeleteQuerySchema,
  PatchTenantBodySchema,
  TenantParamsSchema,
} from '../admin-schemas.ts';
import type { AdminContext } from '../admin-context.ts';
import { toTenantView } from '../tenant-view.ts';
import { validate } from '../validate-body.ts';

/** The stored tenant with a patch applied; `connection` without `auth` keeps the credentials. */
function applyPatch(
  tenant: Tenant,
  patch: ReturnType<typeof PatchTenantBodySchema.parse>,
): Record<string, unknown> {
  const merged: Record<string, unknown> = { ...tenant, ...patch, id: tenant.id };
  if (patch.connection !== undefined) {
    const sameCrm = patch.connection.crm === undefined || patch.connection.crm === tenant.connection.crm;
    merged.connection = {
      ...(sameCrm ? tenant.connection : {}),
      ...patch.connection,
      auth: patch.connection.auth ?? (sameCrm ? tenant.connection.auth : undefined),
    };
  }
  return merged;
}

export function registerTenantRoutes(app: FastifyInstance, { catalog, deps }: AdminContext): void {
  app.get('/tenants', async () => ({
    tenants: (await catalog.list()).map((e) => toTenantView(e.tenant, e.source)),
  }));

  app.post('/tenants', async (request, reply) => {
    const tenant = validate(CreateTenantBodySchema, request.body);
    await catalog.create(tenant);
    return reply.status(201).send(toTenantView(tenant, 'api'));
  });

  app.get('/tenants/:tenantId', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const entry = await catalog.require(tenantId);
    return toTenantView(entry.tenant, entry.source);
  });

  app.patch('/tenants/:tenantId', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const patch = validate(PatchTenantBodySchema, request.body ?? {});
    const current = await catalog.requireWritable(tenantId);
    const tenant = validate(TenantSchema, applyPatch(current, patch));
    await catalog.update(tenant);
    return toTenantView(tenant, 'api');
  });

  app.delete('/tenants/:tenantId', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const { purge } = validate(DeleteQuerySchema, request.query ?? {}, 'query');
    await catalog.remove(tenantId);
    const purgedKeys = purge === 'true' ? await deps.store(tenantId).purge() : 0;
    return { deleted: tenantId, purged: purge === 'true', purgedKeys };
  });
}
