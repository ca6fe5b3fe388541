import { Queue, QueueEvents } from 'bullmq';
import type { RedisClient } from '../store/redis-client.ts';
import type { TrainPayload } from '../../jobs/train.job.ts';
import type { CalibrationReport } from '../scoring/index.ts';
import { JOB_RETENTION } from '../queue/job-retention.ts';
import { bullPrefix, QUEUES } from '../queue/queue-names.ts';
import type { CrmConnector } from '../../connectors/crm-connector.ts';
import { SEND_WINDOW_MS } from '../../connectors/shared/send-permit.ts';
import type { JobDeps, StepProgress } from '../../jobs/job-deps.ts';
import type { Tenant } from '../domain/index.ts';
import type { RunSummary } from '../../jobs/finalize.job.ts';
import { bullErrorListener } from '../queue/connection-errors.ts';
import { CycleLauncher, type StartCycleRequest } from '../queue/cycle-launcher.ts';
import { AppError } from '../shared/app-error.ts';
import { ScheduleReconciler } from '../queue/schedule-reconciler.ts';
import { WorkerPool } from '../queue/worker-pool.ts';
import type { Logger } from '../shared/logger.ts';
import type { RedisEndpoint } from '../store/redis-connection.ts';
import { RedisRateBudget } from '../store/redis-rate-budget.ts';
import type { FenceDurability } from '../store/effect-fence.ts';
import { TenantStateStore } from '../store/tenant-state.store.ts';
import { type ConnectorSettings, connectorCache } from './connector-factory.ts';

export interface RuntimeOptions {
  redis: RedisEndpoint;
  prefix: string;
  logger: Logger;
  /** The configured tenants; replaced with `setTenants` on a configuration change. */
  tenants: readonly Tenant[];
  /** Override the connector factory (tests inject connectors built with test options). */
  connector?: (tenant: Tenant) => CrmConnector;
  /** Settings of the connectors this runtime builds (ignored with `connector`). */
  connectorSettings?: ConnectorSettings;
  concurrency?: number;
  /** Worker job lock in ms (see WORKER_LOCK_MS). */
  lockDurationMs?: number;
  now?: () => number;
  onProgress?: (progress: StepProgress) => void;
  /** Lifetime of a tenant's cycle lock without a refresh (default CYCLE_LOCK_TTL_MS, 2 hours). */
  cycleLockTtlMs?: number;
  /** Replicas that must hold a fence's write before its CRM batch is sent (REDIS_WAIT_REPLICAS). */
  fenceDurability?: FenceDurability;
  /** Start workers in this process (false: only enqueue, e.g. `run` against remote workers). */
  workers?: boolean;
}

/** The wired system of one process: state, queues, workers and schedules over one Redis. */
export class Runtime {
  readonly deps: JobDeps;
  readonly launcher: CycleLauncher;
  readonly schedules: ScheduleReconciler;
  readonly pool: WorkerPool | null;
  readonly client: RedisClient;
  #tenants: Map<string, Tenant>;
  readonly #connections: RedisClient[] = [];
  /** The key prefix of this deployment (PH_PREFIX); BullMQ's is `bullPrefix(prefix)`. */
  readonly prefix: string;
  readonly #connect: () => RedisClient;

  constructor(options: RuntimeOptions) {
    const connect = () => {
      const c = options.redis.createClient();
      this.#connections.push(c);
      return c;
    };
    this.client = connect();
    this.prefix = options.prefix;
    this.#connect = connect;
    this.#tenants = new Map(options.tenants.map((t) => [t.id, t]));
    const stores = new Map<string, TenantStateStore>();
    const store = (tenantId: string) => {
      let s = stores.get(tenantId);
      if (!s) {
        s = new TenantStateStore(this.client, options.prefix, tenantId, {
          ...(options.cycleLockTtlMs === undefined ? {} : { cycleLockTtlMs: options.cycleLockTtlMs }),
          ...(options.fenceDurability === undefined ? {} : { fenceDurability: options.fenceDurability }),
        });
        stores.set(tenantId, s);
      }
      return s;
    };
    const now = options.now ?? Date.now;
    this.deps = {
      tenant: async (id) => this.#tenants.get(id) ?? null,
      store,
      connector:
        options.connector ??
        connectorCache(options.logger, {
          // One rate budget per CRM account for every process on this Redis (issue 14 item 7).
          sharedBudget: new RedisRateBudget(this.client, options.prefix),
          ...options.connectorSettings,
        }),
      now,
      // A batch cleared by a fence may leave within the send window, then take the request deadline.
      inFlightGraceMs: SEND_WINDOW_MS + (options.connectorSettings?.requestTimeoutMs ?? 30_000),
      logger: options.logger,
      ...(options.onProgress ? { onProgress: options.onProgress } : {}),
    };
    this.launcher = new CycleLauncher({ connection: connect(), prefix: options.prefix, store, now });
    this.schedules = new ScheduleReconciler({ connection: connect(), prefix: options.prefix });
    this.launcher.onError(bullErrorListener(options.logger, 'flow producer'));
    this.schedules.queue.on('error', bullErrorListener(options.logger, 'schedule queue'));
    this.pool =
      options.workers === false
        ? null
        : new WorkerPool({
            connection: connect,
            prefix: options.prefix,
            deps: this.deps,
            launcher: this.launcher,
            concurrency: options.concurrency ?? 4,
            ...(options.lockDurationMs === undefined ? {} : { lockDurationMs: options.lockDurationMs }),
          });
  }

  tenantList(): Tenant[] {
    return [...this.#tenants.values()];
  }

  /** Replace the tenant configuration and reconcile the schedulers to it. */
  async setTenants(tenants: readonly Tenant[]): Promise<void> {
    this.#tenants = new Map(tenants.map((t) => [t.id, t]));
    await this.schedules.reconcile(tenants);
  }

  /**
   * Start a cycle (or join the one already running for the tenant) and wait for its run summary.
   * Polls the tenant's run history, so it sees failed runs too, whichever process ran them.
   */
  async runCycle(request: StartCycleRequest, options: { timeoutMs?: number } = {}): Promise<RunSummary> {
    if (!this.#tenants.has(request.tenantId)) {
      throw new AppError('TENANT_NOT_FOUND', `Tenant "${request.tenantId}" is not configured`);
    }
    const started = await this.launcher.start(request);
    const runId = started.runId;
    if (runId === null) throw new AppError('INTERNAL', 'A cycle is running but its run id is unknown');
    const store = this.deps.store(request.tenantId);
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    while (Date.now() < deadline) {
      const found = (await store.runs.recent(50)).find((r) => r.runId === runId);
      if (found) return found as unknown as RunSummary;
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    throw new AppError('INTERNAL', `Run ${runId} did not finish within ${options.timeoutMs ?? 1_800_000} ms`);
  }

  /** Fit the tenant's model through the train queue and wait for its quality report. */
  async runTraining(tenantId: string, options: { timeoutMs?: number } = {}): Promise<CalibrationReport> {
    if (!this.#tenants.has(tenantId))
      throw new AppError('TENANT_NOT_FOUND', `Tenant "${tenantId}" is not configured`);
    const queue = new Queue(QUEUES.train, { connection: this.#connect(), prefix: bullPrefix(this.prefix) });
    const events = new QueueEvents(QUEUES.train, {
      connection: this.#connect(),
      prefix: bullPrefix(this.prefix),
    });
    try {
      await events.waitUntilReady();
      const payload: TrainPayload = { tenantId, asOf: new Date(this.deps.now()).toISOString(), seed: 1 };
      const job = await queue.add('train', payload, {
        attempts: 2,
        ...JOB_RETENTION,
      });
      return (await job.waitUntilFinished(events, options.timeoutMs ?? 30 * 60_000)) as CalibrationReport;
    } finally {
      await events.close();
      await queue.close();
    }
  }

  /**
   * Queue a model training for the tenant and return its job id without waiting (the admin API's
   * "train now"); the quality report lands in the tenant's state when the job finishes.
   */
  async startTraining(tenantId: string): Promise<string> {
    if (!this.#tenants.has(tenantId))
      throw new AppError('TENANT_NOT_FOUND', `Tenant "${tenantId}" is not configured`);
    const connection = this.#connect();
    const queue = new Queue(QUEUES.train, { connection, prefix: bullPrefix(this.prefix) });
    try {
      const payload: TrainPayload = { tenantId, asOf: new Date(this.deps.now()).toISOString(), seed: 1 };
      const job = await queue.add('train', payload, {
        attempts: 2,
        ...JOB_RETENTION,
      });
      return job.id ?? 'unknown';
    } finally {
      await queue.close();
      // Called per request: let the connection go now rather than at close().
      connection.disconnect();
      this.#connections.splice(this.#connections.indexOf(connection), 1);
    }
  }

  /**
   * Redis is gone: drop every connection now (a graceful close would wait for Redis forever). Jobs
   * in flight are left to BullMQ's stalled-job recovery once Redis is back.
   */
  abandon(): void {
    for (const c of this.#connections) c.disconnect();
  }

  /** Graceful shutdown: workers cancel their active steps and put them back in the queue, then connections close. */
  async close(): Promise<void> {
    await this.pool?.close();
    await this.launcher.close();
    await this.schedules.close();
    for (const c of this.#connections) c.disconnect();
  }
}
