import { AppError } from '../../src/shared/app-error.ts';
import { transientNetworkCode } from '../../src/shared/failure-decision.ts';
import { nextLocalMidnight } from '../../src/domain/index.ts';

/** One failed Salesforce call, as seen by the client: the HTTP status (when there was an answer) and Salesforce's error. */
export interface SalesforceFailure {
  /** null when no answer came (network error, timeout). */
  status: number | null;
  /** Salesforce's `errorCode` (or jsforce's `ERROR_HTTP_<status>`); null for network errors. */
  errorCode: string | null;
  message: string;
  /** The thrown value, kept as the AppError's cause. */
  cause: unknown;
  /** Where it happened, for the message: e.g. "GET /query". */
  what: string;
}

export type SalesforceDecision =
  /** Transient: try the same request again after a backoff. */
  | { action: 'retry'; error: AppError }
  /** Do not try again in this cycle; `error` says why and (for quotas) when. */
  | { action: 'fail'; error: AppError };

/** Hint shown whenever a PH_ field is invisible or read-only to the integration user. */
export const PERMISSION_SET_HINT =
  'One-time step: assign the permission set with API name Pipeline_Health (label "Pipeline Health", created by ' +
  'the first run) to the integration user: Setup > Users > <integration user> > Permission Set Assignments > ' +
  'Edit Assignments, or `sf org assign permset --name Pipeline_Health --on-behalf-of <integration username>`; ' +
  'or set `connection.assignPermissionSet: true` in the tenants file when that user has "Assign Permission Sets".';

/** Salesforce's daily allocation is a rolling 24 h; the next UTC midnight is a cautious guess for "enough has rolled off". */
export function nextUtcMidnight(now: Date): number {
  return nextLocalMidnight(now.getTime(), 'UTC');
}

/** True for thrown values that mean "no answer": timeouts, aborts, dropped connections. */
function isNoAnswer(err: unknown): boolean {
  return transientNetworkCode(err) !== undefined;
}

const PERMISSION_CODES = new Set([
  'INVALID_FIELD',
  'INVALID_FIELD_FOR_INSERT_UPDATE',
  'INSUFFICIENT_ACCESS',
  'INSUFFICIENT_ACCESS_OR_READONLY',
  'INSUFFICIENT_ACCESS_ON_CROSS_REFERENCE_ENTITY',
  'FIELD_NOT_UPDATEABLE',
  'API_DISABLED_FOR_ORG',
  'API_CURRENTLY_DISABLED',
]);

const SERVER_CODES = new Set([
  'UNKNOWN_EXCEPTION',
  'SERVER_UNAVAILABLE',
  'REQUEST_RUNNING_TOO_LONG',
  'QUERY_TIMEOUT',
]);

/**
 * The one classifier for the Salesforce connector (STYLE.md #2): every failed call becomes
 * retry or fail, with the AppError code jobs act on. Special cases and why:
 * - 403 REQUEST_LIMIT_EXCEEDED is the org's daily allocation; retrying only burns more of what
 *   other integrations need, so it fails at once with a retryAt (no retry storm).
 * - 401 after jsforce's own refresh means the new token was refused too: credentials are bad.
 * - INVALID_FIELD usually means field-level security hides a field (our PH_ fields before the
 *   permission set is assigned): a permission problem an admin fixes, with the hint to do it.
 * - 5xx, 429/420 and "no answer" are transient; jsforce does not retry PATCH/POST, so we do.
 */
export function classifySalesforceFailure(failure: SalesforceFailure, now: Date): SalesforceDecision {
  const { status, errorCode, message, what } = failure;
  const options = { cause: failure.cause, ...(status === null ? {} : { status }) };
  const code = errorCode ?? '';
  if (code === 'REQUEST_LIMIT_EXCEEDED') {
    return {
      action: 'fail',
      error: new AppError(
        'CRM_QUOTA_EXHAUSTED',
        `Salesforce refused ${what} with REQUEST_LIMIT_EXCEEDED (${message}); the org's rolling 24-hour API allocation is used up`,
        { ...options, retryAt: nextUtcMidnight(now) },
      ),
    };
  }
  if (status === 401 || code === 'INVALID_SESSION_ID' || code === 'INVALID_AUTH_HEADER') {
    return {
      action: 'fail',
      error: new AppError(
        'CRM_AUTH',
        `Salesforce refused the session for ${what} (${code || 'HTTP 401'}): ${message}`,
        options,
      ),
    };
  }
  if (PERMISSION_CODES.has(code)) {
    return {
      action: 'fail',
      error: new AppError(
        'CRM_PERMISSION',
        `Salesforce refused ${what} with ${code}: ${message.trim()}. The field is missing or not visible to the integration user. ${PERMISSION_SET_HINT}`,
        options,
      ),
    };
  }
  if (status === null && isNoAnswer(failure.cause)) {
    return {
      action: 'retry',
      error: new AppError('CRM_UNAVAILABLE', `Salesforce did not answer ${what}: ${message}`, options),
    };
  }
  if (status === 429 || status === 420) {
    return {
      action: 'retry',
      error: new AppError('CRM_RATE_LIMITED', `Salesforce throttled ${what} (HTTP ${status})`, options),
    };
  }
  if ((status !== null && status >= 500) || SERVER_CODES.has(code) || /^ERROR_HTTP_5\d\d$/.test(code)) {
    return {
      action: 'retry',
      error: new AppError(
        'CRM_UNAVAILABLE',
        `Salesforce answered ${what} with ${status ?? ''} ${code}: ${message}`.replace(/\s+/g, ' '),
        options,
      ),
    };
  }
  if (status !== null && status >= 400) {
    return {
      action: 'fail',
      error: new AppError(
        'CRM_REJECTED',
        `Salesforce rejected ${what} with ${code || `HTTP ${status}`}: ${message.trim()}`,
        options,
      ),
    };
  }
  return {
    action: 'fail',
    error: new AppError('INTERNAL', `Unexpected failure calling Salesforce ${what}: ${message}`, options),
  };
}

/** Per-record save errors (collections results): retryable ones are the server's own hiccups and lock contention. */
export function classifySaveError(statusCode: string): { code: string; retryable: boolean } {
  if (
    statusCode === 'UNABLE_TO_LOCK_ROW' ||
    statusCode === 'UNKNOWN_EXCEPTION' ||
    statusCode === 'SERVER_UNAVAILABLE'
  ) {
    return { code: 'CRM_UNAVAILABLE', retryable: true };
  }
  if (statusCode === 'REQUEST_LIMIT_EXCEEDED') return { code: 'CRM_QUOTA_EXHAUSTED', retryable: true };
  if (PERMISSION_CODES.has(statusCode)) return { code: 'CRM_PERMISSION', retryable: false };
  return { code: 'CRM_REJECTED', retryable: false };
}

/** Salesforce's errorCode behind an AppError (or a raw jsforce error); null when there is none. */
export function salesforceErrorCode(err: unknown): string | null {
  const cause = err instanceof AppError ? err.cause : err;
  const code = (cause as { errorCode?: unknown } | null | undefined)?.errorCode;
  return typeof code === 'string' ? code : null;
}
