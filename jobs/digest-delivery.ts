// One digest to the tenant's webhook (docs/DIGEST.md): claimed in Redis before each request so it
// is sent at most once per recipient and week across retries, crashes and workers; signed; retried
// with exponential backoff on network errors, 5xx and 429 (Retry-After respected), never on 4xx.

import { setTimeout as sleep } from 'node:timers/promises';
import type { DigestConfig } from '../src/domain/index.ts';
import { SIGNATURE_HEADER, signatureHeader } from '../src/shared/webhook-signature.ts';
import type { DigestAttemptRecord, DigestStore } from '../src/store/digest.store.ts';

/** One request's deadline; the claim outlives it by a margin so it never expires mid-request. */
const REQUEST_TIMEOUT_MS = 10_000;
const LEASE_MARGIN_MS = 20_000;

export interface DigestDelivery {
  store: DigestStore;
  url: string;
  secret: string;
  /** `<tenant>.<ISO week>.<recipient>`: the idempotency key, also sent as X-PH-Delivery-Id. */
  deliveryId: string;
  week: string;
  recipient: string;
  body: string;
  retry: DigestConfig['retry'];
  /** Who claims (job id and a random token): the claim is fenced by it. */
  holder: string;
  now: () => number;
  signal?: AbortSignal | undefined;
  requestTimeoutMs?: number;
}

/**
 * `delivered` now; `already` delivered or final earlier in the week (nothing sent); `deferred`
 * to a later run (a wait longer than retry.maxDelayMs, or another worker holds it); `failed` (a
 * 4xx or attempts used up); `unknown` (a worker was lost during a request: not resent).
 */
export type DigestOutcome = 'delivered' | 'already' | 'deferred' | 'failed' | 'unknown';

/** What one response or network error means for the delivery. */
type Decision = { kind: 'delivered' } | { kind: 'retry'; retryAfterMs: number | null } | { kind: 'fail' };

/** Retry-After: delay-seconds or an HTTP date (RFC 9110 section 10.2.3). */
function retryAfterMs(header: string | null, now: number): number | null {
  if (header === null) return null;
  const trimmed = header.trim();
  if (/^\d+$/.test(trimmed)) return Number(trimmed) * 1000;
  const at = Date.parse(trimmed);
  return Number.isFinite(at) ? Math.max(0, at - now) : null;
}

function decide(status: number | null, retryAfter: number | null): Decision {
  // A network error: the receiver is down or unreachable, worth another try.
  if (status === null) return { kind: 'retry', retryAfterMs: null };
  if (status >= 200 && status < 300) return { kind: 'delivered' };
  // Overloaded or down: retried. Slack answers 429 with Retry-After.
  if (status === 429 || status >= 500) return { kind: 'retry', retryAfterMs: retryAfter };
  // 4xx: the receiver refuses this request (bad URL, revoked hook, bad signature); a retry would
  // repeat it. 3xx: redirects are not followed, so the signed body never goes elsewhere.
  return { kind: 'fail' };
}

/** A network error as a code (ECONNREFUSED, TimeoutError): never the message, which may hold the URL. */
function errorCode(err: unknown): string {
  const cause = (err as { cause?: { code?: unknown } }).cause;
  if (cause && typeof cause.code === 'string') return cause.code;
  const name = (err as { name?: unknown }).name;
  return typeof name === 'string' ? name : 'network error';
}

export async function deliverDigest(d: DigestDelivery): Promise<DigestOutcome> {
  const timeoutMs = d.requestTimeoutMs ?? REQUEST_TIMEOUT_MS;
  const record = (r: Omit<DigestAttemptRecord, 'at' | 'deliveryId' | 'week' | 'recipient'>) =>
    d.store.log({
      at: new Date(d.now()).toISOString(),
      deliveryId: d.deliveryId,
      week: d.week,
      recipient: d.recipient,
      ...r,
    });
  for (;;) {
    const claim = await d.store.claim(d.deliveryId, d.holder, timeoutMs + LEASE_MARGIN_MS, d.retry.attempts);
    if (!claim.claimed) {
      if (claim.abandoned) {
        await record({
          attempt: claim.state.attempts,
          status: null,
          outcome: 'unknown',
          error: 'a worker was lost during this request; not resent (at most once)',
          retryInMs: null,
        });
        return 'unknown';
      }
      const s = claim.state.state;
      return s === 'retry' || s === 'sending' ? 'deferred' : 'already';
    }
    const attempt = claim.attempt;
    const unix = Math.floor(d.now() / 1000);
    let status: number | null = null;
    let error: string | null = null;
    let retryAfter: number | null = null;
    try {
      const signals = [AbortSignal.timeout(timeoutMs), ...(d.signal ? [d.signal] : [])];
      const res = await fetch(d.url, {
        method: 'POST',
        redirect: 'manual',
        headers: {
          'content-type': 'application/json',
          [SIGNATURE_HEADER]: signatureHeader(d.secret, d.body, unix),
          'x-ph-delivery-id': d.deliveryId,
        },
        body: d.body,
        signal: AbortSignal.any(signals),
      });
      status = res.status;
      retryAfter = retryAfterMs(res.headers.get('retry-after'), d.now());
      await res.body?.cancel();
      if (status < 200 || status >= 300) error = `HTTP ${status}`;
    } catch (err) {
      error = errorCode(err);
    }
    const decision = decide(status, retryAfter);
    if (decision.kind === 'delivered') {
      const kept = await d.store.finish(d.deliveryId, d.holder, 'delivered');
      // Not kept: this worker was too slow and another one marked the digest unknown meanwhile.
      await record(
        kept
          ? { attempt, status, outcome: 'delivered', error: null, retryInMs: null }
          : {
              attempt,
              status,
              outcome: 'unknown',
              error: 'accepted after the claim ran out',
              retryInMs: null,
            },
      );
      return kept ? 'delivered' : 'unknown';
    }
    if (decision.kind === 'fail' || attempt >= d.retry.attempts) {
      await d.store.finish(d.deliveryId, d.holder, 'failed');
      const why = decision.kind === 'fail' ? error : `${error}; ${attempt} attempts used up`;
      await record({ attempt, status, outcome: 'failed', error: why, retryInMs: null });
      return 'failed';
    }
    const backoff = d.retry.initialDelayMs * 2 ** (attempt - 1);
    const wait = Math.max(backoff, decision.retryAfterMs ?? 0);
    await d.store.finish(d.deliveryId, d.holder, 'retry', wait);
    await record({ attempt, status, outcome: 'retry', error, retryInMs: wait });
    // Cancelled (shutdown): the claim is free again, the next run of the week takes it.
    if (d.signal?.aborted) return 'deferred';
    if (wait > d.retry.maxDelayMs) return 'deferred';
    try {
      await sleep(wait, undefined, d.signal ? { signal: d.signal } : {});
    } catch {
      return 'deferred';
    }
  }
}
