import type { ErrorCode } from '../../src/shared/error-codes.ts';

/**
 * What a connector does with one failed CRM call (STYLE.md #2). Each connector has one
 * classifier that turns a failure into one of these; the call loop only acts on it.
 */
export type CallDecision =
  /** Transient: back off exponentially with jitter, then try again (bounded). */
  | { action: 'retry'; code: ErrorCode; reason: string }
  /** The CRM said how long to wait (rate window, lock): wait that long, then try again (bounded). */
  | { action: 'wait'; code: ErrorCode; waitMs: number; reason: string }
  /** The access token was refused: refresh it once, then try again. */
  | { action: 'reauth'; code: ErrorCode; reason: string }
  /** Do not try again in this run; `retryAt` when the CRM named a reset time (daily quota). */
  | { action: 'fail'; code: ErrorCode; reason: string; retryAt?: number };

/**
 * The decision an HTTP status implies before any CRM-specific detail is known. Connectors call
 * this from their classifier and refine the cases their CRM documents differently.
 */
export function decideHttpStatus(status: number, reason: string): CallDecision {
  if (status === 401) return { action: 'reauth', code: 'CRM_AUTH', reason };
  if (status === 403) return { action: 'fail', code: 'CRM_PERMISSION', reason };
  if (status === 408 || status === 425 || status >= 500)
    return { action: 'retry', code: 'CRM_UNAVAILABLE', reason };
  if (status === 429) return { action: 'wait', code: 'CRM_RATE_LIMITED', waitMs: 10_000, reason };
  return { action: 'fail', code: 'CRM_REJECTED', reason };
}
