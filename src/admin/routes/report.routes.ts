import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { TenantParamsSchema } from '../admin-schemas.ts';
import type { AdminContext } from '../admin-context.ts';
import { buildReportData } from '../report/report-data.ts';
import { CHART_JS_PATH, renderReportPage } from '../report/report-page.ts';
import { validate } from '../validate-body.ts';

/** chart.js's UMD build from node_modules (its package exports do not name it, so resolve the package). */
function chartJsFile(): string {
  return join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
}

/**
 * The report page (/report/:tenantId) and its JSON (/report/:tenantId/data.json). Browsers open it
 * with `?token=`, which starts a session cookie for the page's own asset requests.
 */
export function registerReportRoutes(app: FastifyInstance, { catalog, deps, now }: AdminContext): void {
  let chartJs: Promise<Buffer> | null = null;
  app.get(CHART_JS_PATH, async (_request, reply) => {
    chartJs ??= readFile(chartJsFile());
    return reply
      .type('text/javascript; charset=utf-8')
      .header('cache-control', 'private, max-age=86400')
      .send(await chartJs);
  });

  app.get('/report/:tenantId/data.json', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const { tenant } = await catalog.require(tenantId);
    return buildReportData(deps.store(tenantId), tenant, now());
  });

  app.get('/report/:tenantId', async (request, reply) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    const { tenant } = await catalog.require(tenantId);
    const data = await buildReportData(deps.store(tenantId), tenant, now());
    const nonce = randomBytes(16).toString('base64');
    return reply
      .type('text/html; charset=utf-8')
      .header(
        'content-security-policy',
        `default-src 'none'; script-src 'self' 'nonce-${nonce}'; style-src 'unsafe-inline'; img-src data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'`,
      )
      .header('referrer-policy', 'no-referrer')
      .header('cache-control', 'no-store')
      .send(renderReportPage(data, nonce));
  });
}
