import { type AppError, isAppError } from './app-error.ts';
import { ERROR_CODES, type ErrorCode } from './error-codes.ts';

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
    case 'REDIS_CONTENDED':
    case 'REDIS_NOT_REPLICATED':
    // The job itself is not lost: its owner carries on; BullMQ refuses this worker's outcome.
    case 'STEP_LOCK_LOST':
      return { action: 'retry', code: err.code, reason: err.message };
    case 'CONFIG_INVALID':
    case 'CRM_AUTH':
    case 'CRM_PERMISSION':
    case 'CRM_REJECTED':
    case 'CRM_SCHEMA_MISSING':
    case 'CRM_BAD_RECORD':
    case 'TENANT_NOT_FOUND':
    case 'IMPORT_DATE_ORDER_CONFLICT':
    case 'IMPORT_CLOSE_DATES_MISSING':
    case 'INTERNAL':
      return { action: 'fail', code: err.code, reason: err.message };
  }
}

/** Redis error kinds (the first word of an error reply) that pass: loading, failover, busy, memory. */
const TRANSIENT_REDIS_REPLIES = new Set([
  'LOADING',
  'BUSY',
  'TRYAGAIN',
  'CLUSTERDOWN',
  'MASTERDOWN',
  'READONLY',
  'OOM',
  'MISCONF',
  'NOREPLICAS',
]);

/** ioredis's error for a command on a closed connection (its CONNECTION_CLOSED_ERROR_MSG; it has no code). */
const IOREDIS_CONNECTION_CLOSED = 'Connection is closed.';

/** A reason when `err` is Redis being unavailable (ioredis errors), else undefined. */
function redisUnavailable(err: unknown): string | undefined {
  if (!(err instanceof Error)) return undefined;
  if (err.name === 'MaxRetriesPerRequestError' || err.message === IOREDIS_CONNECTION_CLOSED) {
    return `Redis: ${err.message}`;
  }
  if (err.name === 'ReplyError') {
    const kind = err.message.split(' ', 1)[0] ?? '';
    if (TRANSIENT_REDIS_REPLIES.has(kind)) return `Redis: ${err.message}`;
  }
  return undefined;
}

/** The stable code carried by an error object (AppError, or a BullMQ error we tagged), else INTERNAL. */
export function failureCode(err: unknown): ErrorCode {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'string' && Object.hasOwn(ERROR_CODES, code) ? (code as ErrorCode) : 'INTERNAL';
}

/**
 * Classify any thrown value. AppErrors carry their decision in their code; bare network errors
 * are transient; anything else is an internal bug and fails (retrying a bug only repeats it).
 */
export function decideFailure(err: unknown, now: number = Date.now()): FailureDecision {
  if (isAppError(err)) return decideAppError(err, now);
  const redis = redisUnavailable(err);
  if (redis !== undefined) return { action: 'retry', code: 'REDIS_UNAVAILABLE', reason: redis };
  const net = transientNetworkCode(err);
  if (net !== undefined) return { action: 'retry', code: 'CRM_UNAVAILABLE', reason: `network error ${net}` };
  const message = err instanceof Error ? err.message : String(err);
  return { action: 'fail', code: 'INTERNAL', reason: message };
}
