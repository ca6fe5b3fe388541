import type { FastifyInstance } from 'fastify';
import { AdminHttpError } from '../admin-error.ts';
import { TenantParamsSchema } from '../admin-schemas.ts';
import type { AdminContext } from '../admin-context.ts';
import { readLiveAccuracy } from '../report/live-accuracy-view.ts';
import { validate } from '../validate-body.ts';

/** The model quality report of the last training, and "train now". */
export function registerModelRoutes(app: FastifyInstance, { catalog, deps }: AdminContext): void {
  app.get('/tenants/:tenantId/model/report', async (request) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    await catalog.require(tenantId);
    const store = deps.store(tenantId);
    const report = await store.documents.getJson<Record<string, unknown>>('trainingReport');
    if (report === null) {
      throw new AdminHttpError('REPORT_NOT_FOUND', `No model has been trained for "${tenantId}" yet`);
    }
    // Beside the training's held-out figures, how the served scores did on deals closed since.
    return { ...report, live: await readLiveAccuracy(store) };
  });

  app.post('/tenants/:tenantId/train', async (request, reply) => {
    const { tenantId } = validate(TenantParamsSchema, request.params, 'path');
    await catalog.require(tenantId);
    const { jobId } = await deps.startTraining(tenantId);
    return reply
      .status(202)
      .send({ jobId, status: 'queued', reportUrl: `/tenants/${tenantId}/model/report` });
  });
}
