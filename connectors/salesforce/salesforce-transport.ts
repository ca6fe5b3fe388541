import { AsyncLocalStorage } from 'node:async_hooks';
import { setDispatcher } from 'jsforce/lib/request.js';
import { Transport } from 'jsforce/lib/transport.js';
import type { HttpRequest, HttpRequestOptions, HttpResponse } from 'jsforce/lib/types/common.js';
import { StreamPromise } from 'jsforce/lib/util/promise.js';
import { Agent } from 'undici';
import { sendPermitInterceptor } from '../shared/send-permit.ts';

// jsforce sends through one undici dispatcher per process: jsforce's own default (HTTP/1.1 only),
// plus the hold that keeps the requests of a fenced batch to their send permit (send-permit.ts).
setDispatcher(new Agent({ connect: { allowH2: false } }).compose(sendPermitInterceptor));

/** Filled in by the transport for one logical request, so the client can classify failures by status. */
export interface ResponseMeta {
  status: number | null;
  /** The last response's headers (Bulk API results carry their paging in `sforce-locator`). */
  headers?: Record<string, string>;
}

/**
 * The meta of the logical call in progress, for requests jsforce builds itself (`conn.bulk2`
 * jobs) where no `meta` option can be passed: the client runs each call inside this context.
 */
const currentMeta = new AsyncLocalStorage<ResponseMeta>();

/** The AbortSignal of the job whose calls are in progress (jsforce's requests take none). */
const currentSignal = new AsyncLocalStorage<AbortSignal | undefined>();

/**
 * Run `fn` so that every request it sends ends when `signal` aborts (the job was cancelled, e.g.
 * at shutdown): the request's promise rejects with the signal's reason at once.
 */
export function withCallSignal<T>(signal: AbortSignal | undefined, fn: () => Promise<T>): Promise<T> {
  return signal === undefined ? fn() : currentSignal.run(signal, fn);
}

/** The signal of the calls in progress, if any. */
export function callSignal(): AbortSignal | undefined {
  return currentSignal.getStore();
}

/** Run `fn` so that every request it sends reports into `meta`. */
export function withResponseMeta<T>(meta: ResponseMeta, fn: () => Promise<T>): Promise<T> {
  return currentMeta.run(meta, fn);
}

export interface TransportObserver {
  /** Every HTTP request sent (including jsforce's re-send after a session refresh). */
  onRequest(endpoint: string): void;
  onResponse(response: HttpResponse): void;
}

/** "GET /services/data/vXX.X/query/{locator}" from a method and URL: versions and ids folded. */
export function endpointOf(method: string, url: string): string {
  let path = url.replace(/^[a-z]+:\/\/[^/]+/i, '').split('?')[0] ?? url;
  path = path
    .replace(/\/v\d+\.\d+(?=\/|$)/, '/vXX.X')
    .replace(/\/jobs\/query\/[^/]+(?=\/results$|$)/, '/jobs/query/{id}')
    .replace(/(?<!\/jobs)\/query(All)?\/[^/]+$/, '/query$1/{locator}')
    .replace(/(\/sobjects\/[A-Za-z0-9_]+)\/[A-Za-z0-9]{15,18}$/, '$1/{id}');
  return `${method.toUpperCase()} ${path}`;
}

/**
 * jsforce's transport with three changes: it counts every request, it sets our timeout (jsforce's
 * default is 30 minutes), and it turns jsforce's own retries off, so that every retry is ours:
 * bounded, jittered, counted, and applied to PATCH/POST too (STYLE.md #2).
 */
export class CountingTransport extends Transport {
  readonly #observer: TransportObserver;
  readonly #timeoutMs: number;

  constructor(observer: TransportObserver, timeoutMs: number) {
    super();
    this.#observer = observer;
    this.#timeoutMs = timeoutMs;
  }

  override httpRequest(req: HttpRequest, options: HttpRequestOptions = {}): StreamPromise<HttpResponse> {
    const meta = (options as { meta?: ResponseMeta }).meta ?? currentMeta.getStore();
    this.#observer.onRequest(endpointOf(req.method, req.url));
    const inner = super.httpRequest(req, {
      ...options,
      timeout: this.#timeoutMs,
      retry: { maxRetries: 0, methods: [], statusCodes: [] },
    });
    const signal = currentSignal.getStore();
    const answered =
      signal === undefined
        ? Promise.resolve(inner)
        : new Promise<HttpResponse>((resolve, reject) => {
            // jsforce's own request runs on until its timeout; the caller stops waiting now.
            const abort = () => reject(signal.reason);
            if (signal.aborted) abort();
            signal.addEventListener('abort', abort, { once: true });
            inner.then(resolve, reject).finally(() => signal.removeEventListener('abort', abort));
          });
    return StreamPromise.create(() => ({
      stream: inner.stream(),
      promise: answered.then(
        (response) => {
          if (meta !== undefined) {
            meta.status = response.statusCode;
            meta.headers = response.headers;
          }
          this.#observer.onResponse(response);
          return response;
        },
        (err: unknown) => {
          if (meta !== undefined) meta.status = null;
          throw err;
        },
      ),
    }));
  }
}
