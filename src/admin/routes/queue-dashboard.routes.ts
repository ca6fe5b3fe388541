import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { FastifyAdapter } from '@bull-board/fastify';
import type { Queue } from 'bullmq';
import type { FastifyInstance } from 'fastify';

const QUEUE_DASHBOARD_PATH = '/queues';

/**
 * The bull-board dashboard of the given queues at /queues (auth: bearer or browser session),
 * read-only: its actions (pause, add, retry, clean, obliterate, job edits) would bypass the API's
 * validation, the cycle lock and the audit log, so bull-board hides them (readOnlyMode) and the
 * server refuses any non-GET request under /queues (admin-server.ts). Actions go through the API.
 */
export async function registerQueueDashboard(app: FastifyInstance, queues: readonly Queue[]): Promise<void> {
  const serverAdapter = new FastifyAdapter();
  serverAdapter.setBasePath(QUEUE_DASHBOARD_PATH);
  createBullBoard({ queues: queues.map((q) => new BullMQAdapter(q, { readOnlyMode: true })), serverAdapter });
  await app.register(serverAdapter.registerPlugin(), { prefix: QUEUE_DASHBOARD_PATH });
  // bull-board's page links IBM Plex from Google Fonts: drop the link (system fonts), so the
  // dashboard loads nothing from outside this server.
  app.addHook('onSend', async (request, reply, payload) => {
    if (!request.url.startsWith(QUEUE_DASHBOARD_PATH) || typeof payload !== 'string') return payload;
    if (!String(reply.getHeader('content-type') ?? '').startsWith('text/html')) return payload;
    return payload.replace(/<link[^>]+https:\/\/fonts\.(googleapis|gstatic)\.com[^>]*>/g, '');
  });
}
