import type { FastifyInstance } from 'fastify';
import { ScheduleBodySchema, TenantParamsSchema } from '../admin-schemas.ts';
import type { AdminContext } from '../admin-context.ts';
import { describeSchedule } from '../schedule-view.ts';
import { validate } from '../validate-body.ts';

/** GET/PUT a tenant's schedule; answers with the next five runs and a plain-language description. */
export function registerScheduleRoutes(app: FastifyInstance, { catalog, now }: AdminContext): void {
  app.get('/tenants/:tenantId/schedule', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const { tenant } = await catalog.require(tenantId);
    return describeSchedule(tenant, now());
  });

  app.put('/tenants/:tenantId/schedule', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const body = validate(ScheduleBodySchema, request.body);
    const current = await catalog.requireWritable(tenantId);
    const tenant = {
      ...current,
      timezone: body.timezone,
      schedule: { nightly: body.nightly, incrementalEveryMinutes: body.incrementalEveryMinutes },
    };
    await catalog.update(tenant);
    return describeSchedule(tenant, now());
  });
}
