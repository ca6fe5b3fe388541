/**
 * Salesforce's page, batch and size limits in one table (STYLE.md #4), with the connector's own
 * defaults beside them. Sources: CRM-FACTS.md and Salesforce's REST API limits pages.
 */
export const SALESFORCE_LIMITS = {
  /** Records per query batch (`query` / `queryMore`); Salesforce's maximum and default. */
  queryBatchSize: 2000,
  /** Records per sObject Collections call (PATCH / POST /composite/sobjects). */
  collectionBatchSize: 200,
  /**
   * Longest query URL we send. Salesforce refuses request lines past about 16 KB (and Node's own
   * HTTP servers cap request line plus headers at 16 KB), well before SOQL's 100,000-character
   * statement limit, so `IN (...)` lists are chunked to fit this with room for the headers (the
   * sandbox's Node server answered 431 to jsforce requests with ~13,900-character URLs).
   */
  maxQueryUrlLength: 12_000,
  /** Look back this far behind the last watermark: late commits can carry an earlier SystemModstamp. */
  lookbackMs: 5 * 60_000,
  /** Concurrent related-record queries per page (Salesforce allows 25 long requests per org). */
  relatedQueryConcurrency: 4,
  /** Open query cursors per connector (Salesforce: 10 per user; opening an 11th drops the oldest). */
  maxOpenQueries: 8,
  /** A request with no answer after this long is abandoned and retried (jsforce's own default is 30 min). */
  requestTimeoutMs: 60_000,
  /** Attempts for one request that fails with 5xx / timeout / network errors. */
  maxAttempts: 4,
  /** Backoff base and cap for those retries (full jitter). */
  backoffBaseMs: 250,
  backoffMaxMs: 8_000,
  /** Consecutive session refreshes without one successful call in between before giving up. */
  maxRefreshesWithoutSuccess: 3,
  /** JWT bearer assertions must expire within 3 minutes. */
  jwtLifetimeSeconds: 170,
  /**
   * Opportunities from which a full sync plans its reads per object (REST or Bulk API 2.0,
   * salesforce-read-plan.ts). Planning costs one COUNT() call per object (about 9); below a
   * thousand opportunities the objects are rarely big enough for a bulk job to win that back.
   */
  bulkThreshold: 1_000,
  /**
   * Status checks a bulk job is expected to need before JobComplete, for the cost estimate.
   * Salesforce documents none; small jobs usually finish by the second check (the sandbox answers
   * the first InProgress), larger ones take more.
   */
  bulkExpectedStatusChecks: 2,
  /**
   * Rows per Bulk API results page (`maxRecords`), which is also one sync page. Salesforce allows
   * far more; 50,000 rows keeps a page (and what a crash repeats) to a few tens of MB.
   */
  bulkMaxRecords: 50_000,
  /** Wait before a bulk job's first status check, doubled after each InProgress, capped; each check is a call. */
  bulkPollIntervalMs: 2_000,
  bulkPollMaxMs: 30_000,
  /** Total wait for one bulk job before the pull fails (CRM_UNAVAILABLE, retried by the job). */
  bulkPollTimeoutMs: 30 * 60_000,
} as const;

/** Opportunity's key prefix: activity WhatIds starting with it point at opportunities. */
export const OPPORTUNITY_KEY_PREFIX = '006';
/** Contact's key prefix (WhoId / EventRelation.RelationId can also be Leads or Users). */
export const CONTACT_KEY_PREFIX = '003';

/** Salesforce has no deal pipelines as HubSpot does; one logical pipeline holds every stage. */
export const SALESFORCE_PIPELINE_ID = 'opportunities';

/** The permission set that grants read/edit on every PH_ field. */
export const PERMISSION_SET_NAME = 'Pipeline_Health';
export const PERMISSION_SET_LABEL = 'Pipeline Health';
