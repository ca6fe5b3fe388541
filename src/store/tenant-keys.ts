/**
 * Every Redis key of one tenant. All of them share the hash tag `{t:<tenant>}` so a tenant's keys
 * live in one Redis Cluster slot and multi-key transactions (page + cursor) stay atomic there.
 */
export interface TenantKeys {
  cursor: string;
  deals: string;
  activities: string;
  contacts: string;
  accounts: string;
  metadata: string;
  results: string;
  /** Indicator (key, label) pairs by number, for the compact stored results (src/store/result-codec.ts). */
  resultLegend: string;
  history: string;
  written: string;
  writeIntents: string;
  /** When (Redis time, ms) a fence last cleared a CRM batch to be sent: it may still be landing. */
  effectClearedAt: string;
  quarantine: string;
  /** Distinct bad records (objectType:id) ever quarantined: what quarantineCount() counts. */
  quarantineIds: string;
  alertsOpen: string;
  alertCap: (day: string) => string;
  model: string;
  norms: string;
  runs: string;
  runSteps: (runId: string) => string;
  /** Before 2026-12-08: the alert candidates of the last score step as one JSON document (legacy). */
  alertCandidates: string;
  /** The alert candidates the last score step kept for its alert step: [runId, candidate...]. */
  alertCandidateList: string;
  schema: string;
  trainingReport: string;
  pipelineHealth: string;
  /** The seven survey elements across owners, as of the last score step. */
  teamElements: string;
  forecast: string;
  /** Closed deals with the score they had 30 days before closing (live accuracy), oldest first. */
  liveOutcomes: string;
  /** Which model was served from when: [[from (epoch ms), version], ...]. */
  modelLog: string;
  /** Live accuracy by month and the fallback decision, as of the last score step. */
  liveAccuracy: string;
  /** What changed since last week, as of the last score step (docs/DIGEST.md). */
  whatChanged: string;
  cycleLock: string;
  /** The run that began the full sync in progress (absent: none in progress). */
  fullSync: string;
  /** Deal ids seen by the full sync in progress (reconciled against `deals` when it ends). */
  syncSeen: string;
  /** Deal ids the CRM listed for the nightly reconciliation (temporary). */
  listedIds: string;
  /** What a run's reconciliation dropped so far (deals, alerts closed): totals across its attempts. */
  reconciled: (runId: string) => string;
  /** Alert candidates of a run's score step, pushed with the results they came from. */
  runCandidates: (runId: string) => string;
  /** The token of the worker that owns a step (job id), for fencing its effects. */
  stepLease: (jobId: string) => string;
}

export function tenantKeys(prefix: string, tenantId: string): TenantKeys {
  const base = `${prefix}:{t:${tenantId}}`;
  return {
    cursor: `${base}:cursor`,
    deals: `${base}:deals`,
    activities: `${base}:activities`,
    contacts: `${base}:contacts`,
    accounts: `${base}:accounts`,
    metadata: `${base}:metadata`,
    results: `${base}:results`,
    resultLegend: `${base}:result-legend`,
    history: `${base}:history`,
    written: `${base}:written`,
    writeIntents: `${base}:write-intents`,
    effectClearedAt: `${base}:effect-cleared-at`,
    quarantine: `${base}:quarantine`,
    quarantineIds: `${base}:quarantine-ids`,
    alertsOpen: `${base}:alerts-open`,
    alertCap: (day) => `${base}:alert-cap:${day}`,
    model: `${base}:model`,
    norms: `${base}:norms`,
    runs: `${base}:runs`,
    runSteps: (runId) => `${base}:run:${runId}`,
    alertCandidates: `${base}:alert-candidates`,
    alertCandidateList: `${base}:alert-candidate-list`,
    schema: `${base}:schema`,
    trainingReport: `${base}:training-report`,
    pipelineHealth: `${base}:pipeline-health`,
    teamElements: `${base}:team-elements`,
    forecast: `${base}:forecast`,
    liveOutcomes: `${base}:live-outcomes`,
    modelLog: `${base}:model-log`,
    liveAccuracy: `${base}:live-accuracy`,
    whatChanged: `${base}:what-changed`,
    cycleLock: `${base}:cycle-lock`,
    fullSync: `${base}:full-sync`,
    syncSeen: `${base}:sync-seen`,
    listedIds: `${base}:listed-ids`,
    reconciled: (runId) => `${base}:reconciled:${runId}`,
    runCandidates: (runId) => `${base}:run-candidates:${runId}`,
    stepLease: (jobId) => `${base}:step-lease:${jobId}`,
  };
}
