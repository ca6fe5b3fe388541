import { randomUUID } from 'node:crypto';

/**
 * HubSpot's error body: `{ status: "error", message, correlationId, category, subCategory?, errors?, context?, links? }`.
 * Thrown as {@link HubSpotHttpError} inside handlers; the server's error handler renders it.
 */
export interface HubSpotErrorInput {
  message: string;
  category: string;
  subCategory?: string;
  errors?: { message: string; code?: string; in?: string; context?: Record<string, unknown> }[];
  context?: Record<string, unknown>;
  links?: Record<string, string>;
  /** Rate-limit refusals: "RATE_LIMIT". */
  errorType?: string;
  /** Rate-limit refusals: TEN_SECONDLY_ROLLING, SECONDLY or DAILY. */
  policyName?: string;
}

export interface HubSpotErrorBody extends HubSpotErrorInput {
  status: 'error';
  correlationId: string;
}

export class HubSpotHttpError extends Error {
  readonly statusCode: number;
  readonly body: HubSpotErrorBody;
  readonly headers: Record<string, string>;

  constructor(statusCode: number, body: HubSpotErrorInput, headers: Record<string, string> = {}) {
    super(body.message);
    this.statusCode = statusCode;
    this.body = { status: 'error', correlationId: randomUUID(), ...body };
    this.headers = headers;
  }
}

/** The category HubSpot uses for each status the sandbox can answer. */
const CATEGORY_BY_STATUS: Record<number, string> = {
  400: 'VALIDATION_ERROR',
  401: 'INVALID_AUTHENTICATION',
  403: 'MISSING_SCOPES',
  404: 'OBJECT_NOT_FOUND',
  409: 'CONFLICT',
  423: 'LOCKED',
  429: 'RATE_LIMITS',
  500: 'INTERNAL_ERROR',
  502: 'BAD_GATEWAY',
  503: 'SERVICE_UNAVAILABLE',
  504: 'GATEWAY_TIMEOUT',
};

const MESSAGE_BY_STATUS: Record<number, string> = {
  403: "This app hasn't been granted all required scopes to make this call.",
  423: 'The resource is locked by another request. Please retry in 2 seconds.',
  500: 'internal error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

/** An error body for an arbitrary status (used for injected faults). */
export function errorForStatus(status: number, message?: string): HubSpotHttpError {
  return new HubSpotHttpError(status, {
    message: message ?? MESSAGE_BY_STATUS[status] ?? `Request failed with status ${status}`,
    category: CATEGORY_BY_STATUS[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR'),
  });
}

export function validationError(message: string, extra: Partial<HubSpotErrorInput> = {}): HubSpotHttpError {
  return new HubSpotHttpError(400, { message, category: 'VALIDATION_ERROR', ...extra });
}

export function notFound(message: string): HubSpotHttpError {
  return new HubSpotHttpError(404, { message, category: 'OBJECT_NOT_FOUND' });
}

/** HubSpot's message for unknown properties on writes: the whole request fails. */
export function propertyDoesntExist(names: string[], objectType: string): HubSpotHttpError {
  const details = names.map((name) => ({
    isValid: false,
    message: `Property "${name}" does not exist`,
    error: 'PROPERTY_DOESNT_EXIST',
    name,
    localizedErrorMessage: `Property "${name}" does not exist`,
  }));
  return validationError(`Property values were not valid: ${JSON.stringify(details)}`, {
    errors: names.map((name) => ({
      message: `Property "${name}" does not exist`,
      code: 'PROPERTY_DOESNT_EXIST',
      context: { propertyName: [name], objectType: [objectType] },
    })),
  });
}
