import { sendFenced } from '../shared/send-permit.ts';
import { Connection } from 'jsforce';
import type { HttpRequest, HttpResponse } from 'jsforce/lib/types/common.js';
import { z } from 'zod';
import type { SalesforceConnectionSchema } from '../../src/domain/index.ts';
import { AppError, isAppError } from '../../src/shared/app-error.ts';
import type { Logger } from '../../src/shared/logger.ts';
import type { ApiUsage } from '../crm-connector.ts';
import { requestToken, type SalesforceSession } from './salesforce-auth.ts';
import { classifySalesforceFailure, nextUtcMidnight, type SalesforceDecision } from './salesforce-failure.ts';
import { SALESFORCE_LIMITS } from './salesforce-limits.ts';
import {
  CountingTransport,
  callSignal,
  type ResponseMeta,
  withResponseMeta,
} from './salesforce-transport.ts';

export type SalesforceConnectionConfig = z.infer<typeof SalesforceConnectionSchema>;

/** Options of {@link SalesforceClient}. */
export interface SalesforceClientOptions {
  connection: SalesforceConnectionConfig;
  logger: Logger;
  /** The connector's clock (quota reset times). Default: the system clock. */
  clock?: () => Date;
  /** Start with this session instead of asking the token endpoint first (e.g. a token you already hold). */
  session?: { accessToken: string; instanceUrl: string; userId?: string | null };
  /** Abandon a request after this many ms. Default 60,000. */
  requestTimeoutMs?: number;
  /** Attempts per request for transient failures (5xx, timeouts, network). Default 4. */
  maxAttempts?: number;
  /** Backoff base and cap in ms (full jitter). Defaults 250 and 8,000. */
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  /** Waits between attempts; tests pass a fast one. Default setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Random source for jitter. Default Math.random. */
  random?: () => number;
  /**
   * Queries this client keeps open at once. Salesforce allows 10 open query cursors per user and
   * silently drops the oldest past that (its next queryMore fails INVALID_QUERY_LOCATOR). Default 8.
   */
  maxOpenQueries?: number;
}

const QueryResultSchema = z.object({
  totalSize: z.number(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(z.record(z.string(), z.unknown())),
});

export interface QueryOptions {
  /** queryAll: include deleted and archived rows. */
  all?: boolean;
  /** Query the Tooling API (CustomField and other setup objects). */
  tooling?: boolean;
  /** Label for errors and logs. */
  what?: string;
  /** Records per batch (Sforce-Query-Options batchSize, 200..2,000; a hint Salesforce may round). */
  batchSize?: number;
}

export interface QueryBatch {
  records: Record<string, unknown>[];
  done: boolean;
}

const defaultSleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** A counting semaphore: at most `limit` holders at once, the rest wait in order. */
class Slots {
  #free: number;
  readonly #waiting: (() => void)[] = [];

  constructor(limit: number) {
    this.#free = limit;
  }

  async acquire(): Promise<void> {
    if (this.#free > 0) {
      this.#free -= 1;
      return;
    }
    await new Promise<void>((resolve) => this.#waiting.push(resolve));
  }

  release(): void {
    const next = this.#waiting.shift();
    if (next === undefined) this.#free += 1;
    else next();
  }
}

/**
 * The connector's only way to Salesforce: one jsforce Connection per connector instance, with
 * session handling (one refresh at a time, shared by every request waiting for it), the API
 * budget check before each call, bounded retries of transient failures and call counting.
 */
/** Per-call options of {@link SalesforceClient.call}. */
export interface CallOptions {
  /** false: one attempt (the caller retries itself, e.g. creates that must look for earlier copies first). */
  retry?: boolean;
  /** Runs right before each attempt is sent (an effect fence); when it throws, nothing is sent. */
  before?: () => Promise<void>;
}

export class SalesforceClient {
  readonly #options: SalesforceClientOptions;
  readonly #config: SalesforceConnectionConfig;
  readonly #logger: Logger;
  readonly #clock: () => Date;
  #connPromise: Promise<Connection> | null = null;
  #session: SalesforceSession | null = null;
  /** Why the last session refresh failed: jsforce re-wraps it as a plain Error, so it is kept here. */
  #refreshFailure: AppError | null = null;
  #refreshesWithoutSuccess = 0;
  #inFlight = 0;
  #serverDate: number | null = null;
  readonly #counts = { calls: 0, byEndpoint: {} as Record<string, number>, rateLimited: 0 };
  #daily: { used: number | null; max: number | null } = { used: null, max: null };
  readonly #querySlots: Slots;
  readonly #markers = new Set<{ at: number | null }>();
  /** After a quota refusal every further call fails at once until the reset time (no hammering). */
  #quotaStop: AppError | null = null;

  constructor(options: SalesforceClientOptions) {
    this.#options = options;
    this.#config = options.connection;
    this.#logger = options.logger;
    this.#clock = options.clock ?? (() => new Date());
    this.#querySlots = new Slots(options.maxOpenQueries ?? SALESFORCE_LIMITS.maxOpenQueries);
  }

  now(): Date {
    return this.#clock();
  }

  usage(): ApiUsage {
    return {
      calls: this.#counts.calls,
      callsByEndpoint: { ...this.#counts.byEndpoint },
      rateLimited: this.#counts.rateLimited,
      daily: { ...this.#daily },
    };
  }

  /**
   * A marker that takes the server time (Date header) of the first answer after now: the start of
   * a pull run as Salesforce saw it, with no dependence on the local clock.
   */
  markFirstAnswer(): { at: number | null } {
    const marker = { at: null as number | null };
    this.#markers.add(marker);
    return marker;
  }

  /** The org's instance URL from the OAuth answer, once a session was opened; null before. */
  instanceUrl(): string | null {
    return this.#session?.instanceUrl ?? null;
  }

  /** The server's time from the last response's Date header (ms), or null before any answer. */
  lastServerTime(): number | null {
    return this.#serverDate;
  }

  /** Maximum number of attempts per request. */
  attempts(): number {
    return this.#options.maxAttempts ?? SALESFORCE_LIMITS.maxAttempts;
  }

  /** Wait before attempt `attempt + 1` (full jitter). */
  async pause(attempt: number): Promise<void> {
    await this.#backoff(attempt);
  }

  /** The integration user's id when the token response told it (identity URL). */
  async apiUserId(): Promise<string | null> {
    await this.#connection();
    return this.#session?.userId ?? null;
  }

  #count(endpoint: string): void {
    this.#counts.calls += 1;
    this.#counts.byEndpoint[endpoint] = (this.#counts.byEndpoint[endpoint] ?? 0) + 1;
  }

  #observe(response: HttpResponse): void {
    if (response.statusCode < 400) this.#refreshesWithoutSuccess = 0;
    const limit = /api-usage=(\d+)\/(\d+)/.exec(response.headers['sforce-limit-info'] ?? '');
    if (limit !== null) this.#daily = { used: Number(limit[1]), max: Number(limit[2]) };
    const date = Date.parse(response.headers.date ?? '');
    if (!Number.isNaN(date)) {
      this.#serverDate = date;
      for (const marker of this.#markers) marker.at = date;
      this.#markers.clear();
    }
    if (response.statusCode === 429 || response.body.includes('REQUEST_LIMIT_EXCEEDED'))
      this.#counts.rateLimited += 1;
  }

  async #grant(): Promise<SalesforceSession> {
    const maxAttempts = this.#options.maxAttempts ?? SALESFORCE_LIMITS.maxAttempts;
    const timeout = this.#options.requestTimeoutMs ?? SALESFORCE_LIMITS.requestTimeoutMs;
    for (let attempt = 1; ; attempt += 1) {
      this.#count('POST /services/oauth2/token');
      const result = await requestToken(this.#config.auth, this.#config.loginUrl, timeout);
      if (result.ok) return result.session;
      if (!result.transient || attempt >= maxAttempts) throw result.error;
      await this.#backoff(attempt);
    }
  }

  #connection(): Promise<Connection> {
    if (this.#connPromise === null) {
      this.#connPromise = this.#open().catch((err: unknown) => {
        this.#connPromise = null;
        throw err;
      });
    }
    return this.#connPromise;
  }

  async #open(): Promise<Connection> {
    const given = this.#options.session;
    this.#session =
      given === undefined
        ? await this.#grant()
        : {
            accessToken: given.accessToken,
            instanceUrl: given.instanceUrl.replace(/\/+$/, ''),
            userId: given.userId ?? null,
          };
    const conn = new Connection({
      instanceUrl: this.#session.instanceUrl,
      accessToken: this.#session.accessToken,
      version: this.#config.apiVersion,
      // jsforce calls this on a 401 and shares one in-flight refresh among all waiting requests.
      refreshFn: (c, callback) => {
        this.#refreshSession().then(
          (session) => {
            c.instanceUrl = session.instanceUrl;
            callback(null, session.accessToken);
          },
          (err: unknown) => callback(err instanceof Error ? err : new Error(String(err))),
        );
      },
    });
    conn._transport = new CountingTransport(
      { onRequest: (endpoint) => this.#count(endpoint), onResponse: (response) => this.#observe(response) },
      this.#options.requestTimeoutMs ?? SALESFORCE_LIMITS.requestTimeoutMs,
    );
    return conn;
  }

  async #refreshSession(): Promise<SalesforceSession> {
    this.#refreshesWithoutSuccess += 1;
    try {
      if (this.#refreshesWithoutSuccess > SALESFORCE_LIMITS.maxRefreshesWithoutSuccess) {
        // A fresh token refused again and again: stop instead of looping through jsforce's refresh.
        throw new AppError(
          'CRM_AUTH',
          'Salesforce keeps refusing freshly issued sessions; check the connected app policies',
        );
      }
      this.#logger.info({ crm: 'salesforce' }, 'salesforce session expired; refreshing');
      this.#session = { ...(await this.#grant()), userId: this.#session?.userId ?? null };
      this.#refreshFailure = null;
      return this.#session;
    } catch (err) {
      this.#refreshFailure = isAppError(err) ? err : new AppError('CRM_AUTH', String(err), { cause: err });
      throw err;
    }
  }

  async #backoff(attempt: number): Promise<void> {
    const base = this.#options.backoffBaseMs ?? SALESFORCE_LIMITS.backoffBaseMs;
    const cap = this.#options.backoffMaxMs ?? SALESFORCE_LIMITS.backoffMaxMs;
    const random = this.#options.random ?? Math.random;
    const delay = Math.floor(random() * Math.min(cap, base * 2 ** (attempt - 1)));
    await (this.#options.sleep ?? defaultSleep)(delay);
  }

  /** Stop before this call would take the org past the tenant's share of its daily allocation. */
  #checkBudget(what: string): void {
    if (this.#quotaStop !== null) {
      if ((this.#quotaStop.retryAt ?? 0) > this.#clock().getTime()) throw this.#quotaStop;
      this.#quotaStop = null;
    }
    const { used, max } = this.#daily;
    if (used === null || max === null) return;
    const allowed = Math.floor(max * this.#config.dailyBudgetShare);
    if (used + this.#inFlight + 1 > allowed) {
      throw new AppError(
        'CRM_QUOTA_EXHAUSTED',
        `Stopped before ${what}: the org has used ${used}/${max} API calls today and this tenant may use up to ` +
          `${Math.round(this.#config.dailyBudgetShare * 100)}% (${allowed}). Salesforce counts a rolling 24 hours; ` +
          'the cycle resumes after the next UTC midnight.',
        { retryAt: nextUtcMidnight(this.#clock()), details: { used, max, allowed } },
      );
    }
  }

  #decide(err: unknown, meta: ResponseMeta, what: string): SalesforceDecision {
    if (isAppError(err)) return { action: err.code === 'CRM_UNAVAILABLE' ? 'retry' : 'fail', error: err };
    const message = err instanceof Error ? err.message : String(err);
    if (message.startsWith('Unable to refresh session')) {
      const failure = this.#refreshFailure ?? new AppError('CRM_AUTH', message, { cause: err });
      return { action: failure.code === 'CRM_UNAVAILABLE' ? 'retry' : 'fail', error: failure };
    }
    const errorCode = (err as { errorCode?: unknown }).errorCode;
    return classifySalesforceFailure(
      {
        status: meta.status,
        errorCode: typeof errorCode === 'string' ? errorCode : null,
        message,
        cause: err,
        what,
      },
      this.#clock(),
    );
  }

  /**
   * One REST call with budget check, bounded retries of transient failures (every method: a
   * PATCH of the same values is idempotent; callers make POSTs safe before calling) and
   * classification of the final failure into an AppError.
   */
  async request<T>(request: HttpRequest, what?: string, options: CallOptions = {}): Promise<T> {
    const label = what ?? `${request.method} ${request.url.split('?')[0]}`;
    return this.call(
      label,
      (conn, meta) => conn.request<T>(request, { meta } as object) as Promise<T>,
      options,
    );
  }

  /**
   * Any jsforce operation (e.g. a `conn.bulk2` job call) with the same budget check, retries and
   * classification as {@link request}. `meta` receives the last response's status and headers.
   */
  async call<T>(
    what: string,
    run: (conn: Connection, meta: ResponseMeta) => Promise<T>,
    options: CallOptions = {},
  ): Promise<T> {
    const conn = await this.#connection();
    // retry false: the caller retries itself (creates, which must look for earlier copies first).
    const maxAttempts =
      options.retry === false ? 1 : (this.#options.maxAttempts ?? SALESFORCE_LIMITS.maxAttempts);
    const signal = callSignal();
    for (let attempt = 1; ; attempt += 1) {
      signal?.throwIfAborted();
      const meta: ResponseMeta = { status: null };
      // An effect guard runs right before each attempt is sent, and the attempt must be on the wire
      // within the send window of it (send-permit.ts); a guard's error ends the call. The budget
      // check comes after the guard, and between it and `inFlight += 1` nothing may await, or
      // concurrent calls all pass the check on the same count (7 calls past a 4-call budget).
      let sending = false;
      try {
        return await sendFenced(options.before, () => {
          if (!sending) {
            try {
              this.#checkBudget(what);
            } catch (err) {
              if (isAppError(err) && err.code === 'CRM_QUOTA_EXHAUSTED') this.#quotaStop = err;
              throw err;
            }
            this.#inFlight += 1;
            sending = true;
          }
          return withResponseMeta(meta, () => run(conn, meta));
        });
      } catch (err) {
        // The guard or the budget stopped it: nothing was sent.
        if (!sending) throw err;
        // Cancelled (shutdown): no retry; the job resumes later from its saved progress.
        signal?.throwIfAborted();
        const decision = this.#decide(err, meta, what);
        if (decision.action === 'fail' || attempt >= maxAttempts) {
          if (decision.error.code === 'CRM_QUOTA_EXHAUSTED') this.#quotaStop = decision.error;
          this.#logger.warn(
            { crm: 'salesforce', code: decision.error.code, attempt, what },
            decision.error.message,
          );
          throw decision.error;
        }
        this.#logger.info(
          { crm: 'salesforce', code: decision.error.code, attempt, what },
          'retrying Salesforce call',
        );
      } finally {
        if (sending) this.#inFlight -= 1;
      }
      await this.#backoff(attempt);
    }
  }

  /** Wait `ms` with the client's sleep function (tests pass a fast one). */
  async wait(ms: number): Promise<void> {
    await (this.#options.sleep ?? defaultSleep)(ms);
  }

  /** Classify a failure that arrived in a successful answer (a Failed Bulk API job's errorMessage). */
  failure(what: string, errorCode: string, message: string): AppError {
    return this.#decide(Object.assign(new Error(message), { errorCode }), { status: 400 }, what).error;
  }

  /** Run SOQL (`all`: queryAll, including deleted rows) and yield each batch of up to 2,000 records. */
  async *query(soql: string, options: QueryOptions = {}): AsyncGenerator<QueryBatch> {
    const resource = options.all === true ? 'queryAll' : 'query';
    let url: string | undefined =
      `${options.tooling === true ? '/tooling' : ''}/${resource}?q=${encodeURIComponent(soql)}`;
    const what = options.what ?? `query ${soql.slice(0, 60)}`;
    // One slot per query from its first batch to its last: its server-side cursor lives that long.
    await this.#querySlots.acquire();
    try {
      while (url !== undefined) {
        const headers: Record<string, string> =
          options.batchSize === undefined ? {} : { 'Sforce-Query-Options': `batchSize=${options.batchSize}` };
        const raw = await this.request<unknown>({ method: 'GET', url, headers }, what);
        const parsed = QueryResultSchema.safeParse(raw);
        if (!parsed.success) {
          throw new AppError(
            'CRM_REJECTED',
            `Salesforce answered ${what} with an unexpected shape: ${parsed.error.message}`,
          );
        }
        yield { records: parsed.data.records, done: parsed.data.done };
        url = parsed.data.done ? undefined : parsed.data.nextRecordsUrl;
      }
    } finally {
      this.#querySlots.release();
    }
  }

  /** Every record of a query, all batches. */
  async queryAll(soql: string, options: QueryOptions = {}): Promise<Record<string, unknown>[]> {
    for (let restarts = 0; ; restarts += 1) {
      const out: Record<string, unknown>[] = [];
      try {
        for await (const batch of this.query(soql, options)) out.push(...batch.records);
        return out;
      } catch (err) {
        // The locator expired between batches (15 idle minutes, or evicted): run the query again.
        const code = isAppError(err)
          ? (err.cause as { errorCode?: unknown } | undefined)?.errorCode
          : undefined;
        if (code !== 'INVALID_QUERY_LOCATOR' || restarts >= 2) throw err;
        this.#logger.info(
          { crm: 'salesforce', what: options.what },
          'query locator expired; running the query again',
        );
      }
    }
  }
}
