import http from 'node:http';
import https from 'node:https';
import { AsyncLocalStorage } from 'node:async_hooks';
import { Client } from '@hubspot/api-client';
import { AppError, isAppError } from '../../src/shared/app-error.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { backoffDelay, sleep } from '../shared/backoff.ts';
import { CallCounter, endpointPattern } from '../shared/call-counter.ts';
import type { CallLimiter } from '../shared/shared-limiter.ts';
import { Semaphore } from '../shared/semaphore.ts';
import { holdToPermit } from '../shared/send-permit.ts';
import { accountDetailsFrom, HubSpotAccountZone } from './hubspot-account-zone.ts';
import { type HubSpotAuth, type TokenGrant, TokenProvider } from './hubspot-auth.ts';
import { classifyHubSpotFailure } from './hubspot-failure.ts';

/** Retry bounds for one API call. */
export interface HubSpotRetryOptions {
  /** Attempts for transient failures (5xx, timeouts, dropped connections); default 5. */
  maxAttempts?: number;
  /** First backoff delay in ms; default 500. */
  baseDelayMs?: number;
  /** Largest backoff delay in ms; default 30,000. */
  maxDelayMs?: number;
  /** Rate-limit / lock waits allowed per call before giving up; default 10. */
  maxWaits?: number;
  /** Cap on one CRM-requested wait (429 interval, Retry-After, 423) in ms; default 10,000. */
  maxWaitMs?: number;
}

/** A header the middleware adds to failed responses: the 429 policy name the SDK would drop. */
const POLICY_HEADER = 'x-pipeline-health-policy-name';

/** The AbortSignal of the logical call in progress (the SDK's transport takes none). */
const callSignal = new AsyncLocalStorage<AbortSignal | undefined>();

/**
 * An http(s) agent that gives every request its own deadline: `timeoutMs` without traffic, on a
 * new or a reused keep-alive socket alike (a timeout set on the socket in `createConnection` is
 * dropped when the socket goes back to the pool: CRM-FACTS.md). A hung request is destroyed with
 * ETIMEDOUT, it rejects and the call loop retries it. A request started inside `callSignal` is
 * destroyed when that signal aborts (a job cancelled at shutdown). A request of a fenced batch is
 * held to its send permit (send-permit.ts).
 */
function deadlineAgent(basePath: string, timeoutMs: number): http.Agent {
  const Base = basePath.startsWith('https:') ? https.Agent : http.Agent;
  class DeadlineAgent extends Base {
    // Not in the typings, but the one hook every request passes through, pooled socket or new.
    addRequest(req: http.ClientRequest, options: unknown): void {
      holdToPermit(req);
      req.setTimeout(timeoutMs, () => {
        req.destroy(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      });
      const signal = callSignal.getStore();
      if (signal !== undefined) {
        const abort = () => req.destroy(signal.reason as Error);
        if (signal.aborted) abort();
        else {
          signal.addEventListener('abort', abort, { once: true });
          req.once('close', () => signal.removeEventListener('abort', abort));
        }
      }
      (Base.prototype as unknown as { addRequest(r: unknown, o: unknown): void }).addRequest.call(
        this,
        req,
        options,
      );
    }
  }
  return new DeadlineAgent({ keepAlive: true, maxSockets: HUBSPOT_MAX_SOCKETS });
}

/**
 * Sockets per connector, and so requests in flight at once (the connector's default concurrency):
 * the limiter, not the wait for answers, decides when a call starts. With 4 in flight and answers
 * taking 150 ms a connector sends ~26 requests a second and cannot spend the rolling window's
 * burst (190 at once); 16 sends a window's worth in about 2 s at that latency.
 */
export const HUBSPOT_MAX_SOCKETS = 16;

interface RequestContextLike {
  getUrl(): string;
  getHttpMethod(): string;
  setHeaderParam(key: string, value: string): void;
}
interface ResponseContextLike {
  httpStatusCode: number;
  headers: Record<string, string>;
  body: { text(): Promise<string> };
}

function numberHeader(headers: Record<string, string>, name: string): number | null {
  const value = headers[name] ?? headers[name.toLowerCase()];
  if (value === undefined) return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

export interface HubSpotHttpOptions {
  basePath: string;
  auth: HubSpotAuth;
  limiter: CallLimiter;
  logger: Logger;
  now: () => number;
  requestTimeoutMs: number;
  retry: HubSpotRetryOptions;
  /** Calls in flight at once. */
  concurrency: number;
}

/** How one call may be retried. */
export interface CallPolicy {
  /**
   * false: a transient failure (timeout, dropped connection, 5xx) is thrown at once instead of
   * retried, because the CRM may have committed the request (non-idempotent creates: the caller
   * re-reads what exists before trying again). 429 and 423 are still waited out: HubSpot did not
   * process those requests. Default true.
   */
  retryTransient?: boolean;
}

/**
 * The SDK client plus everything around each call: per-connector limiter, bearer token,
 * call counting, rate-limit header reading, and the retry loop driven by the classifier.
 */
export class HubSpotHttp {
  readonly client: Client;
  readonly counter = new CallCounter();
  readonly tokens: TokenProvider;
  /** The account's time zone (daily limit resets at its midnight), read once when first needed. */
  readonly accountZone = new HubSpotAccountZone(async () => {
    const res = await this.requestJson('/account-info/v3/details');
    return res.status === null
      ? { ok: false, status: null, reason: res.reason }
      : accountDetailsFrom(res.status, res.body);
  });
  readonly #options: HubSpotHttpOptions;
  readonly #slots: Semaphore;
  /** HubSpot's clock minus ours, from the last answer's Date header, and when (our clock) it was seen. */
  #crmClock: { offsetMs: number; seenAt: number } | null = null;

  constructor(options: HubSpotHttpOptions) {
    this.#options = options;
    this.#slots = new Semaphore(options.concurrency);
    const counter = this.counter;
    const limiter = options.limiter;
    const tokenProvider = (): string | null => this.tokens.current();
    const sawDate = (value: string | undefined) => {
      const at = value === undefined ? Number.NaN : Date.parse(value);
      if (!Number.isFinite(at)) return;
      const local = options.now();
      this.#crmClock = { offsetMs: at - local, seenAt: local };
    };
    this.client = new Client({
      basePath: options.basePath,
      // The SDK's retries and limiter are process-wide; ours are per connector (see call()).
      numberOfApiCallRetries: 0,
      httpAgent: deadlineAgent(options.basePath, options.requestTimeoutMs),
      middleware: [
        {
          pre(context: unknown): unknown {
            const ctx = context as RequestContextLike;
            const url = ctx.getUrl();
            counter.record(endpointPattern(String(ctx.getHttpMethod()), url));
            const token = tokenProvider();
            if (token !== null && !new URL(url).pathname.startsWith('/oauth/')) {
              ctx.setHeaderParam('Authorization', `Bearer ${token}`);
            }
            return ctx;
          },
          async post(context: unknown): Promise<unknown> {
            const ctx = context as ResponseContextLike;
            const h = ctx.headers;
            sawDate(h.date ?? h.Date);
            limiter.observe({
              max: numberHeader(h, 'x-hubspot-ratelimit-max'),
              remaining: numberHeader(h, 'x-hubspot-ratelimit-remaining'),
              intervalMs: numberHeader(h, 'x-hubspot-ratelimit-interval-milliseconds'),
            });
            const dailyMax = numberHeader(h, 'x-hubspot-ratelimit-daily');
            const dailyRemaining = numberHeader(h, 'x-hubspot-ratelimit-daily-remaining');
            counter.recordDaily(
              dailyMax !== null && dailyRemaining !== null ? dailyMax - dailyRemaining : null,
              dailyMax,
            );
            if (ctx.httpStatusCode === 429) {
              counter.recordRateLimited();
              // The SDK deserialises error bodies into its Error model, which has no `policyName`:
              // keep it in a header so the classifier can tell DAILY from TEN_SECONDLY_ROLLING.
              try {
                const body = JSON.parse(await ctx.body.text()) as { policyName?: unknown };
                if (typeof body.policyName === 'string') h[POLICY_HEADER] = body.policyName;
              } catch {
                // Not JSON: the classifier falls back to the status.
              }
            }
            return ctx;
          },
        },
      ],
    });
    this.tokens = new TokenProvider({
      auth: options.auth,
      now: options.now,
      refresh: (refreshToken) => this.#refresh(refreshToken),
    });
  }

  /**
   * Run one SDK call with the limiter, a valid token and the retry loop. `kind` picks the
   * limiter bucket ("search" also meets the per-second search limit).
   */
  async call<T>(
    kind: 'default' | 'search',
    fn: () => Promise<T>,
    signal?: AbortSignal,
    options: CallPolicy = {},
  ): Promise<T> {
    const scoped = signal ?? callSignal.getStore();
    const once = options.retryTransient === false;
    return this.#slots.run(() => callSignal.run(scoped, () => this.#run(kind, fn, scoped, true, once)));
  }

  /**
   * HubSpot's "now" in epoch ms, from the Date header of its answers (whole seconds) and our clock
   * (see below), so a worker's skewed clock never moves a sync window. When no answer
   * was seen in the last minute, one cheap call (an owners page of one) asks for a fresh Date.
   */
  async crmNow(signal?: AbortSignal): Promise<number> {
    const fresh = () => {
      const c = this.#crmClock;
      const local = this.#options.now();
      if (c === null || Math.abs(local - c.seenAt) >= 60_000) return null;
      // HubSpot's time lies in [Date, Date + 1 s): where our clock falls in that range it is the
      // more precise reading; outside it (a skewed worker), the nearest end of the range.
      return Math.min(Math.max(local, local + c.offsetMs), local + c.offsetMs + 999);
    };
    const known = fresh();
    if (known !== null) return known;
    await this.call(
      'default',
      () => this.client.crm.owners.ownersApi.getPage(undefined, undefined, 1, false),
      signal,
    );
    const now = fresh();
    if (now === null) throw new AppError('CRM_UNAVAILABLE', 'HubSpot answered without a Date header');
    return now;
  }

  /**
   * Run `fn` so that every call it makes (without a signal of its own) stops when `signal` aborts:
   * the requests in flight are destroyed and the calls reject with the signal's reason.
   */
  withSignal<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
    return signal === undefined ? fn() : callSignal.run(signal, fn);
  }

  async #run<T>(
    kind: string,
    fn: () => Promise<T>,
    signal: AbortSignal | undefined,
    reauth: boolean,
    once = false,
  ): Promise<T> {
    const retry = this.#options.retry;
    const maxAttempts = retry.maxAttempts ?? 5;
    const maxWaits = retry.maxWaits ?? 10;
    let failures = 0;
    let waits = 0;
    let reauthed = false;
    for (;;) {
      signal?.throwIfAborted();
      const token = reauth ? await this.tokens.token() : null;
      const settle = await this.#options.limiter.acquire(kind, signal);
      if (signal?.aborted === true) {
        settle();
        signal.throwIfAborted(); // stopped while waiting for the limiter: never sent
      }
      try {
        const result = await fn();
        settle();
        return result;
      } catch (err) {
        settle();
        // Cancelled (shutdown): no retry, the job is retried later from its saved progress.
        signal?.throwIfAborted();
        // Our own code failed inside the call (an effect guard): already classified, never retried here.
        if (isAppError(err)) throw err;
        let decision = classifyHubSpotFailure(withPolicy(err), this.#options.now(), this.accountZone.known());
        if (
          decision.action === 'fail' &&
          decision.code === 'CRM_QUOTA_EXHAUSTED' &&
          !this.accountZone.known()
        ) {
          await this.accountZone.load();
          decision = classifyHubSpotFailure(withPolicy(err), this.#options.now(), this.accountZone.known());
        }
        const status = statusOf(err);
        const base = { cause: err, ...(status === undefined ? {} : { status }) };
        if (decision.action === 'reauth') {
          if (!reauth || reauthed || !this.tokens.canRefresh) {
            throw new AppError('CRM_AUTH', decision.reason, base);
          }
          reauthed = true;
          await this.tokens.rejected(token);
          continue;
        }
        if (decision.action === 'fail') {
          throw new AppError(decision.code, decision.reason, {
            ...base,
            ...(decision.retryAt === undefined ? {} : { retryAt: decision.retryAt }),
          });
        }
        let delay: number;
        if (decision.action === 'wait') {
          waits += 1;
          if (waits > maxWaits)
            throw new AppError(decision.code, `${decision.reason} (waited ${maxWaits} times)`, base);
          delay = Math.min(decision.waitMs, retry.maxWaitMs ?? 10_000);
          this.#options.limiter.pause(delay);
        } else {
          failures += 1;
          if (failures >= maxAttempts || once) {
            throw new AppError(
              decision.code,
              `${decision.reason} (gave up after ${failures} attempts)`,
              base,
            );
          }
          delay = backoffDelay(failures - 1, {
            baseMs: retry.baseDelayMs ?? 500,
            maxMs: retry.maxDelayMs ?? 30_000,
          });
        }
        this.#options.logger.warn(
          { code: decision.code, action: decision.action, delayMs: delay },
          decision.reason,
        );
        if (decision.action === 'retry') await sleep(delay, signal);
      }
    }
  }

  /**
   * One request outside the SDK (endpoints it has no client for: account information, token
   * metadata), counted like SDK calls, never retried, never throwing: the status and body, or why
   * there was none. `bearer: false` sends no token (the token metadata endpoint takes it in the path).
   */
  async requestJson(
    path: string,
    init: { method?: 'GET' | 'POST'; body?: unknown; bearer?: boolean } = {},
  ): Promise<{ status: number; body: unknown } | { status: null; reason: string }> {
    const url = `${this.#options.basePath}${path}`;
    const method = init.method ?? 'GET';
    // Never a token in the recorded endpoint (the token metadata path carries one).
    this.counter.record(endpointPattern(method, url).replace(/(\/access-tokens\/)[^/]+/, '$1{token}'));
    // These calls count against the account's limits like SDK calls: they take a limiter slot too
    // (without one, the shared per-portal budget was overrun by exactly these calls).
    let settle: () => void = () => {};
    try {
      settle = await this.#options.limiter.acquire('default', callSignal.getStore());
      const token = init.bearer === false ? null : await this.tokens.token();
      const res = await fetch(url, {
        method,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(init.body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
        signal: AbortSignal.timeout(this.#options.requestTimeoutMs),
      });
      const text = await res.text();
      let body: unknown = text;
      try {
        body = JSON.parse(text);
      } catch {
        // Not JSON: keep the text.
      }
      return { status: res.status, body };
    } catch (err) {
      return { status: null, reason: err instanceof Error ? err.message : String(err) };
    } finally {
      settle();
    }
  }

  async #refresh(refreshToken: string): Promise<TokenGrant> {
    const auth = this.#options.auth;
    if (auth.type !== 'oauth') throw new AppError('CRM_AUTH', 'private-app tokens cannot be refreshed');
    try {
      const grant = await this.#run(
        'default',
        () =>
          this.client.oauth.tokensApi.create(
            'refresh_token',
            undefined,
            undefined,
            auth.clientId,
            auth.clientSecret,
            refreshToken,
          ),
        undefined,
        false,
      );
      return {
        accessToken: grant.accessToken,
        refreshToken: grant.refreshToken ?? null,
        expiresInSeconds: Number.isFinite(grant.expiresIn) ? grant.expiresIn : 1800,
      };
    } catch (err) {
      // 400 invalid_grant (HubSpot also says BAD_REFRESH_TOKEN): the refresh token was revoked;
      // only a human re-authorising the app fixes it, so this stops the tenant.
      if (err instanceof AppError && (err.status === 400 || err.status === 401)) {
        throw new AppError('CRM_AUTH', `HubSpot refused the refresh token: ${err.message}`, {
          cause: err,
          status: err.status,
        });
      }
      throw err;
    }
  }
}

function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Put the policy name saved by the middleware back into the error body for the classifier. */
function withPolicy(err: unknown): unknown {
  const e = err as { code?: unknown; body?: unknown; headers?: Record<string, string> } | null;
  const policy = e?.headers?.[POLICY_HEADER];
  if (e === null || policy === undefined) return err;
  const body = e.body !== null && typeof e.body === 'object' ? e.body : {};
  return { code: e.code, headers: e.headers, body: { ...body, policyName: policy } };
}
