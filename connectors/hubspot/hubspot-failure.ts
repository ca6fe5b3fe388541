import { nextLocalMidnight } from '../../src/domain/index.ts';
import { transientNetworkCode } from '../../src/shared/failure-decision.ts';
import { type CallDecision, decideHttpStatus } from '../shared/failure-decision.ts';

/** The SDK's ApiException shape: `code` is the HTTP status; body and headers as HubSpot sent them. */
interface HttpFailure {
  code: number;
  body: unknown;
  headers: Record<string, string>;
}

function asHttpFailure(err: unknown): HttpFailure | null {
  if (err === null || typeof err !== 'object') return null;
  const { code, body, headers } = err as { code?: unknown; body?: unknown; headers?: unknown };
  if (typeof code !== 'number' || code < 100 || code > 599) return null;
  return { code, body, headers: (headers ?? {}) as Record<string, string> };
}

function networkCode(err: unknown): string | null {
  return transientNetworkCode(err) ?? null;
}

function header(headers: Record<string, string>, name: string): string | undefined {
  const wanted = name.toLowerCase();
  for (const [key, value] of Object.entries(headers)) if (key.toLowerCase() === wanted) return value;
  return undefined;
}

function field(body: unknown, name: string): string | undefined {
  if (body === null || typeof body !== 'object') return undefined;
  const value = (body as Record<string, unknown>)[name];
  return typeof value === 'string' ? value : undefined;
}

/**
 * When HubSpot's daily limit resets: midnight in the account's time zone. Unknown zone: a full day
 * from now, the only time sure to be after the account's midnight whatever its zone (UTC midnight
 * would be hours early for every US portal and burn the next day's calls on refusals).
 */
export function dailyResetAt(now: number, timeZone: string | null): number {
  return timeZone === null ? now + 86_400_000 : nextLocalMidnight(now, timeZone);
}

/** HubSpot's own message for a failure, for logs and per-record reasons. Every field is optional. */
function hubspotReason(err: unknown): string {
  const http = asHttpFailure(err);
  if (http) {
    const message = field(http.body, 'message') ?? (typeof http.body === 'string' ? http.body : undefined);
    const category = field(http.body, 'category');
    return `HTTP ${http.code}${category ? ` ${category}` : ''}: ${message ?? 'no message'}`;
  }
  return err instanceof Error ? err.message : String(err);
}

/**
 * The one classifier for HubSpot failures (STYLE.md #2). Special cases and why:
 * - 429 DAILY: the account's daily quota is gone; retrying only burns the next day's calls, so
 *   fail with the reset time: midnight in the account's time zone (`timeZone`, from the account
 *   information API; see {@link dailyResetAt} when it is unknown).
 * - 429 TEN_SECONDLY_ROLLING / SECONDLY (search): wait for the window (Retry-After, then the
 *   advertised interval, then the policy's own window) and try again.
 * - 423 LOCKED: HubSpot asks for a 2-second wait.
 * - 401: the access token expired or was revoked; refresh once (OAuth) before giving up.
 * - 5xx, timeouts and dropped connections: transient, back off with jitter.
 */
export function classifyHubSpotFailure(
  err: unknown,
  now: number,
  timeZone: string | null = null,
): CallDecision {
  const http = asHttpFailure(err);
  if (http === null) {
    const net = networkCode(err);
    if (net !== null) return { action: 'retry', code: 'CRM_UNAVAILABLE', reason: `network error ${net}` };
    return { action: 'fail', code: 'INTERNAL', reason: err instanceof Error ? err.message : String(err) };
  }
  const reason = hubspotReason(err);
  if (http.code === 429) {
    const policy = field(http.body, 'policyName');
    if (policy === 'DAILY') {
      return { action: 'fail', code: 'CRM_QUOTA_EXHAUSTED', reason, retryAt: dailyResetAt(now, timeZone) };
    }
    const retryAfter = Number(header(http.headers, 'retry-after'));
    const interval = Number(header(http.headers, 'x-hubspot-ratelimit-interval-milliseconds'));
    const secondly = policy === 'SECONDLY' || /secondly limit/i.test(field(http.body, 'message') ?? '');
    const waitMs =
      Number.isFinite(retryAfter) && retryAfter > 0
        ? retryAfter * 1_000
        : Number.isFinite(interval) && interval > 0
          ? interval
          : secondly
            ? 1_000
            : 10_000;
    return { action: 'wait', code: 'CRM_RATE_LIMITED', waitMs, reason };
  }
  if (http.code === 423) return { action: 'wait', code: 'CRM_UNAVAILABLE', waitMs: 2_000, reason };
  return decideHttpStatus(http.code, reason);
}
