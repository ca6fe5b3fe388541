import type { FastifyInstance } from 'fastify';
import type { HealthResult } from '../../domain/index.ts';
import type { TenantStateStore } from '../../store/tenant-state.store.ts';
import { OpenDealsQuerySchema, TenantParamsSchema } from '../admin-schemas.ts';
import type { AdminContext } from '../admin-context.ts';
import { openDealsCsv } from '../report/open-deals-csv.ts';
import { filterOpenDeals, type OpenDeals, readOpenDeals } from '../report/open-deals.ts';
import { validate } from '../validate-body.ts';

async function openDeals(store: TenantStateStore): Promise<OpenDeals & { asOf: string | null }> {
  const results: HealthResult[] = [];
  for await (const chunk of store.results.iterateResults()) results.push(...chunk);
  const asOf = results.reduce<string | null>((a, r) => (a === null || r.asOf > a ? r.asOf : a), null);
  return { asOf, ...(await readOpenDeals(store, results, await store.sync.getMetadata())) };
}

/**
 * The open deals with their scores: `GET /tenants/:id/deals` (JSON, the API behind the report's
 * table) and `GET /report/:id/deals.csv` (the table's CSV export, under /report so a report link's
 * cookie opens it too). Both take `?owner=<id>` ('' = no owner) and `?band=`; the auth hook applies
 * to both exactly as to the page.
 */
export function registerDealRoutes(app: FastifyInstance, { catalog, deps }: AdminContext): void {
  app.get('/tenants/:tenantId/deals', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const filter = validate(OpenDealsQuerySchema, request.query ?? {}, 'query');
    await catalog.require(tenantId);
    const all = await openDeals(deps.store(tenantId));
    return { tenantId, ...all, deals: filterOpenDeals(all.deals, filter) };
  });

  app.get('/report/:tenantId/deals.csv', async (request, reply) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const filter = validate(OpenDealsQuerySchema, request.query ?? {}, 'query');
    await catalog.require(tenantId);
    const all = await openDeals(deps.store(tenantId));
    return reply
      .type('text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${tenantId}-open-deals.csv"`)
      .header('cache-control', 'no-store')
      .send(openDealsCsv(filterOpenDeals(all.deals, filter)));
  });
}
