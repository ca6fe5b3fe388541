import type { JobType, Queue } from 'bullmq';
import { collectDefaultMetrics, Gauge, Registry } from 'prom-client';
import type { TenantStateStore } from '../store/tenant-state.store.ts';

/** Queue states reported as ph_queue_jobs. */
const QUEUE_STATES: JobType[] = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
];

export interface AdminMetricsOptions {
  /** Tenant ids to report on (file + API tenants). */
  tenantIds: () => Promise<string[]>;
  store: (tenantId: string) => TenantStateStore;
  /** Queues whose depth is reported. Default none. */
  queues?: readonly Queue[];
  /** Also export Node process metrics (CPU, memory, event loop). Default true. */
  processMetrics?: boolean;
}

function stepSeconds(run: Record<string, unknown>): number {
  let ms = 0;
  for (const step of Object.values((run.steps ?? {}) as Record<string, Record<string, unknown>>)) {
    ms += typeof step.durationMs === 'number' ? step.durationMs : 0;
  }
  return ms / 1000;
}

/**
 * Prometheus metrics read from Redis at scrape time, so they describe every worker process's
 * runs, not just this one's, and survive restarts. One registry per server (no global state).
 */
export function createAdminMetrics(options: AdminMetricsOptions): Registry {
  const registry = new Registry();
  // prom-client's names already start with process_ / nodejs_: the prefix is ph_, not ph_process_.
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry, prefix: 'ph_' });

  // One Redis pass per scrape feeds every tenant gauge; each gauge's collect awaits the same pass.
  let pass: Promise<TenantFigures[]> | null = null;
  const figures = () => {
    pass ??= readFigures(options).finally(() => {
      setTimeout(() => {
        pass = null;
      }, 0);
    });
    return pass;
  };

  const gauge = (
    name: string,
    help: string,
    labelNames: string[],
    fill: (g: Gauge, f: TenantFigures[]) => void,
  ) =>
    new Gauge({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        fill(this, await figures());
      },
    });

  gauge(
    'ph_runs',
    'Recent cycle runs by status (the last 50 kept per tenant)',
    ['tenant', 'status'],
    (g, all) => {
      for (const f of all)
        for (const [status, n] of Object.entries(f.runsByStatus)) g.set({ tenant: f.tenant, status }, n);
    },
  );
  gauge(
    'ph_last_run_duration_seconds',
    'Duration of the latest finished run (sum of its steps)',
    ['tenant'],
    (g, all) => {
      for (const f of all) if (f.lastDuration !== null) g.set({ tenant: f.tenant }, f.lastDuration);
    },
  );
  gauge(
    'ph_last_run_finished_timestamp_seconds',
    'When the latest run finished',
    ['tenant', 'status'],
    (g, all) => {
      for (const f of all)
        if (f.lastFinished) g.set({ tenant: f.tenant, status: f.lastFinished.status }, f.lastFinished.at);
    },
  );
  gauge(
    'ph_last_success_timestamp_seconds',
    'When the latest completed run of the tenant finished (alert when it is too old)',
    ['tenant'],
    (g, all) => {
      for (const f of all) if (f.lastSuccessAt !== null) g.set({ tenant: f.tenant }, f.lastSuccessAt);
    },
  );
  gauge('ph_api_calls', 'CRM API calls made by the recent runs', ['tenant'], (g, all) => {
    for (const f of all) g.set({ tenant: f.tenant }, f.apiCalls);
  });
  gauge('ph_rate_limited', 'CRM 429 / limit refusals met by the recent runs', ['tenant'], (g, all) => {
    for (const f of all) g.set({ tenant: f.tenant }, f.rateLimited);
  });
  gauge(
    'ph_quarantined_records',
    'Records quarantined since the tenant was added (monotonic)',
    ['tenant'],
    (g, all) => {
      for (const f of all) g.set({ tenant: f.tenant }, f.quarantined);
    },
  );
  gauge('ph_cycle_running', '1 while a cycle holds the tenant lock', ['tenant'], (g, all) => {
    for (const f of all) g.set({ tenant: f.tenant }, f.running ? 1 : 0);
  });

  new Gauge({
    name: 'ph_queue_jobs',
    help: 'Jobs per queue and state',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      for (const queue of options.queues ?? []) {
        const counts = await queue.getJobCounts(...QUEUE_STATES);
        for (const state of QUEUE_STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
      }
    },
  });
  return registry;
}

interface TenantFigures {
  tenant: string;
  runsByStatus: Record<string, number>;
  lastDuration: number | null;
  lastFinished: { status: string; at: number } | null;
  lastSuccessAt: number | null;
  apiCalls: number;
  rateLimited: number;
  quarantined: number;
  running: boolean;
}

async function readFigures(options: AdminMetricsOptions): Promise<TenantFigures[]> {
  const ids = await options.tenantIds();
  return Promise.all(
    ids.map(async (tenant) => {
      const store = options.store(tenant);
      const [runs, quarantined, holder] = await Promise.all([
        store.runs.recent(50),
        store.sync.quarantineCount(),
        store.runs.cycleLockHolder(),
      ]);
      const runsByStatus: Record<string, number> = {};
      let apiCalls = 0;
      let rateLimited = 0;
      for (const run of runs) {
        const status = String(run.status ?? 'unknown');
        runsByStatus[status] = (runsByStatus[status] ?? 0) + 1;
        apiCalls += typeof run.apiCalls === 'number' ? run.apiCalls : 0;
        rateLimited += typeof run.rateLimited === 'number' ? run.rateLimited : 0;
      }
      const last = runs[0];
      const success = runs.find((r) => r.status === 'completed' && typeof r.finishedAt === 'string');
      const successAt = success ? Date.parse(String(success.finishedAt)) / 1000 : Number.NaN;
      const finishedAt = typeof last?.finishedAt === 'string' ? Date.parse(last.finishedAt) : Number.NaN;
      return {
        tenant,
        runsByStatus,
        lastDuration: last ? stepSeconds(last) : null,
        lastFinished:
          last && !Number.isNaN(finishedAt) ? { status: String(last.status), at: finishedAt / 1000 } : null,
        lastSuccessAt: Number.isNaN(successAt) ? null : successAt,
        apiCalls,
        rateLimited,
        quarantined,
        running: holder !== null,
      };
    }),
  );
}
