import { ERROR_CODES, type ErrorCode } from './error-codes.ts';

export interface AppErrorOptions {
  cause?: unknown;
  /** Structured details safe to log and return (never secrets). */
  details?: Record<string, unknown>;
  /** When the failed action may be tried again (e.g. a CRM rate-limit reset), epoch ms. */
  retryAt?: number;
  /** HTTP status of the CRM response behind the error, when there was one. */
  status?: number;
}

/** An error with a stable code from the registry; `message` adds the specifics. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown>;
  readonly retryAt: number | undefined;
  readonly status: number | undefined;

  constructor(code: ErrorCode, message?: string, options: AppErrorOptions = {}) {
    super(message ?? ERROR_CODES[code], options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AppError';
    this.code = code;
    this.details = options.details ?? {};
    this.retryAt = options.retryAt;
    this.status = options.status;
  }

  toJSON(): Record<string, unknown> {
    return { code: this.code, message: this.message, details: this.details };
  }
}

export function isAppError(value: unknown): value is AppError {
  return value instanceof AppError;
}
