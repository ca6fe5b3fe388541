import http from 'node:http';
import https from 'node:https';
import type { Socket } from 'node:net';
import { Client } from '@hubspot/api-client';
import { AppError, isAppError } from '../../src/shared/app-error.ts';
import type { Logger } from '../../src/shared/logger.ts';
import { backoffDelay, sleep } from '../shared/backoff.ts';
import { CallCounter, endpointPattern } from '../shared/call-counter.ts';
import type { SlidingWindowLimiter } from '../shared/rate-limiter.ts';
import { Semaphore } from '../shared/semaphore.ts';
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

/**
 * An http(s) agent whose sockets give up after `timeoutMs` without traffic. The SDK's transport
 * takes no AbortSignal, so a hung request is ended here: the socket is destroyed with ETIMEDOUT,
 * the request rejects and the call loop retries it.
 */
function timeoutAgent(basePath: string, timeoutMs: number): http.Agent {
  const Base = basePath.startsWith('https:') ? https.Agent : http.Agent;
  class TimeoutAgent extends Base {
    override createConnection(
      ...args: Parameters<http.Agent['createConnection']>
    ): ReturnType<http.Agent['createConnection']> {
      const socket = super.createConnection(...args) as Socket;
      socket.setTimeout(timeoutMs);
      socket.on('timeout', () => {
        socket.destroy(Object.assign(new Error(`no response within ${timeoutMs} ms`), { code: 'ETIMEDOUT' }));
      });
      return socket;
    }
  }
  return new TimeoutAgent({ keepAlive: true, maxSockets: 16 });
}

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
  limiter: SlidingWindowLimiter;
  logger: Logger;
  now: () => number;
  requestTimeoutMs: number;
  retry: HubSpotRetryOptions;
  /** Calls in flight at once. */
  concurrency: number;
}

/**
 * The SDK client plus everything around each call: per-connector limiter, bearer token,
 * call counting, rate-limit header reading, and the retry loop driven by the classifier.
 */
export class HubSpotHttp {
  readonly client: Client;
  readonly counter = new CallCounter();
  readonly tokens: TokenProvider;
  readonly #options: HubSpotHttpOptions;
  readonly #slots: Semaphore;

  constructor(options: HubSpotHttpOptions) {
    this.#options = options;
    this.#slots = new Semaphore(options.concurrency);
    const counter = this.counter;
    const limiter = options.limiter;
    const tokenProvider = (): string | null => this.tokens.current();
    this.client = new Client({
      basePath: options.basePath,
      // The SDK's retries and limiter are process-wide; ours are per connector (see call()).
      numberOfApiCallRetries: 0,
      httpAgent: timeoutAgent(options.basePath, options.requestTimeoutMs),
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
  async call<T>(kind: 'default' | 'search', fn: () => Promise<T>, signal?: AbortSignal): Promise<T> {
    return this.#slots.run(() => this.#run(kind, fn, signal, true));
  }

  async #run<T>(
    kind: string,
    fn: () => Promise<T>,
    signal: AbortSignal | undefined,
    reauth: boolean,
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
      try {
        const result = await fn();
        settle();
        return result;
      } catch (err) {
        settle();
        // Our own code failed inside the call (an effect guard): already classified, never retried here.
        if (isAppError(err)) throw err;
        const decision = classifyHubSpotFailure(withPolicy(err), this.#options.now());
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
          if (failures >= maxAttempts) {
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
