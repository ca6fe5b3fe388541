import type { FastifyInstance } from 'fastify';
import type { AdminContext } from '../admin-context.ts';

/** /readyz gives Redis this long to answer (a client that retries forever would hang the probe). */
const DEFAULT_READY_TIMEOUT_MS = 2_000;

/** /healthz: the process answers. /readyz: Redis answers PING in time (else 503). Both open. */
export function registerHealthRoutes(app: FastifyInstance, { deps }: AdminContext): void {
  const timeoutMs = deps.readyTimeoutMs ?? DEFAULT_READY_TIMEOUT_MS;
  app.get('/healthz', async () => ({ status: 'ok' }));
  app.get('/readyz', async (_request, reply) => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(false), timeoutMs);
    });
    const ok = await Promise.race([deps.ping().catch(() => false), timeout]);
    clearTimeout(timer);
    return reply.status(ok ? 200 : 503).send({ status: ok ? 'ready' : 'unavailable', redis: ok });
  });
}
