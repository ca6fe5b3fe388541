import { parseQuery } from '@jetstreamapp/soql-parser-js';
import { SalesforceApiError } from './salesforce-errors.ts';
import { salesforceId } from './salesforce-ids.ts';
import type { LazyQueryResult } from './soql-engine.ts';

/** Bulk API 2.0 query operations: `queryAll` includes deleted and archived rows. */
type BulkQueryOperation = 'query' | 'queryAll';
type BulkQueryState = 'UploadComplete' | 'InProgress' | 'JobComplete' | 'Failed' | 'Aborted';

/** `columnDelimiter` values and the character each stands for. */
export const COLUMN_DELIMITERS = {
  BACKQUOTE: '`',
  CARET: '^',
  COMMA: ',',
  PIPE: '|',
  SEMICOLON: ';',
  TAB: '\t',
} as const;
export type ColumnDelimiter = keyof typeof COLUMN_DELIMITERS;
export type LineEnding = 'LF' | 'CRLF';

/** Rows per results page when the client sends no `maxRecords` ("a default based on the service"). */
export const DEFAULT_BULK_MAX_RECORDS = 50_000;
/**
 * Rows of the queried object from which a Bulk API 2.0 job with ORDER BY times out. Salesforce
 * documents that ORDER BY disables PK chunking and can time out, not a size: 10,000 is ours, the
 * record count from which the Bulk API guide recommends bulk queries at all.
 */
const DEFAULT_ORDER_BY_TIMEOUT_ROWS = 10_000;
/** Salesforce deletes query jobs (and their results) 7 days after they finish. */
const JOB_RETENTION_MS = 7 * 86_400_000;

export interface BulkQueryJob {
  id: string;
  operation: BulkQueryOperation;
  object: string;
  /** The API version the job was created with ("62.0"); results must be read with the same one. */
  apiVersion: string;
  createdById: string;
  createdAt: number;
  state: BulkQueryState;
  columnDelimiter: ColumnDelimiter;
  lineEnding: LineEnding;
  /** Status checks answered so far (the job completes after `pollsToComplete` of them). */
  checks: number;
  /** Rows chosen when the job was created (rendered per results page), or why the job failed. */
  outcome: { result: LazyQueryResult } | { errorMessage: string };
}

export interface NewBulkQueryJob {
  operation: BulkQueryOperation;
  soql: string;
  apiVersion: string;
  createdById: string;
  columnDelimiter: ColumnDelimiter;
  lineEnding: LineEnding;
  /** Runs the SOQL (the sandbox's engine, with the API user's field access). */
  run: (soql: string) => LazyQueryResult;
  /** Rows stored for an object (any case), or 0 when unknown: the cost of an unchunked query. */
  objectRows: (object: string) => number;
}

/** The documented sentence (Understanding Bulk API 2.0 Query, SOQL considerations) and the item. */
const UNSUPPORTED = "Bulk API 2.0 doesn't support SOQL queries that include";

/**
 * What Bulk API 2.0 refuses to run (Understanding Bulk API 2.0 Query, SOQL considerations):
 * GROUP BY, OFFSET or TYPEOF clauses, aggregate functions such as COUNT(), parent-to-child
 * subqueries. The job is created and then fails, with the reason in `errorMessage` (the documented
 * sentence; how the cloud words the job's message is not documented: docs/SANDBOX.md).
 */
function unsupportedInBulk(soql: string): string | null {
  let query: ReturnType<typeof parseQuery>;
  try {
    query = parseQuery(soql);
  } catch {
    return null; // the engine reports the syntax error with Salesforce's wording
  }
  const fields = (query.fields ?? []) as { type: string }[];
  const clauses = 'GROUP BY, OFFSET, or TYPEOF clauses';
  if (query.groupBy !== undefined) return `${UNSUPPORTED} ${clauses} (GROUP BY)`;
  if (query.offset !== undefined) return `${UNSUPPORTED} ${clauses} (OFFSET)`;
  if (fields.some((f) => f.type === 'FieldTypeof')) return `${UNSUPPORTED} ${clauses} (TYPEOF)`;
  if (fields.some((f) => f.type === 'FieldFunctionExpression'))
    return `${UNSUPPORTED} aggregate functions such as COUNT()`;
  if (fields.some((f) => f.type === 'FieldSubquery'))
    return `${UNSUPPORTED} parent-to-child relationship queries`;
  return null;
}

/**
 * ORDER BY disables PK chunking, so a large query can time out (Bulk API 2.0 guide, Troubleshooting
 * Query Timeouts). Null when the query has no ORDER BY or its object is small enough.
 */
function orderByTimeout(soql: string, objectRows: number, limit: number): string | null {
  let query: ReturnType<typeof parseQuery>;
  try {
    query = parseQuery(soql);
  } catch {
    return null;
  }
  if (query.orderBy === undefined || objectRows <= limit) return null;
  return (
    'QUERY_TIMEOUT: Your query request was running for too long. ORDER BY in a Bulk API 2.0 query ' +
    `disables PK chunking (${objectRows} rows); remove the ORDER BY clause`
  );
}

/** Bulk API 2.0 query jobs of one org, in memory. */
export class BulkQueryJobs {
  readonly #jobs = new Map<string, BulkQueryJob>();
  #counter = 1;
  readonly #now: () => number;
  readonly #pollsToComplete: number;
  readonly #orderByTimeoutRows: number;

  /**
   * @param pollsToComplete status checks a job answers `InProgress` before it reports its final
   *   state (Salesforce processes query jobs asynchronously; 0 = complete at the first check).
   * @param orderByTimeoutRows object size above which a job with ORDER BY fails with QUERY_TIMEOUT
   *   (the number is the sandbox's own; docs/SANDBOX.md).
   */
  constructor(
    now: () => number,
    pollsToComplete: number,
    orderByTimeoutRows = DEFAULT_ORDER_BY_TIMEOUT_ROWS,
  ) {
    this.#now = now;
    this.#pollsToComplete = pollsToComplete;
    this.#orderByTimeoutRows = orderByTimeoutRows;
  }

  create(input: NewBulkQueryJob): BulkQueryJob {
    this.#expire();
    const object = /\bFROM\s+([A-Za-z0-9_]+)/i.exec(input.soql)?.[1] ?? '';
    let outcome: BulkQueryJob['outcome'];
    const unsupported = unsupportedInBulk(input.soql);
    const timeout = orderByTimeout(input.soql, input.objectRows(object), this.#orderByTimeoutRows);
    if (unsupported !== null) outcome = { errorMessage: `INVALID_TYPE_FOR_OPERATION: ${unsupported}` };
    else if (timeout !== null) outcome = { errorMessage: timeout };
    else {
      try {
        // Rows are chosen now, as the job's snapshot; pages render them when read.
        outcome = { result: input.run(input.soql) };
      } catch (err) {
        if (!(err instanceof SalesforceApiError)) throw err;
        outcome = { errorMessage: `${err.errorCode}: ${err.message.trim()}` };
      }
    }
    const job: BulkQueryJob = {
      id: salesforceId('750', this.#counter),
      operation: input.operation,
      object,
      apiVersion: input.apiVersion,
      createdById: input.createdById,
      createdAt: this.#now(),
      state: 'UploadComplete',
      columnDelimiter: input.columnDelimiter,
      lineEnding: input.lineEnding,
      checks: 0,
      outcome,
    };
    this.#counter += 1;
    this.#jobs.set(job.id, job);
    return job;
  }

  /** The job (404 when unknown or past retention). */
  get(id: string): BulkQueryJob {
    this.#expire();
    const job = this.#jobs.get(id);
    if (job === undefined)
      throw new SalesforceApiError(404, 'NOT_FOUND', 'The requested resource does not exist');
    return job;
  }

  /** A status check: moves the job towards its final state. */
  check(id: string): BulkQueryJob {
    const job = this.get(id);
    if (job.state === 'UploadComplete' || job.state === 'InProgress') {
      job.checks += 1;
      job.state =
        job.checks <= this.#pollsToComplete
          ? 'InProgress'
          : 'result' in job.outcome
            ? 'JobComplete'
            : 'Failed';
    }
    return job;
  }

  abort(id: string): BulkQueryJob {
    const job = this.get(id);
    if (job.state === 'JobComplete' || job.state === 'Failed' || job.state === 'Aborted') {
      throw new SalesforceApiError(400, 'INVALIDJOBSTATE', `Job ${id} is ${job.state} and cannot be aborted`);
    }
    job.state = 'Aborted';
    return job;
  }

  delete(id: string): void {
    this.get(id);
    this.#jobs.delete(id);
  }

  /** Forget every job, as if all had passed Salesforce's retention (tests of expired jobs). */
  clear(): void {
    this.#jobs.clear();
  }

  #expire(): void {
    const cutoff = this.#now() - JOB_RETENTION_MS;
    for (const [id, job] of this.#jobs) if (job.createdAt < cutoff) this.#jobs.delete(id);
  }
}

/** The locator of the page starting at `offset`: an opaque base64 string, as Salesforce's look ("MTAwMDA"). */
export function encodeLocator(offset: number): string {
  return Buffer.from(String(offset)).toString('base64').replace(/=+$/, '');
}

/** The offset a locator stands for; null when it is not one of ours. */
export function decodeLocator(locator: string): number | null {
  const text = Buffer.from(locator, 'base64').toString('utf8');
  return /^\d+$/.test(text) && encodeLocator(Number(text)) === locator ? Number(text) : null;
}
