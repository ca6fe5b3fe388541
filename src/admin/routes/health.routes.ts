import type { FastifyInstance } from 'fastify';
import type { AdminContext } from '../admin-context.ts';

/** /healthz: the process answers. /readyz: Redis answers PING (else 503). Both open. */
export function registerHealthRoutes(app: FastifyInstance, ctx: AdminContext): void {
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    const ok = await ctx.deps.ping().catch(() => false);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', redis: ok });
  });
}
