import type { Queue } from 'bullmq';
import type { AccessToken } from '../config/admin-tokens.ts';
import type { Tenant } from '../domain/index.ts';
import type { Logger } from '../shared/logger.ts';
import type { TenantRegistryStore } from '../store/tenant-registry.store.ts';
import type { TenantStateStore } from '../store/tenant-state.store.ts';
import type { IdempotencyStore } from '../store/idempotency.store.ts';
import type { RunCountersStore } from '../store/run-counters.store.ts';
import type { AuditLog } from './audit-log.ts';

/** What "run now" reports: a new run, or the run already holding the tenant's cycle lock. */
type StartRunOutcome = { started: true; runId: string } | { started: false; runId: string | null };

/** CRM API usage as the status route shows it (structurally the connector's ApiUsage). */
interface ApiUsageView {
  calls: number;
  rateLimited: number;
  daily: { used: number | null; max: number | null };
}

/**
 * Everything the admin server needs, injected by the composition root (src/cli), so the server
 * holds no globals and tests can hand it a real or a stub runtime.
 */
export interface AdminDeps {
  /**
   * Accepted bearer tokens (ADMIN_TOKENS): scoped tokens, or bare strings (admin tokens named
   * token-1, token-2, ...). Empty: every authenticated route answers 401.
   */
  tokens: readonly (string | AccessToken)[];
  /** Monotonic run counters behind ph_runs_total and ph_run_duration_seconds. Default none (not exported). */
  runCounters?: RunCountersStore;
  /** Idempotency keys of run-now requests. Without it the `Idempotency-Key` header is ignored. */
  idempotency?: IdempotencyStore;
  /**
   * False while a Redis connection is lost: every route but the probes answers 503 REDIS_UNAVAILABLE
   * at once instead of waiting for the client to reconnect. Default: always ready.
   */
  redisReady?: () => boolean;
  /** Where changes are recorded (GET /audit). Default: in memory, this process only. */
  audit?: AuditLog;
  /** Failed authentications per client address before 429. Default 10 in 5 minutes. */
  authFailureLimit?: { limit: number; windowMs: number };
  logger: Logger;
  /** Tenants of the tenants file: listed, read-only through the API. */
  fileTenants: () => readonly Tenant[];
  /** Tenants created through the API (encrypted credentials). */
  registry: TenantRegistryStore;
  /** Apply the merged tenant list to the running system (Runtime.setTenants: schedules reconcile). */
  applyTenants: (tenants: readonly Tenant[]) => Promise<void>;
  /** The per-tenant state store (runs, results, quarantine, reports). */
  store: (tenantId: string) => TenantStateStore;
  /** Start a cycle now (trigger "manual"). */
  startRun: (request: { tenantId: string; fullResync: boolean }) => Promise<StartRunOutcome>;
  /** Enqueue a model training run; resolves with the job id once queued (not when finished). */
  startTraining: (tenantId: string) => Promise<{ jobId: string }>;
  /** The CRM API usage this process has seen for the tenant (calls, 429s, daily used/max), if known. */
  apiUsage?: (tenantId: string) => ApiUsageView | null;
  /** True when Redis answers PING (readiness). */
  ping: () => Promise<boolean>;
  /** Queues shown on the dashboard (/queues) and counted in ph_queue_jobs. Default none (no dashboard). */
  queues?: readonly Queue[];
  /** Export Node process metrics at /metrics. Default true. */
  processMetrics?: boolean;
  /** How long /readyz waits for PING before answering 503, in ms. Default 2,000. */
  readyTimeoutMs?: number;
  /** Proxy addresses/CIDRs whose X-Forwarded-* headers are trusted (ADMIN_TRUST_PROXY). Default none. */
  trustProxy?: string[];
  /** Request body limit in bytes. Default 65,536 (64 KiB). */
  bodyLimit?: number;
  /** Clock for schedule previews. Default Date.now. */
  now?: () => number;
}
