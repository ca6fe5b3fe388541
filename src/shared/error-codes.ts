/**
 * Every error pipeline-health raises on purpose has one stable code from this registry. Users,
 * logs, metrics and tests match on the code, never on message text (as Fastify's FST_ERR_*).
 */
export const ERROR_CODES = {
  CONFIG_INVALID: 'Configuration is invalid (environment variables or tenants file).',
  CRM_AUTH: 'The CRM refused the credentials (expired, revoked or wrong); an admin must re-authorise.',
  CRM_RATE_LIMITED: 'The CRM rate limit was hit; the call is retried after the CRM reset time.',
  CRM_QUOTA_EXHAUSTED: "The CRM's daily API allocation is used up; the tenant waits for the daily reset.",
  CRM_BAD_RECORD: 'A CRM record failed validation and was quarantined with its reason.',
  CRM_REJECTED: 'The CRM rejected a request as invalid (a bug or a schema mismatch); not retried.',
  CRM_SCHEMA_MISSING:
    'A health property/field the tool writes does not exist in the CRM (deleted, or another portal/org); the schema bootstrap runs again once.',
  CRM_PERMISSION: 'The CRM user lacks a permission or field-level access the tool needs.',
  CRM_UNAVAILABLE: 'The CRM did not answer or answered with a server error; retried with backoff.',
  REDIS_UNAVAILABLE: 'Redis could not be reached or started.',
  REDIS_CONTENDED:
    "Other workers kept changing the same tenant state between this worker's read and its write; retried with backoff.",
  REDIS_NOT_REPLICATED:
    'The write that clears a CRM effect batch did not reach REDIS_WAIT_REPLICAS replicas within REDIS_WAIT_TIMEOUT_MS: the batch was not sent; retried with backoff.',
  STEP_LOCK_LOST:
    'This worker lost its job lock (paused or starved) and another worker owns the step now: it stopped without effects.',
  IMPORT_DATE_ORDER_CONFLICT:
    'A date column of an export proves both day-month and month-day order; set dateOrder in the mapping file.',
  IMPORT_CLOSE_DATES_MISSING:
    'Closed deals of an export have no close date; evaluate --allow-missing-close-dates evaluates them without time-based checks.',
  TENANT_NOT_FOUND: 'No tenant with that id is configured.',
  INTERNAL: 'An unexpected internal error.',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
