import { randomBytes } from 'node:crypto';
import { FlowProducer, type FlowJob, type Job } from 'bullmq';
import type { RedisClient } from '../store/redis-client.ts';
import type { CyclePayload } from '../../jobs/cycle-payload.ts';
import type { TenantStateStore } from '../store/tenant-state.store.ts';
import { JOB_RETENTION } from './job-retention.ts';
import { bullPrefix, QUEUES } from './queue-names.ts';
import { CYCLE_STEPS } from './step-registry.ts';

export interface StartCycleRequest {
  tenantId: string;
  trigger: CyclePayload['trigger'];
  fullResync?: boolean;
  /** Score as of this moment; default now. */
  asOf?: number;
}

export type StartCycleResult =
  | { started: true; runId: string; job: Job }
  | { started: false; runId: string | null; reason: 'already_running' };

/** Sortable, unique, and free of ':' (BullMQ job ids may not contain it). */
function newRunId(tenantId: string, now: number): string {
  const stamp = new Date(now)
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return `${tenantId}.${stamp}.${randomBytes(3).toString('hex')}`;
}

/**
 * Starts tenant cycles as BullMQ flows: sync -> score -> write-back -> alert -> finalize, each a
 * child of the next with `failParentOnFailure`, so a failed step fails the run visibly and nothing
 * waits forever. At most one cycle per tenant runs at a time (a Redis lock held by the run).
 */
export class CycleLauncher {
  readonly #flows: FlowProducer;
  readonly #storeFor: (tenantId: string) => TenantStateStore;
  readonly #now: () => number;

  constructor(options: {
    connection: RedisClient;
    prefix: string;
    store: (tenantId: string) => TenantStateStore;
    now?: () => number;
  }) {
    this.#flows = new FlowProducer({ connection: options.connection, prefix: bullPrefix(options.prefix) });
    this.#storeFor = options.store;
    this.#now = options.now ?? Date.now;
  }

  /** Errors of the flow producer's connection (see connection-errors.ts). */
  onError(listener: (err: Error) => void): void {
    this.#flows.on('error', listener);
  }

  async start(request: StartCycleRequest): Promise<StartCycleResult> {
    const now = this.#now();
    const runId = newRunId(request.tenantId, now);
    const store = this.#storeFor(request.tenantId);
    const lock = await store.runs.acquireCycleLock(runId, store.runs.cycleLockTtlMs);
    if (!lock.acquired) return { started: false, runId: lock.holder, reason: 'already_running' };
    const payload: CyclePayload = {
      tenantId: request.tenantId,
      runId,
      trigger: request.trigger,
      asOf: new Date(request.asOf ?? now).toISOString(),
      fullResync: request.fullResync ?? false,
    };
    try {
      const node = await this.#flows.add(buildFlow(payload));
      return { started: true, runId, job: node.job };
    } catch (err) {
      await store.runs.releaseCycleLock(runId);
      throw err;
    }
  }

  async close(): Promise<void> {
    await this.#flows.close();
  }
}

/** The flow tree: the last step is the root, the first the deepest child. */
function buildFlow(payload: CyclePayload): FlowJob {
  let child: FlowJob | undefined;
  for (const step of CYCLE_STEPS) {
    const node: FlowJob = {
      name: step.name,
      queueName: QUEUES.cycle,
      data: payload,
      opts: {
        jobId: `${payload.runId}-${step.name}`,
        attempts: step.retry.attempts,
        backoff: step.retry.backoff,
        failParentOnFailure: true,
        ...JOB_RETENTION,
      },
      ...(child === undefined ? {} : { children: [child] }),
    };
    child = node;
  }
  return child!;
}
