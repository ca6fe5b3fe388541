import type { FastifyInstance } from 'fastify';
import { AdminHttpError } from '../admin-error.ts';
import { TenantParamsSchema } from '../admin-schemas.ts';
import type { AdminContext } from '../admin-context.ts';
import { validate } from '../validate-body.ts';

/**
 * The forecast with ranges (docs/FORECAST.md) as the last score step stored it: the current and
 * the next quarter, per owner, team and total, and the backtest. Computed by the score step
 * (the admin layer holds no scoring code), so it is as fresh as the last run.
 */
export function registerForecastRoutes(app: FastifyInstance, { catalog, deps }: AdminContext): void {
  app.get('/tenants/:tenantId/forecast', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    await catalog.require(tenantId);
    const stored = await deps.store(tenantId).documents.getJson<Record<string, unknown>>('forecast');
    if (stored === null) {
      throw new AdminHttpError(
        'FORECAST_NOT_FOUND',
        `No forecast for "${tenantId}" yet: it is computed by the score step of a run`,
      );
    }
    const { backtestKey: _internal, ...forecast } = stored;
    return forecast;
  });
}
