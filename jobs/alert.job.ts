import type { AlertTask } from '../connectors/crm-connector.ts';
import { type Alert, alertEpisodeKey, alertKey } from '../src/domain/index.ts';
import type { AlertReservation } from '../src/store/alerts.store.ts';
import type { TenantStateStore } from '../src/store/tenant-state.store.ts';
import { AppError } from '../src/shared/app-error.ts';
import { type CyclePayload, CyclePayloadSchema } from './cycle-payload.ts';
import { type JobDefinition, requireTenant } from './job-definition.ts';
import { stepLease } from './step-lease.ts';
import { waitForClearedBatches } from './cleared-batches.ts';
import type { StoredAlertCandidate } from './score.job.ts';

export interface AlertSummary {
  candidates: number;
  raised: number;
  /** Already open (from an earlier run, attempt or worker): not raised again. */
  alreadyOpen: number;
  suppressedByCap: number;
  /** Deal owner inactive: task given to their manager or the fallback owner, or (unassigned) to nobody. */
  reassigned: number;
  /** Inactive deal owner and no active manager or `alerts.fallbackOwnerId`: no task created. */
  unassigned: number;
  /** Open alerts whose condition cleared: closed so a later transition can raise them again. */
  cleared: number;
  failed: number;
  webhook: 'sent' | 'failed' | 'off';
  /** The run's kept candidates were gone (expired): nothing raised, and no open alert cleared. */
  candidatesMissing?: true;
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

function toTask(alert: Alert, dealName: string, dueAt: string, key: string): AlertTask {
  return {
    alert,
    key,
    subject: `Pipeline health: ${dealName} — ${alert.kind.replaceAll('_', ' ')}`,
    body: `${alert.reason}\n\nSuggested action: ${alert.suggestedAction}\n\n(pipeline-health alert ${key})`,
    dueAt,
  };
}

/** The run's kept candidates, read in batches; null when none were kept for it. */
async function candidateSource(
  store: TenantStateStore,
  runId: string,
): Promise<{ count: number; batches: () => AsyncIterable<StoredAlertCandidate[]> } | null> {
  const count = await store.alerts.keptCandidateCount(runId);
  if (count !== null)
    return { count, batches: () => store.alerts.keptCandidateBatches<StoredAlertCandidate>() };
  const legacy = await legacyCandidates(store, runId);
  if (legacy === null) return null;
  return {
    count: legacy.length,
    batches: async function* () {
      yield legacy;
    },
  };
}

/** Candidates kept by a score step of the version before 2026-12-08 (one JSON document). */
async function legacyCandidates(
  store: TenantStateStore,
  runId: string,
): Promise<StoredAlertCandidate[] | null> {
  const doc = await store.documents.getJson<{ runId: string; candidates: StoredAlertCandidate[] }>(
    'alertCandidates',
  );
  return doc?.runId === runId ? doc.candidates : null;
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
  async process(job, payload, deps, signal) {
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
      reassigned: 0,
      unassigned: 0,
      cleared: 0,
      failed: 0,
      webhook: 'off',
      apiCalls: 0,
      durationMs: 0,
    };
    const source = await candidateSource(store, payload.runId);
    if (source === null) {
      // Without the run's candidates every open alert would look cleared and be raised again later.
      deps.logger.warn(
        { tenantId: tenant.id, runId: payload.runId },
        "the run's alert candidates are gone; no alert raised or cleared",
      );
      return { ...summary, candidatesMissing: true, durationMs: deps.now() - started };
    }
    summary.candidates = source.count;
    if (!tenant.alerts.enabled) return { ...summary, durationMs: deps.now() - started };

    const now = Date.parse(payload.asOf);
    const dueAt = new Date(now + DAY_MS).toISOString();
    const reservations = store.alerts;
    const open = await reservations.open();
    const alertOf = (c: StoredAlertCandidate): Alert => ({
      tenantId: tenant.id,
      dealId: c.dealId,
      kind: c.kind,
      ownerId: c.ownerId,
      reason: c.reason,
      suggestedAction: c.suggestedAction,
      raisedAt: payload.asOf,
    });
    // The candidates are read twice, a batch at a time (a large tenant has about one per open deal):
    // first their keys alone, to end the alerts that cleared, then each to raise.
    const keys = new Set<string>();
    for await (const batch of source.batches())
      for (const c of batch) keys.add(alertKey({ tenantId: tenant.id, dealId: c.dealId, kind: c.kind }));

    // Conditions that cleared end their episode (a pending one is still being created: keep it).
    for (const [key, r] of open) {
      if (!keys.has(key) && r.taskId !== null) {
        if (await reservations.release(key, r.raw)) summary.cleared += 1;
      }
    }

    // Per task (by episode key): its alert key and the reservation its create batch must still find.
    const pending = new Map<string, { key: string; reservation: AlertReservation; ownerId: string | null }>();
    const tasks: AlertTask[] = [];
    const day = localDay(now, tenant.timezone);
    let resumed = 0;
    const cappedOwners = new Set<string>();
    const take = (key: string, alert: Alert, dealName: string, r: AlertReservation) => {
      pending.set(r.episodeKey, { key, reservation: r, ownerId: alert.ownerId });
      tasks.push(toTask(alert, dealName, dueAt, r.episodeKey));
    };
    for await (const batch of source.batches()) {
      for (const c of batch) {
        const alert = alertOf(c);
        const key = alertKey(alert);
        // Handled already (the same deal and kind twice in the run's candidates): once.
        if (!keys.delete(key)) continue;
        const dealName = c.dealName;
        const r = open.get(key);
        if (r !== undefined && r.taskId === null) {
          take(key, alert, dealName, r); // an interrupted attempt: the connector finds its task by episode key
          resumed += 1;
          continue;
        }
        if (r !== undefined) {
          // Same episode: raised once, even if the rep completed the task meanwhile.
          summary.alreadyOpen += 1;
          continue;
        }
        // An owner at the day's cap stays there for this step (places given back come after it):
        // no script per remaining candidate of theirs (hundreds of thousands on a large tenant).
        if (alert.ownerId !== null && cappedOwners.has(alert.ownerId)) {
          summary.suppressedByCap += 1;
          continue;
        }
        // The owner's daily cap is checked and counted with the reservation (one script), so another
        // alert step of this tenant running at once cannot take the same last place.
        const cap =
          alert.ownerId === null
            ? undefined
            : { day, ownerId: alert.ownerId, limit: tenant.alerts.dailyCapPerOwner };
        const reserved = await reservations.reserve(key, alertEpisodeKey(key, payload.asOf), cap);
        if (reserved === 'capped') {
          summary.suppressedByCap += 1;
          if (alert.ownerId !== null) cappedOwners.add(alert.ownerId);
        } else if (reserved === 'open') summary.alreadyOpen += 1;
        else take(key, alert, dealName, reserved);
      }
    }

    // A reservation whose task was never created gives its place in the owner's day back.
    const uncounted = (p: { ownerId: string | null }) =>
      p.ownerId === null ? undefined : { day, ownerId: p.ownerId };
    let retryable = 0;
    const raised: Alert[] = [];
    if (tasks.length > 0) {
      // Another attempt's create may still be on its way: look for its tasks once it must have landed.
      if (resumed > 0) await waitForClearedBatches(store, deps, signal);
      const fence = store.runs.effectFence(stepLease(job));
      // Each create batch is fenced: this worker still owns the step and the reservations are as it left them.
      const outcome = await connector.createAlertTasks(tasks, {
        signal,
        beforeBatch: (episodeKeys) =>
          fence.checkAlertReservations(
            new Map(
              episodeKeys.flatMap((e) => {
                const p = pending.get(e);
                return p ? [[p.key, p.reservation.raw] as const] : [];
              }),
            ),
          ),
      });
      const taskByKey = new Map(tasks.map((t) => [t.key, t]));
      const confirm = async (episodeKey: string, taskId: string) => {
        const p = pending.get(episodeKey);
        if (p === undefined) return;
        // A reservation closed meanwhile (its deal left) stays closed; the task is counted all the same.
        await reservations.confirm(p.key, p.reservation, taskId);
        if (p.ownerId !== null) await reservations.countRaised(day, p.ownerId, episodeKey);
      };
      for (const c of outcome.created) {
        await confirm(c.key, c.taskId);
        const t = taskByKey.get(c.key);
        if (t) raised.push(t.alert);
      }
      for (const e of outcome.existing) await confirm(e.key, e.taskId);
      // The deal owner is inactive: the connector gave the task to their manager or the fallback
      // owner (created above), or to nobody. With nobody, no task exists: release the reservation,
      // so the alert is not held open without a task and is tried again once an owner can take it.
      for (const r of outcome.reassigned ?? []) {
        summary.reassigned += 1;
        if (r.toOwnerId !== null) continue;
        summary.unassigned += 1;
        const p = pending.get(r.key);
        if (p) await reservations.release(p.key, p.reservation.raw, uncounted(p));
        deps.logger.warn({ tenantId: tenant.id, key: r.key, reason: r.reason }, 'alert has no active owner');
      }
      for (const f of outcome.failed) {
        summary.failed += 1;
        if (f.retryable) retryable += 1;
        else {
          const p = pending.get(f.key);
          if (p) await reservations.release(p.key, p.reservation.raw, uncounted(p));
        }
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
