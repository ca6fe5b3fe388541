/**
 * Stable error codes of the admin API. Clients match on `error.code`, never on the message.
 * Each maps to one HTTP status.
 */
const ADMIN_ERROR_STATUS = {
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  TOO_MANY_REQUESTS: 429,
  REDIS_UNAVAILABLE: 503,
  CREDENTIALS_REQUIRED: 400,
  VALIDATION_FAILED: 400,
  BAD_REQUEST: 400,
  NOT_FOUND: 404,
  TENANT_NOT_FOUND: 404,
  DEAL_NOT_FOUND: 404,
  RUN_NOT_FOUND: 404,
  REPORT_NOT_FOUND: 404,
  FORECAST_NOT_FOUND: 404,
  TENANT_EXISTS: 409,
  TENANT_READ_ONLY: 409,
  TENANT_UNREADABLE: 409,
  TENANT_PAUSED: 409,
  RUN_IN_PROGRESS: 409,
  BODY_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  ENCRYPTION_KEY_MISSING: 503,
  INTERNAL: 500,
} as const;

export type AdminErrorCode = keyof typeof ADMIN_ERROR_STATUS;

export interface FieldError {
  /** Dotted path into the request body, e.g. `connection.auth.accessToken`; `(root)` for the body. */
  path: string;
  message: string;
}

/** The one error body shape of the admin API. */
export interface AdminErrorBody {
  error: { code: AdminErrorCode; message: string; fields?: FieldError[]; [extra: string]: unknown };
}

/** An error the admin API answers with on purpose: a code, a message and maybe field errors. */
export class AdminHttpError extends Error {
  readonly code: AdminErrorCode;
  readonly statusCode: number;
  readonly fields: FieldError[] | undefined;
  readonly extra: Record<string, unknown>;

  constructor(
    code: AdminErrorCode,
    message: string,
    options: { fields?: FieldError[]; extra?: Record<string, unknown> } = {},
  ) {
    super(message);
    this.name = 'AdminHttpError';
    this.code = code;
    this.statusCode = ADMIN_ERROR_STATUS[code];
    this.fields = options.fields;
    this.extra = options.extra ?? {};
  }

  toBody(): AdminErrorBody {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.fields ? { fields: this.fields } : {}),
        ...this.extra,
      },
    };
  }
}
