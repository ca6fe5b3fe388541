import type { FullSyncReadPlan, ObjectReadEstimate } from '../crm-connector.ts';

/**
 * The calls a full sync's read of one object costs each way, from its row count:
 *
 * - REST: one call per query batch (REST API Developer Guide, "Query": up to 2,000 records per
 *   batch, the rest through the query locator; "Query Options Header": batchSize 200..2,000).
 * - Bulk API 2.0: one call to create the job ("Create a Query Job"), the status checks until it is
 *   JobComplete ("Get Information About a Query Job"), and one call per results page of up to
 *   `maxRecords` rows ("Get Results for a Query Job": maxRecords and the Sforce-Locator header).
 *
 * How many status checks a job needs is not documented (it depends on the org's load); the
 * connector's estimate is a setting (`bulkExpectedStatusChecks`).
 */
export interface ReadCostSettings {
  /** Records per REST query batch (the connector's page size, at most 2,000). */
  restBatch: number;
  /** Rows per Bulk API results page (`maxRecords`). */
  bulkMaxRecords: number;
  /** Status checks a bulk job is expected to need before it is JobComplete (at least 1). */
  bulkStatusChecks: number;
}

function restReadCalls(rows: number, s: ReadCostSettings): number {
  return Math.max(1, Math.ceil(rows / s.restBatch));
}

function bulkReadCalls(rows: number, s: ReadCostSettings): number {
  return 1 + Math.max(1, s.bulkStatusChecks) + Math.max(1, Math.ceil(rows / s.bulkMaxRecords));
}

/** The cheaper way to read an object; a tie stays on REST (no job to wait for). */
export function estimateRead(object: string, rows: number, s: ReadCostSettings): ObjectReadEstimate {
  const restCalls = restReadCalls(rows, s);
  const bulkCalls = bulkReadCalls(rows, s);
  return { object, rows, restCalls, bulkCalls, via: bulkCalls < restCalls ? 'bulk' : 'rest' };
}

/** A plan from per-object estimates, with the totals each way and as chosen. */
export function readPlan(
  opportunities: number,
  objects: ObjectReadEstimate[],
  countCalls: number,
): FullSyncReadPlan {
  const sum = (f: (o: ObjectReadEstimate) => number) => objects.reduce((n, o) => n + f(o), 0);
  return {
    opportunities,
    countCalls,
    objects,
    restCalls: sum((o) => o.restCalls),
    bulkCalls: sum((o) => o.bulkCalls),
    plannedCalls: sum((o) => (o.via === 'bulk' ? o.bulkCalls : o.restCalls)),
  };
}
