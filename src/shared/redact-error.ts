import { redactString } from './redact.ts';

/**
 * Redact an error's message and stack in place, before it leaves our code: BullMQ stores
 * `message` as the job's failedReason (also written to its event stream and shown by the queue
 * dashboard) and `stack` as its stacktrace, so a token echoed by a CRM or a proxy must be gone
 * before the error is thrown to the worker, not only when the text is read back.
 */
export function redactErrorInPlace<T>(err: T): T {
  if (err instanceof Error) {
    err.message = redactString(err.message);
    if (err.stack !== undefined) err.stack = redactString(err.stack);
  }
  return err;
}
