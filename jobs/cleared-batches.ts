import { setTimeout as delay } from 'node:timers/promises';
import type { TenantStateStore } from '../src/store/tenant-state.store.ts';
import type { JobDeps } from './job-deps.ts';

/**
 * Wait until every CRM batch an effect fence cleared so far (by any worker) must have landed or
 * been dropped: `deps.inFlightGraceMs` after the last clearance, on Redis's clock. A step that
 * resumes another attempt's effects waits here before it reads what landed, so that a batch still
 * on the wire is not sent twice.
 */
export async function waitForClearedBatches(
  store: TenantStateStore,
  deps: Pick<JobDeps, 'inFlightGraceMs'>,
  signal: AbortSignal | undefined,
): Promise<void> {
  const since = await store.written.msSinceEffectCleared();
  const grace = deps.inFlightGraceMs ?? 32_000;
  if (since !== null && since < grace) await delay(grace - since, undefined, signal ? { signal } : {});
}
