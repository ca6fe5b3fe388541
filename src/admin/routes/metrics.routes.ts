import type { FastifyInstance } from 'fastify';
import { createAdminMetrics } from '../admin-metrics.ts';
import type { AdminContext } from '../admin-context.ts';
import { runCounterMetricsText } from '../run-counter-metrics.ts';

/** Prometheus text format at /metrics (behind the same bearer auth as the API). */
export function registerMetricsRoutes(app: FastifyInstance, { catalog, deps }: AdminContext): void {
  const registry = createAdminMetrics({
    tenantIds: async () => (await catalog.list()).map((e) => e.tenant.id),
    store: deps.store,
    ...(deps.queues ? { queues: deps.queues } : {}),
    ...(deps.processMetrics === undefined ? {} : { processMetrics: deps.processMetrics }),
  });
  app.get('/metrics', async (_request, reply) => {
    let text = await registry.metrics();
    if (deps.runCounters) {
      const ids = (await catalog.list()).map((e) => e.tenant.id);
      text += await runCounterMetricsText(ids, deps.store, deps.runCounters);
    }
    return reply.type(registry.contentType).send(text);
  });
}
