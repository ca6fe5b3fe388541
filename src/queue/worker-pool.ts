import { type Job, Queue, Worker } from 'bullmq';
import type { TrainPayload } from '../../jobs/train.job.ts';
import type { RedisClient } from '../store/redis-client.ts';
import type { JobDeps } from '../../jobs/job-deps.ts';
import type { CycleLauncher } from './cycle-launcher.ts';
import { JOB_RETENTION } from './job-retention.ts';
import { bullErrorListener } from './connection-errors.ts';
import { bullPrefix, QUEUES } from './queue-names.ts';
import type { ScheduledJobData } from './schedule-reconciler.ts';
import { isFinalFailure, onFinalFailure, processJob, WORKER_SHUTDOWN } from './step-processor.ts';

export interface WorkerPoolOptions {
  /** A connection factory: BullMQ workers need their own blocking connections. */
  connection: () => RedisClient;
  prefix: string;
  deps: JobDeps;
  launcher: CycleLauncher;
  /** Jobs per queue processed at once in this process. Default 4. */
  concurrency?: number;
  /** Job lock duration and stalled-check interval in ms: how soon a crashed worker's job is taken over. Default 30,000. */
  lockDurationMs?: number;
}

/**
 * The workers of one process: cycle steps, schedule triggers and training. More processes (on more
 * machines) can run the same pool against the same Redis; BullMQ shares the work.
 */
export class WorkerPool {
  readonly #workers: Worker[];
  readonly #deps: JobDeps;
  readonly #trainQueue: Queue;
  /** Aborted (reason WORKER_SHUTDOWN) when the pool closes: cancels every step it runs. */
  readonly #stop = new AbortController();
  /** Failed runs being recorded: close() waits for them before the connections go. */
  readonly #recording = new Set<Promise<void>>();

  constructor(options: WorkerPoolOptions) {
    const { deps, launcher } = options;
    this.#deps = deps;
    const lock = options.lockDurationMs ?? 30_000;
    const common = {
      prefix: bullPrefix(options.prefix),
      concurrency: options.concurrency ?? 4,
      lockDuration: lock,
      stalledInterval: lock,
    };
    // A job's signal aborts when BullMQ cancels it or when this process stops: also a job fetched
    // after the stop began (a fetch in flight), which cancelAllJobs would not reach.
    const withStop = (signal: AbortSignal | undefined) =>
      signal === undefined ? this.#stop.signal : AbortSignal.any([signal, this.#stop.signal]);
    const cycle = new Worker(
      QUEUES.cycle,
      (job, token, signal) => processJob(job, token, deps, withStop(signal)),
      {
        ...common,
        connection: options.connection(),
      },
    );
    cycle.on('failed', (job, error) => {
      if (job && isFinalFailure(job, error))
        this.#track(this.#safely(() => onFinalFailure(job, error, deps)));
    });
    this.#trainQueue = new Queue(QUEUES.train, {
      connection: options.connection(),
      prefix: bullPrefix(options.prefix),
    });
    const schedule = new Worker(
      QUEUES.schedule,
      async (job: Job<ScheduledJobData>) => {
        if (job.data.trigger === 'train') {
          const payload: TrainPayload = {
            tenantId: job.data.tenantId,
            asOf: new Date(deps.now()).toISOString(),
            seed: 1,
          };
          // One training per tenant and scheduled slot, even if the trigger job runs twice.
          const queued = await this.#trainQueue.add('train', payload, {
            jobId: `train-${job.data.tenantId}-${job.id ?? 'now'}`.replaceAll(':', '-'),
            attempts: 2,
            ...JOB_RETENTION,
          });
          return { trainJobId: queued.id };
        }
        const result = await launcher.start({ tenantId: job.data.tenantId, trigger: job.data.trigger });
        return result.started
          ? { runId: result.runId }
          : { skipped: result.reason, runningRunId: result.runId };
      },
      { ...common, connection: options.connection() },
    );
    const train = new Worker(
      QUEUES.train,
      (job, token, signal) => processJob(job, token, deps, withStop(signal)),
      {
        ...common,
        concurrency: 1,
        connection: options.connection(),
      },
    );
    this.#workers = [cycle, schedule, train];
    for (const w of this.#workers) w.on('error', bullErrorListener(deps.logger, `worker ${w.name}`));
    this.#trainQueue.on('error', bullErrorListener(deps.logger, 'train queue'));
  }

  #track(recording: Promise<void>): void {
    this.#recording.add(recording);
    void recording.finally(() => this.#recording.delete(recording));
  }

  async #safely(fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (err) {
      this.#deps.logger.error({ err }, 'recording a failed run failed');
    }
  }

  async waitUntilReady(): Promise<void> {
    await Promise.all(this.#workers.map((w) => w.waitUntilReady()));
  }

  /**
   * Stop taking jobs, cancel the active ones (their AbortSignal stops the CRM calls in flight and
   * the waits for a rate limit; each saved its progress page by page or batch by batch and is put
   * back in the queue, without using an attempt, for any worker to resume), and wait for them to
   * end and for failed runs being recorded.
   */
  async close(force = false): Promise<void> {
    this.#stop.abort(WORKER_SHUTDOWN);
    await Promise.all(this.#workers.map((w) => w.close(force)));
    await Promise.all(this.#recording);
    await this.#trainQueue.close();
  }
}
