import type { FullSyncReadPlan } from '../connectors/crm-connector.ts';
import { HEALTH_FIELDS } from '../src/domain/index.ts';
import type { SyncMode } from '../src/store/full-sync.store.ts';
import { type CyclePayload, CyclePayloadSchema } from './cycle-payload.ts';
import { type JobDefinition, progressReporter, requireTenant } from './job-definition.ts';

export interface SyncSummary {
  pages: number;
  deals: number;
  activities: number;
  quarantined: number;
  deleted: number;
  /** How this pull started: a new full sync, one resumed from its stored page, or incremental. */
  mode: SyncMode;
  /** Stored deals the CRM no longer has in the tracked pipelines, dropped from the state. */
  dropped: number;
  /**
   * Open alerts (confirmed or still pending) closed because their deal left: deleted, or dropped
   * by the reconciliation. Their reservations are removed with the deal, so it is never alerted again.
   */
  alertsClosed: number;
  /** How the stored deals were checked against the CRM: a full sync, the nightly id list, or not. */
  reconciled: 'full' | 'ids' | null;
  schemaCreated: string[];
  /**
   * A full sync's read plan, where the connector makes one (Salesforce): per object the rows
   * counted, the calls by REST and by a bulk job, and the way chosen; null otherwise.
   */
  readPlan: FullSyncReadPlan | null;
  apiCalls: number;
  rateLimited: number;
  durationMs: number;
}

/** Bumped when the written fields change, so the schema is bootstrapped again (and only then). */
export const SCHEMA_VERSION = `v1:${HEALTH_FIELDS.map((f) => f.key).join(',')}`;

/**
 * Pull what changed since the tenant's cursor and store it page by page. The cursor is saved in the
 * same Redis transaction as each page, so a crash or retry repeats at most one page.
 */
export const syncJob: JobDefinition<CyclePayload, SyncSummary> = {
  name: 'sync',
  payload: CyclePayloadSchema,
  // Transient CRM failures are common and cheap to retry from the cursor.
  retry: { attempts: 5, backoff: { type: 'exponential', delay: 2_000 } },
  async process(job, payload, deps, signal) {
    const started = deps.now();
    const tenant = await requireTenant(deps, payload.tenantId);
    const store = deps.store(tenant.id);
    const connector = deps.connector(tenant);
    const before = connector.usage();

    // The schema bootstrap costs a dozen calls; do it once per schema version, not every run.
    let schemaCreated: string[] = [];
    if ((await store.documents.getJson<string>('schema')) !== SCHEMA_VERSION) {
      schemaCreated = (await connector.bootstrapSchema({ signal })).created;
      await store.documents.setJson('schema', SCHEMA_VERSION);
    }
    await store.sync.saveMetadata(await connector.fetchMetadata({ signal }));

    // Marked in Redis, not by attempt: a quota wait or a takeover resumes from the stored page.
    const mode = await store.fullSync.begin(payload.runId, payload.fullResync);
    const full = mode !== 'incremental';
    const cursor = await store.sync.getCursor();
    const pipelines = tenant.connection.crm === 'hubspot' ? tenant.connection.pipelines : [];
    const report = progressReporter(deps, tenant.id, payload.runId, 'sync', 'deals');
    const totals = { pages: 0, deals: 0, activities: 0, quarantined: 0, deleted: 0, alertsClosed: 0 };
    // The stored deals let the connector skip re-reading those our own write-back modified.
    const known = (dealIds: string[]) => store.deals.getDeals(dealIds);
    let readPlan: FullSyncReadPlan | null = null;
    for await (const page of connector.pull(cursor, { pipelines, known, signal })) {
      if (page.readPlan !== undefined) readPlan = page.readPlan;
      const saved = await store.sync.savePage(page, { markSeen: full });
      await store.runs.refreshCycleLock(payload.runId); // a long first sync keeps its tenant's lock
      totals.pages += 1;
      totals.deals += saved.deals;
      totals.activities += saved.activities;
      totals.quarantined += saved.quarantined;
      totals.deleted += saved.deleted;
      totals.alertsClosed += saved.alertsClosed;
      report(totals.deals);
      await job.updateProgress({ step: 'sync', deals: totals.deals, pages: totals.pages });
    }
    // Drift cannot outlive a day: a full sync drops what it did not see; the nightly run lists ids.
    // Each run of the reconciliation counts what it dropped over all its attempts.
    let counts = { dropped: 0, alertsClosed: 0 };
    let reconciled: SyncSummary['reconciled'] = null;
    if (full) {
      counts = await store.fullSync.finish(payload.runId);
      reconciled = 'full';
    } else if (payload.trigger === 'nightly' && connector.listDealIds !== undefined) {
      counts = await store.fullSync.reconcileIds(payload.runId, connector.listDealIds({ pipelines }));
      reconciled = 'ids';
    }
    const after = connector.usage();
    return {
      ...totals,
      alertsClosed: totals.alertsClosed + counts.alertsClosed,
      mode,
      dropped: counts.dropped,
      reconciled,
      schemaCreated,
      readPlan,
      apiCalls: after.calls - before.calls,
      rateLimited: after.rateLimited - before.rateLimited,
      durationMs: deps.now() - started,
    };
  },
};
