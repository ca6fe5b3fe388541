import { RUN_DURATION_BUCKETS, type RunCountersStore } from '../store/run-counters.store.ts';
import type { TenantStateStore } from '../store/tenant-state.store.ts';

function label(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

function runSeconds(run: Record<string, unknown>): number {
  let ms = 0;
  for (const step of Object.values((run.steps ?? {}) as Record<string, Record<string, unknown>>)) {
    ms += typeof step.durationMs === 'number' ? step.durationMs : 0;
  }
  return ms / 1000;
}

/**
 * Prometheus-convention run metrics in text format: `ph_runs_total`, `ph_api_calls_total` and
 * `ph_rate_limited_total` counters and the `ph_run_duration_seconds` histogram, from the
 * monotonic counters in Redis (each finished run absorbed once, see RunCountersStore).
 */
export async function runCounterMetricsText(
  tenantIds: readonly string[],
  store: (tenantId: string) => TenantStateStore,
  counters: RunCountersStore,
): Promise<string> {
  const lines = {
    runs: [] as string[],
    calls: [] as string[],
    limited: [] as string[],
    duration: [] as string[],
  };
  for (const tenant of tenantIds) {
    await counters.absorb(tenant, await store(tenant).runs.recent(50), runSeconds);
    const c = await counters.read(tenant);
    const t = `tenant="${label(tenant)}"`;
    for (const [status, n] of Object.entries(c.runs))
      lines.runs.push(`ph_runs_total{${t},status="${label(status)}"} ${n}`);
    lines.calls.push(`ph_api_calls_total{${t}} ${c.apiCalls}`);
    lines.limited.push(`ph_rate_limited_total{${t}} ${c.rateLimited}`);
    for (const le of RUN_DURATION_BUCKETS) {
      lines.duration.push(
        `ph_run_duration_seconds_bucket{${t},le="${le}"} ${c.duration.buckets[String(le)] ?? 0}`,
      );
    }
    lines.duration.push(`ph_run_duration_seconds_bucket{${t},le="+Inf"} ${c.duration.count}`);
    lines.duration.push(`ph_run_duration_seconds_sum{${t}} ${c.duration.sum}`);
    lines.duration.push(`ph_run_duration_seconds_count{${t}} ${c.duration.count}`);
  }
  const block = (name: string, type: string, help: string, body: string[]) =>
    [`# HELP ${name} ${help}`, `# TYPE ${name} ${type}`, ...body].join('\n');
  return `${[
    block('ph_runs_total', 'counter', 'Finished cycle runs by status', lines.runs),
    block('ph_api_calls_total', 'counter', 'CRM API calls made by finished runs', lines.calls),
    block('ph_rate_limited_total', 'counter', 'CRM 429 / limit refusals met by finished runs', lines.limited),
    block('ph_run_duration_seconds', 'histogram', 'Run duration (sum of its steps)', lines.duration),
  ].join('\n')}\n`;
}
