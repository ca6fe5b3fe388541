import { AsyncLocalStorage } from 'node:async_hooks';
import type http from 'node:http';
import { TLSSocket } from 'node:tls';
import type { Dispatcher } from 'undici';
import { AppError } from '../../src/shared/app-error.ts';

/**
 * How long (ms) a passed effect fence is trusted. A request of a fenced batch that is not on the
 * wire this long after its fence check began is not sent: the check is asked again. A worker paused
 * between its check and the send (a GC or VM pause, SIGSTOP) would otherwise send a batch that its
 * successor, having taken the step over meanwhile, already wrote: the fence alone cannot see a pause
 * that comes after it. A successor waits this long plus the request deadline after the last cleared
 * batch before it reads what landed (write-back) or looks for tasks (alerts).
 */
export const SEND_WINDOW_MS = 2_000;

/** Fence checks one batch may need when the machine is too slow to send within the window. */
const MAX_CHECKS = 5;

/** A batch cleared by its fence: it may leave until `notAfter` (monotonic clock). */
class SendPermit {
  readonly notAfter: number;
  /** Set when a request was held back because the window had passed. */
  refused = false;

  constructor(notAfter: number) {
    this.notAfter = notAfter;
  }

  /** True when the window has passed (and marks the permit refused). */
  expired(): boolean {
    if (performance.now() <= this.notAfter) return false;
    this.refused = true;
    return true;
  }
}

const current = new AsyncLocalStorage<SendPermit>();

function lateError(): Error {
  return Object.assign(new Error(`fenced batch not sent within ${SEND_WINDOW_MS} ms of its check`), {
    code: 'PH_SEND_WINDOW_PASSED',
  });
}

/**
 * Send one fenced batch: run `fence` (it throws when this worker lost the step), then `send`, whose
 * requests may leave only within SEND_WINDOW_MS of the start of the check. A request held back is
 * never on the wire; the fence is asked again and the batch sent on a fresh window. Without a fence
 * the batch is simply sent.
 */
export async function sendFenced<T>(
  fence: (() => Promise<void>) | undefined,
  send: () => Promise<T>,
): Promise<T> {
  if (fence === undefined) return send();
  for (let check = 1; ; check += 1) {
    const permit = new SendPermit(performance.now() + SEND_WINDOW_MS);
    await fence();
    try {
      return await current.run(permit, send);
    } catch (err) {
      if (!permit.refused) throw err;
      if (check >= MAX_CHECKS) {
        throw new AppError(
          'CRM_UNAVAILABLE',
          `A fenced batch could not be sent within ${SEND_WINDOW_MS} ms of its check ${check} times (the worker is too slow); retrying the step`,
          { cause: err },
        );
      }
    }
  }
}

/**
 * Hold a node:http request of a fenced batch to its permit: checked when the request gets its
 * socket, the moment Node writes the buffered request to it (after the connection is made, for a
 * new one). A late request is destroyed before its first byte is written.
 */
export function holdToPermit(req: http.ClientRequest): void {
  const permit = current.getStore();
  if (permit === undefined) return;
  req.once('socket', (socket) => {
    const check = () => {
      if (permit.expired()) req.destroy(lateError());
    };
    // A new connection: the request is written once connected (TLS: once the handshake is done).
    if (socket.connecting) socket.once(socket instanceof TLSSocket ? 'secureConnect' : 'connect', check);
    else check();
  });
}

/** Forwards every handler event, checking the permit when undici is about to write the request. */
class PermitHandler implements Dispatcher.DispatchHandler {
  readonly #permit: SendPermit;
  readonly #inner: Dispatcher.DispatchHandler;

  constructor(permit: SendPermit, inner: Dispatcher.DispatchHandler) {
    this.#permit = permit;
    this.#inner = inner;
  }

  onRequestStart(controller: Dispatcher.DispatchController, context: unknown): void {
    // undici calls this on a connected socket right before it writes the request (client-h1).
    if (this.#permit.expired()) {
      controller.abort(lateError());
      return;
    }
    this.#inner.onRequestStart?.(controller, context);
  }
  onRequestUpgrade(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onRequestUpgrade']>>): void {
    this.#inner.onRequestUpgrade?.(...args);
  }
  onResponseStarted(): void {
    this.#inner.onResponseStarted?.();
  }
  onBodySent(chunk: Buffer): void {
    this.#inner.onBodySent?.(chunk);
  }
  onRequestSent(): void {
    this.#inner.onRequestSent?.();
  }
  onResponseStart(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseStart']>>): void {
    this.#inner.onResponseStart?.(...args);
  }
  onResponseData(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseData']>>): void {
    this.#inner.onResponseData?.(...args);
  }
  onResponseEnd(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseEnd']>>): void {
    this.#inner.onResponseEnd?.(...args);
  }
  onResponseError(...args: Parameters<NonNullable<Dispatcher.DispatchHandler['onResponseError']>>): void {
    this.#inner.onResponseError?.(...args);
  }
}

/** An undici interceptor that holds the requests of fenced batches to their permit. */
export const sendPermitInterceptor: Dispatcher.DispatcherComposeInterceptor =
  (dispatch) => (options, handler) => {
    const permit = current.getStore();
    return dispatch(options, permit === undefined ? handler : new PermitHandler(permit, handler));
  };
