import { Queue } from 'bullmq';
import type { RedisClient } from '../store/redis-client.ts';
import type { Tenant } from '../domain/index.ts';
import { bullPrefix, QUEUES } from './queue-names.ts';
import { JOB_RETENTION } from './job-retention.ts';

/** What a scheduler's job carries: which tenant, and why. */
export interface ScheduledJobData {
  tenantId: string;
  trigger: 'nightly' | 'incremental' | 'train';
}

/** Weekly model training: Sunday 03:00 in the tenant's time zone (after the nightly run). */
const WEEKLY_TRAINING_CRON = '0 3 * * 0';

export interface ScheduleChange {
  upserted: string[];
  removed: string[];
}

function nightlyId(tenantId: string): string {
  return `nightly-${tenantId}`;
}
function incrementalId(tenantId: string): string {
  return `incremental-${tenantId}`;
}
function trainingId(tenantId: string): string {
  return `train-${tenantId}`;
}

/**
 * Keeps BullMQ job schedulers equal to the tenant configuration: a nightly cron in the tenant's
 * time zone, an incremental interval and a weekly model training per tenant. Upserts are idempotent (scheduler ids are
 * fixed per tenant, so they are never duplicated, across restarts or processes); schedulers of
 * removed tenants or turned-off intervals are removed.
 */
export class ScheduleReconciler {
  readonly queue: Queue;

  constructor(options: { connection: RedisClient; prefix: string }) {
    this.queue = new Queue(QUEUES.schedule, {
      connection: options.connection,
      prefix: bullPrefix(options.prefix),
    });
  }

  /**
   * @param options.startDate no scheduled run before this moment (default: now). Lets a test walk a
   * schedule across a daylight-saving change deterministically by promoting its delayed jobs.
   */
  async reconcile(tenants: readonly Tenant[], options: { startDate?: Date } = {}): Promise<ScheduleChange> {
    const start = options.startDate === undefined ? {} : { startDate: options.startDate };
    const wanted = new Set<string>();
    const upserted: string[] = [];
    for (const tenant of tenants) {
      const nightly = nightlyId(tenant.id);
      wanted.add(nightly);
      await this.queue.upsertJobScheduler(
        nightly,
        { pattern: tenant.schedule.nightly, tz: tenant.timezone, ...start },
        {
          name: 'nightly',
          data: { tenantId: tenant.id, trigger: 'nightly' } satisfies ScheduledJobData,
          opts: JOB_RETENTION,
        },
      );
      upserted.push(nightly);
      const training = trainingId(tenant.id);
      wanted.add(training);
      await this.queue.upsertJobScheduler(
        training,
        { pattern: WEEKLY_TRAINING_CRON, tz: tenant.timezone, ...start },
        {
          name: 'train',
          data: { tenantId: tenant.id, trigger: 'train' } satisfies ScheduledJobData,
          opts: JOB_RETENTION,
        },
      );
      upserted.push(training);
      const minutes = tenant.schedule.incrementalEveryMinutes;
      if (minutes > 0) {
        const incremental = incrementalId(tenant.id);
        wanted.add(incremental);
        await this.queue.upsertJobScheduler(
          incremental,
          { every: minutes * 60_000, ...start },
          {
            name: 'incremental',
            data: { tenantId: tenant.id, trigger: 'incremental' } satisfies ScheduledJobData,
            opts: JOB_RETENTION,
          },
        );
        upserted.push(incremental);
      }
    }
    const removed: string[] = [];
    for (const scheduler of await this.queue.getJobSchedulers(0, -1)) {
      const id = scheduler.key;
      if (!wanted.has(id)) {
        await this.queue.removeJobScheduler(id);
        removed.push(id);
      }
    }
    return { upserted, removed };
  }

  async list(): Promise<
    { id: string; pattern: string | null; every: number | null; tz: string | null; next: number | null }[]
  > {
    const all = await this.queue.getJobSchedulers(0, -1, true);
    return all.map((s) => ({
      id: s.key,
      pattern: s.pattern ?? null,
      every: s.every === undefined ? null : Number(s.every),
      tz: s.tz ?? null,
      next: s.next ?? null,
    }));
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}
