/**
 * Salesforce REST error bodies: every error is a JSON array `[{ message, errorCode, fields? }]`.
 * Codes are Salesforce's own (they are what connectors match on).
 */

export interface SalesforceErrorItem {
  message: string;
  errorCode: string;
  fields?: string[];
}

/** An error the sandbox answers with: HTTP status plus Salesforce's error array. */
export class SalesforceApiError extends Error {
  readonly status: number;
  readonly errorCode: string;
  readonly fields: string[] | undefined;

  constructor(status: number, errorCode: string, message: string, fields?: string[]) {
    super(message);
    this.name = 'SalesforceApiError';
    this.status = status;
    this.errorCode = errorCode;
    this.fields = fields;
  }

  body(): SalesforceErrorItem[] {
    const item: SalesforceErrorItem = { message: this.message, errorCode: this.errorCode };
    if (this.fields !== undefined) item.fields = this.fields;
    return [item];
  }
}

/** One per-record error inside a collections / save result (note: `statusCode`, not `errorCode`). */
export interface SaveError {
  statusCode: string;
  message: string;
  fields: string[];
}

export const SESSION_INVALID = (): SalesforceApiError =>
  new SalesforceApiError(401, 'INVALID_SESSION_ID', 'Session expired or invalid');

export const REQUEST_LIMIT_EXCEEDED = (): SalesforceApiError =>
  new SalesforceApiError(403, 'REQUEST_LIMIT_EXCEEDED', 'TotalRequests Limit exceeded.');

export const NOT_FOUND = (): SalesforceApiError =>
  new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');

/** Salesforce's wording for an unknown column in SOQL (the query text and caret come first). */
export function noSuchColumnInQuery(soql: string, field: string, entity: string): SalesforceApiError {
  const at = Math.max(0, soql.indexOf(field));
  return new SalesforceApiError(
    400,
    'INVALID_FIELD',
    `\n${soql}\n${' '.repeat(at)}^\nERROR at Row:1:Column:${at + 1}\nNo such column '${field}' on entity '${entity}'. ` +
      "If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. " +
      'Please reference your WSDL or the describe call for the appropriate names.',
  );
}

/** Salesforce's wording for an unknown field in a write body. */
export function noSuchColumnInWrite(field: string, entity: string): SalesforceApiError {
  return new SalesforceApiError(
    400,
    'INVALID_FIELD',
    `No such column '${field}' on sobject of type ${entity}`,
  );
}

/**
 * Bodies for injected server errors, shaped as Salesforce sends them. 5xx answers from Salesforce
 * are mostly these JSON arrays; a load balancer in front may also send HTML (not simulated).
 */
export function injectedErrorBody(status: number): SalesforceErrorItem[] {
  switch (status) {
    case 400:
      return [{ message: 'Bad request', errorCode: 'BAD_REQUEST' }];
    case 401:
      return SESSION_INVALID().body();
    case 403:
      return REQUEST_LIMIT_EXCEEDED().body();
    case 404:
      return NOT_FOUND().body();
    case 500:
      return [
        {
          message:
            'An unexpected error occurred. Please include this ErrorId if you contact support: 1782356421-61937 (-1093482311)',
          errorCode: 'UNKNOWN_EXCEPTION',
        },
      ];
    case 502:
    case 503:
    case 504:
      return [
        {
          message: 'Server temporarily unavailable. Please try again later.',
          errorCode: 'SERVER_UNAVAILABLE',
        },
      ];
    default:
      return [{ message: `HTTP ${status}`, errorCode: status >= 500 ? 'UNKNOWN_EXCEPTION' : 'BAD_REQUEST' }];
  }
}
