import type { JobType, Queue } from 'bullmq';
import type { RedisClient } from '../store/redis-client.ts';

const STATES: JobType[] = ['completed', 'failed', 'delayed', 'wait', 'waiting-children', 'prioritized'];
const EVENTS_PAGE = 1_000;

/**
 * Remove a deleted tenant's BullMQ records: its jobs in every state but active (with their
 * children, failure texts and logs) and its entries in each queue's event stream. A job belongs to
 * the tenant when its id is one of the tenant's run ids (`<tenantId>.<stamp>...`) or its data names
 * the tenant. Returns the number of jobs and events removed. Active jobs are left to finish.
 */
export async function purgeTenantJobs(queues: readonly Queue[], tenantId: string): Promise<number> {
  let removed = 0;
  const runPrefix = `${tenantId}.`;
  for (const queue of queues) {
    const ids = new Set<string>();
    for (const id of await queue.getRanges(STATES, 0, -1)) {
      if (id.startsWith(runPrefix)) {
        ids.add(id);
        continue;
      }
      const job = await queue.getJob(id);
      if ((job?.data as { tenantId?: unknown } | undefined)?.tenantId === tenantId) ids.add(id);
    }
    for (const id of ids) {
      try {
        removed += await queue.remove(id, { removeChildren: true });
      } catch {
        // Locked by a worker right now: it finishes and ages out with removeOnComplete/removeOnFail.
      }
    }
    removed += await purgeEvents(queue, (jobId) => jobId.startsWith(runPrefix) || ids.has(jobId));
  }
  return removed;
}

async function purgeEvents(queue: Queue, belongs: (jobId: string) => boolean): Promise<number> {
  // Our queues run on ioredis connections (src/store/redis-connection.ts).
  const client = (await queue.getBackend().client) as unknown as RedisClient;
  const key = queue.keys.events;
  if (key === undefined) return 0;
  let removed = 0;
  let start = '-';
  for (;;) {
    const page = await client.xrange(key, start, '+', 'COUNT', EVENTS_PAGE);
    const doomed = page
      .filter(([, fields]) => {
        const at = fields.indexOf('jobId');
        return at >= 0 && at % 2 === 0 && belongs(fields[at + 1] ?? '');
      })
      .map(([id]) => id);
    if (doomed.length > 0) removed += await client.xdel(key, ...doomed);
    if (page.length < EVENTS_PAGE) return removed;
    start = `(${page[page.length - 1]![0]}`;
  }
}
