import type { CrmConnector } from '../connectors/crm-connector.ts';
import type { Tenant } from '../src/domain/index.ts';
import type { Logger } from '../src/shared/logger.ts';
import type { TenantStateStore } from '../src/store/tenant-state.store.ts';

/** Progress of a long step, reported to logs and the terminal. */
export interface StepProgress {
  tenantId: string;
  runId: string;
  step: string;
  done: number;
  total: number | null;
  unit: string;
  ratePerSecond: number;
}

/**
 * What jobs get injected (STYLE.md #6): the composition root (src/cli) builds real ones; tests
 * build them over a real Redis and the sandbox. Jobs never import a concrete connector.
 */
export interface JobDeps {
  /** The tenant's configuration, or null when it was removed. */
  tenant(tenantId: string): Promise<Tenant | null>;
  store(tenantId: string): TenantStateStore;
  /** The tenant's connector; one instance per tenant per process (shared token and limiter). */
  connector(tenant: Tenant): CrmConnector;
  /** Wall clock in epoch ms (injected so tests control "now"). */
  now(): number;
  /**
   * How long a CRM batch may still land after an effect fence cleared it: the send window
   * (SEND_WINDOW_MS) plus the connectors' request deadline (CRM_REQUEST_TIMEOUT_MS). Write-back
   * recovery reads the CRM, and an alert step that resumes another attempt's reservations looks for
   * their tasks, only this long after the last clearance. Default 32,000.
   */
  inFlightGraceMs?: number;
  logger: Logger;
  onProgress?: (progress: StepProgress) => void;
}
