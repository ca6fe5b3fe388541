import type { FastifyInstance } from 'fastify';
import { type Tenant, TenantSchema } from '../../domain/index.ts';
import {
  CreateTenantBodySchema,
  DeleteQuerySchema,
  PatchTenantBodySchema,
  TenantParamsSchema,
} from '../admin-schemas.ts';
import { purgeTenantJobs } from '../../queue/tenant-jobs-purge.ts';
import type { AdminContext } from '../admin-context.ts';
import { AdminHttpError } from '../admin-error.ts';
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

/** The host a tenant's credentials are sent to. */
function endpointOf(tenant: Tenant): string {
  return tenant.connection.crm === 'hubspot' ? tenant.connection.basePath : tenant.connection.loginUrl;
}

/**
 * Stored credentials stay with the host they were given for: a patch that moves the tenant to
 * another host (or CRM) must send the credentials again, or a token could be redirected to any
 * listener by changing `basePath` alone.
 */
function requireCredentialsOnMove(
  current: Tenant,
  next: Tenant,
  patch: { connection?: Record<string, unknown> | undefined },
): void {
  if (patch.connection === undefined || patch.connection.auth !== undefined) return;
  if (current.connection.crm === next.connection.crm && endpointOf(current) === endpointOf(next)) return;
  throw new AdminHttpError(
    'CREDENTIALS_REQUIRED',
    'Changing the CRM host needs the credentials again (connection.auth): stored credentials are never sent to a new host',
    { fields: [{ path: 'connection.auth', message: 'is required when the CRM host changes' }] },
  );
}

export function registerTenantRoutes(app: FastifyInstance, { catalog, deps }: AdminContext): void {
  app.get('/tenants', async () => ({
    tenants: (await catalog.list()).map((e) => toTenantView(e.tenant, e.source)),
    // Flagged, not fatal: the service runs the others (issue 17 item 5).
    unreadable: (await catalog.unreadable()).map(({ id }) => ({ id, status: 'undecryptable' })),
  }));

  app.post('/tenants', async (request, reply) => {
    const tenant = validate(CreateTenantBodySchema, request.body);
    await catalog.create(tenant);
    return reply.status(201).send(toTenantView(tenant, 'api'));
  });

  app.get('/tenants/:tenantId', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const entry = await catalog.require(tenantId);
    return { ...toTenantView(entry.tenant, entry.source), paused: await catalog.isPaused(tenantId) };
  });

  // Pause: the tenant's schedules are removed and run-now is refused until it is resumed.
  for (const [action, paused] of [
    ['pause', true],
    ['resume', false],
  ] as const) {
    app.post(`/tenants/:tenantId/${action}`, async (request) => {
      const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
      await catalog.setPaused(tenantId, paused);
      return { tenantId, paused };
    });
  }

  app.patch('/tenants/:tenantId', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const patch = validate(PatchTenantBodySchema, request.body ?? {});
    const current = await catalog.requireWritable(tenantId);
    const tenant = validate(TenantSchema, applyPatch(current, patch));
    requireCredentialsOnMove(current, tenant, patch);
    await catalog.update(tenant);
    return toTenantView(tenant, 'api');
  });

  app.delete('/tenants/:tenantId', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const { purge } = validate(DeleteQuerySchema, request.query ?? {}, 'query');
    await catalog.remove(tenantId);
    const purgedKeys =
      purge === 'true'
        ? (await deps.store(tenantId).purge()) + (await purgeTenantJobs(deps.queues ?? [], tenantId))
        : 0;
    return { deleted: tenantId, purged: purge === 'true', purgedKeys };
  });
}
