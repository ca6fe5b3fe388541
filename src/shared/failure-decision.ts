import { type AppError, isAppError } from './app-error.ts';
import type { ErrorCode } from './error-codes.ts';

/**
 * What to do about a failure, decided once (STYLE.md #2). Jobs act on the decision: `retry` lets
 * BullMQ back off and try again, `wait_until` delays the tenant until the CRM's own reset time,
 * `fail` becomes an UnrecoverableError (no point trying again without a human).
 */
export type FailureDecision =
  | { action: 'retry'; code: ErrorCode; reason: string }
  | { action: 'wait_until'; code: ErrorCode; until: number; reason: string }
  | { action: 'fail'; code: ErrorCode; reason: string };

/** Node / undici network error codes that mean "the other side did not answer": worth a retry. */
const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
]);

/** Messages of transport failures that carry no code (undici's "fetch failed", Node's "socket hang up"). */
const NO_ANSWER_MESSAGE = /fetch failed|socket hang up|other side closed|terminated/i;

/**
 * The network error behind a thrown value (walking `cause` chains), or undefined when it is not one:
 * timeouts, aborts, refused or dropped connections. The one place that knows these shapes; the
 * connectors' classifiers use it too.
 */
export function transientNetworkCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current !== null && typeof current === 'object'; depth += 1) {
    const { code, name, message } = current as { code?: unknown; name?: unknown; message?: unknown };
    if (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) return code;
    if (name === 'AbortError' || name === 'TimeoutError') return 'ETIMEDOUT';
    if (typeof message === 'string' && NO_ANSWER_MESSAGE.test(message)) return 'ECONNRESET';
    current = (current as { cause?: unknown }).cause;
  }
  return undefined;
}

function decideAppError(err: AppError, now: number): FailureDecision {
  switch (err.code) {
    case 'CRM_RATE_LIMITED':
    case 'CRM_QUOTA_EXHAUSTED':
      // Both wait for the CRM's own reset time; without one, a rate limit retries with backoff
      // and an exhausted quota waits a conservative hour rather than hammering the CRM.
      if (err.retryAt !== undefined && err.retryAt > now) {
        return { action: 'wait_until', code: err.code, until: err.retryAt, reason: err.message };
      }
      return err.code === 'CRM_RATE_LIMITED'
        ? { action: 'retry', code: err.code, reason: err.message }
        : { action: 'wait_until', code: err.code, until: now + 3_600_000, reason: err.message };
    case 'CRM_UNAVAILABLE':
    case 'REDIS_UNAVAILABLE':
    // The job itself is not lost: its owner carries on; BullMQ refuses this worker's outcome.
    case 'STEP_LOCK_LOST':
      return { action: 'retry', code: err.code, reason: err.message };
    case 'CONFIG_INVALID':
    case 'CRM_AUTH':
    case 'CRM_PERMISSION':
    case 'CRM_REJECTED':
    case 'CRM_BAD_RECORD':
    case 'TENANT_NOT_FOUND':
    case 'INTERNAL':
      return { action: 'fail', code: err.code, reason: err.message };
  }
}

/**
 * Classify any thrown value. AppErrors carry their decision in their code; bare network errors
 * are transient; anything else is an internal bug and fails (retrying a bug only repeats it).
 */
export function decideFailure(err: unknown, now: number = Date.now()): FailureDecision {
  if (isAppError(err)) return decideAppError(err, now);
  const net = transientNetworkCode(err);
  if (net !== undefined) return { action: 'retry', code: 'CRM_UNAVAILABLE', reason: `network error ${net}` };
  const message = err instanceof Error ? err.message : String(err);
  return { action: 'fail', code: 'INTERNAL', reason: message };
}
