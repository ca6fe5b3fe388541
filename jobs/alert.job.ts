import type { AlertTask } from '../connectors/crm-connector.ts';
import { type Alert, alertKey } from '../src/domain/alert.ts';
import { AppError } from '../src/shared/app-error.ts';
import { type CyclePayload, CyclePayloadSchema } from './cycle-payload.ts';
import { type JobDefinition, requireTenant } from './job-definition.ts';
import { stepLease } from './step-lease.ts';
import type { StoredAlertCandidate } from './score.job.ts';

export interface AlertSummary {
  candidates: number;
  raised: number;
  /** Already open (from an earlier run, attempt or worker): not raised again. */
  alreadyOpen: number;
  suppressedByCap: number;
  /** Open alerts whose condition cleared: closed so a later transition can raise them again. */
  cleared: number;
  failed: number;
  webhook: 'sent' | 'failed' | 'off';
  apiCalls: number;
  durationMs: number;
}

const DAY_MS = 86_400_000;

/** The calendar day in the tenant's time zone, for the per-owner daily cap. */
function localDay(epochMs: number, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', {
    timeZone,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(epochMs);
}

function toTask(alert: Alert, dealName: string, dueAt: string): AlertTask {
  const key = alertKey(alert);
  return {
    alert,
    key,
    subject: `Pipeline health: ${dealName} — ${alert.kind.replaceAll('_', ' ')}`,
    body: `${alert.reason}\n\nSuggested action: ${alert.suggestedAction}\n\n(pipeline-health alert ${key})`,
    dueAt,
  };
}

/**
 * Turn the run's alert candidates into CRM tasks for the deal owners: one open alert per deal and
 * kind (reserved in Redis before the task is created, and deduplicated by key in the CRM by the
 * connector, so a crash, a rerun or a second worker never creates a duplicate), a daily cap per owner.
 */
export const alertJob: JobDefinition<CyclePayload, AlertSummary> = {
  name: 'alert',
  payload: CyclePayloadSchema,
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 5_000 } },
  async process(job, payload, deps) {
    const started = deps.now();
    const tenant = await requireTenant(deps, payload.tenantId);
    const store = deps.store(tenant.id);
    const connector = deps.connector(tenant);
    const callsBefore = connector.usage().calls;
    const summary: AlertSummary = {
      candidates: 0,
      raised: 0,
      alreadyOpen: 0,
      suppressedByCap: 0,
      cleared: 0,
      failed: 0,
      webhook: 'off',
      apiCalls: 0,
      durationMs: 0,
    };
    const stored = await store.getJson<{ runId: string; candidates: StoredAlertCandidate[] }>(
      'alertCandidates',
    );
    const candidates = stored?.runId === payload.runId ? stored.candidates : [];
    summary.candidates = candidates.length;
    if (!tenant.alerts.enabled) return { ...summary, durationMs: deps.now() - started };

    const now = Date.parse(payload.asOf);
    const dueAt = new Date(now + DAY_MS).toISOString();
    const open = await store.openAlerts();
    const byKey = new Map<string, { alert: Alert; dealName: string }>();
    for (const c of candidates) {
      const alert: Alert = {
        tenantId: tenant.id,
        dealId: c.dealId,
        kind: c.kind,
        ownerId: c.ownerId,
        reason: c.reason,
        suggestedAction: c.suggestedAction,
        raisedAt: payload.asOf,
      };
      byKey.set(alertKey(alert), { alert, dealName: c.dealName });
    }

    // Conditions that cleared close their alert (a pending one is still being created: keep it).
    for (const [key, state] of open) {
      if (!byKey.has(key) && state !== 'pending') {
        await store.releaseAlert(key);
        summary.cleared += 1;
      }
    }

    const tasks: AlertTask[] = [];
    const day = localDay(now, tenant.timezone);
    for (const [key, { alert, dealName }] of byKey) {
      const state = open.get(key);
      if (state === 'pending') {
        tasks.push(toTask(alert, dealName, dueAt)); // an interrupted attempt: the connector dedupes in the CRM
        continue;
      }
      if (state !== undefined) {
        summary.alreadyOpen += 1;
        continue;
      }
      if (alert.ownerId !== null) {
        const count = await store.countAlertForOwner(day, alert.ownerId);
        if (count > tenant.alerts.dailyCapPerOwner) {
          summary.suppressedByCap += 1;
          continue;
        }
      }
      if (await store.reserveAlert(key)) tasks.push(toTask(alert, dealName, dueAt));
      else summary.alreadyOpen += 1;
    }

    let retryable = 0;
    const raised: Alert[] = [];
    if (tasks.length > 0) {
      const fence = store.effectFence(stepLease(job));
      // Each create batch is fenced: this worker still owns the step and the reservations are as it left them.
      const outcome = await connector.createAlertTasks(tasks, {
        beforeBatch: (keys) => fence.checkAlertReservations(new Map(keys.map((k) => [k, 'pending']))),
      });
      const taskByKey = new Map(tasks.map((t) => [t.key, t]));
      for (const c of outcome.created) {
        await store.confirmAlert(c.key, c.taskId);
        const t = taskByKey.get(c.key);
        if (t) raised.push(t.alert);
      }
      for (const e of outcome.existing) await store.confirmAlert(e.key, e.taskId);
      for (const f of outcome.failed) {
        summary.failed += 1;
        if (f.retryable) retryable += 1;
        else await store.releaseAlert(f.key);
        deps.logger.warn(
          { tenantId: tenant.id, key: f.key, code: f.code, reason: f.message },
          'alert task failed',
        );
      }
      summary.raised = outcome.created.length;
      summary.alreadyOpen += outcome.existing.length;
    }
    if (retryable > 0)
      throw new AppError('CRM_UNAVAILABLE', `${retryable} alert tasks failed transiently; retrying`);

    if (tenant.alerts.webhookUrl !== undefined && raised.length > 0) {
      try {
        const res = await fetch(tenant.alerts.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ tenantId: tenant.id, runId: payload.runId, alerts: raised }),
          signal: AbortSignal.timeout(5_000),
        });
        summary.webhook = res.ok ? 'sent' : 'failed';
      } catch {
        summary.webhook = 'failed'; // best effort: the CRM tasks are the alert of record
      }
    }
    summary.apiCalls = connector.usage().calls - callsBefore;
    summary.durationMs = deps.now() - started;
    return summary;
  },
};
