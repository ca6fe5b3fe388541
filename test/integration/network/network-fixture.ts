import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RunSummary } from '../../../jobs/finalize.job.ts';
import { Runtime } from '../../../src/cli/runtime.ts';
import type { Tenant } from '../../../src/domain/index.ts';
import type { RedisEndpoint } from '../../../src/store/redis-connection.ts';
import { until } from '../../support/until.ts';
import { testLogger } from '../pipeline/harness.ts';

/**
 * One scenario's wiring: a tenants file, the environment of its worker processes, and an
 * enqueue-only runtime in the test process (the workers are the child processes).
 */
export interface Scenario {
  prefix: string;
  env: Record<string, string>;
  runtime: Runtime;
  /** Start a manual cycle for the tenant; returns its run id. */
  start(tenantId: string): Promise<string>;
  /** Wait for the run's summary (completed or failed). */
  finished(tenantId: string, runId: string, timeoutMs?: number): Promise<RunSummary>;
  close(): Promise<void>;
}

export function scenario(
  redis: RedisEndpoint,
  tenants: Tenant[],
  env: Record<string, string> = {},
): Scenario {
  const prefix = `n${randomUUID().slice(0, 8)}`;
  const dir = mkdtempSync(join(tmpdir(), 'ph-net-'));
  const tenantsFile = join(dir, 'tenants.json');
  writeFileSync(tenantsFile, JSON.stringify({ tenants }));
  const runtime = new Runtime({ redis, prefix, logger: testLogger(), tenants, workers: false });
  return {
    prefix,
    env: {
      REDIS_URL: redis.url,
      PH_PREFIX: prefix,
      TENANTS_FILE: tenantsFile,
      WORKER_CONCURRENCY: '1',
      ...env,
    },
    runtime,
    async start(tenantId) {
      const started = await runtime.launcher.start({ tenantId, trigger: 'manual' });
      if (!started.started || started.runId === null) throw new Error('the cycle did not start');
      return started.runId;
    },
    async finished(tenantId, runId, timeoutMs = 120_000) {
      const store = runtime.deps.store(tenantId);
      let found: Record<string, unknown> | undefined;
      await until(
        async () => {
          found = (await store.runs.recent(50)).find((r) => r.runId === runId);
          return found !== undefined;
        },
        `run ${runId} to finish`,
        timeoutMs,
      );
      return found as unknown as RunSummary;
    },
    close: () => runtime.close(),
  };
}
