import { QueryJobV2 } from 'jsforce/lib/api/bulk2.js';
import { AppError } from '../../src/shared/app-error.ts';
import { type CsvFieldTypes, recordsFromBulkCsv } from './salesforce-bulk-csv.ts';
import type { SalesforceClient } from './salesforce-client.ts';

/** Options of {@link SalesforceBulkQuery}. */
export interface BulkQueryOptions {
  /** Rows per results page (`maxRecords`). */
  maxRecords: number;
  /** Wait before the first status check, doubled after each `InProgress` answer up to `pollMaxMs`. */
  pollIntervalMs: number;
  pollMaxMs: number;
  /** Give up (CRM_UNAVAILABLE, retried by the job) after waiting this long in total for one job. */
  pollTimeoutMs: number;
}

export interface BulkResultsPage {
  records: Record<string, unknown>[];
  /** The locator of the next page; null after the last one. */
  next: string | null;
}

const ERROR_CODE = /^([A-Z][A-Z_]+):\s*/;

/**
 * The results call asks jsforce for the body as text (the CSV), so an error answer arrives as
 * `ERROR_HTTP_404` with Salesforce's JSON error array as its message: take the code from there
 * (an expired job is NOT_FOUND).
 */
function withSalesforceCode(err: unknown): unknown {
  const e = err as { errorCode?: unknown; message?: unknown };
  if (typeof e.errorCode !== 'string' || !e.errorCode.startsWith('ERROR_HTTP_')) return err;
  try {
    const [first] = JSON.parse(String(e.message)) as { errorCode?: unknown; message?: unknown }[];
    if (typeof first?.errorCode === 'string') {
      e.errorCode = first.errorCode;
      if (typeof first.message === 'string') e.message = first.message;
    }
  } catch {
    // not Salesforce's error array: keep jsforce's error as it is
  }
  return err;
}

/**
 * Bulk API 2.0 query jobs through jsforce's `conn.bulk2` (create and status), with results read
 * one page at a time (`maxRecords` + `Sforce-Locator`): jsforce's own `result()` reads every page
 * into one stream and sends no `maxRecords`, which leaves no point to checkpoint at. Every request
 * goes through the client: budget check, bounded retries, classification, counting.
 */
export class SalesforceBulkQuery {
  readonly #client: SalesforceClient;
  readonly #options: BulkQueryOptions;

  constructor(client: SalesforceClient, options: BulkQueryOptions) {
    this.#client = client;
    this.#options = options;
  }

  /** Create a query job (`all`: queryAll, with deleted rows) and return its id. */
  async start(soql: string, what: string, all = false): Promise<string> {
    // A retried create after a lost answer may leave an orphan job: it costs nothing and
    // Salesforce deletes it after 7 days.
    const info = await this.#client.call(`create Bulk API job (${what})`, async (conn) => {
      const job = new QueryJobV2(conn, {
        bodyParams: { query: soql, operation: all ? 'queryAll' : 'query' },
        pollingOptions: {
          pollInterval: this.#options.pollIntervalMs,
          pollTimeout: this.#options.pollTimeoutMs,
        },
      });
      return job.open();
    });
    return info.id;
  }

  /** Poll until the job is JobComplete; a Failed job becomes the AppError its errorMessage calls for. */
  async waitFor(jobId: string, what: string): Promise<void> {
    let interval = this.#options.pollIntervalMs;
    let waited = 0;
    for (;;) {
      await this.#client.wait(interval);
      waited += interval;
      const info = await this.#client.call(`check Bulk API job (${what})`, (conn) =>
        conn.bulk2.job('query', { id: jobId }).check(),
      );
      if (info.state === 'JobComplete') return;
      if (info.state === 'Failed' || info.state === 'Aborted') {
        const message = (info as { errorMessage?: string }).errorMessage ?? `job ${info.state}`;
        const code = ERROR_CODE.exec(message)?.[1] ?? 'BULK_QUERY_FAILED';
        throw this.#client.failure(`Bulk API job ${jobId} (${what})`, code, message.replace(ERROR_CODE, ''));
      }
      if (waited >= this.#options.pollTimeoutMs) {
        throw new AppError(
          'CRM_UNAVAILABLE',
          `Salesforce Bulk API job ${jobId} (${what}) was still ${info.state} after ${Math.round(waited / 1000)} s`,
        );
      }
      interval = Math.min(this.#options.pollMaxMs, interval * 2);
    }
  }

  /** One results page, from `locator` (null: the first), as typed records. */
  async page(
    jobId: string,
    locator: string | null,
    types: CsvFieldTypes,
    what: string,
  ): Promise<BulkResultsPage> {
    const query = `maxRecords=${this.#options.maxRecords}${locator === null ? '' : `&locator=${encodeURIComponent(locator)}`}`;
    return this.#client.call(`read Bulk API results (${what})`, async (conn, meta) => {
      const csv = await conn
        .request<string>(
          { method: 'GET', url: `/jobs/query/${jobId}/results?${query}`, headers: { Accept: 'text/csv' } },
          { responseType: 'text/plain' },
        )
        .catch((err: unknown) => {
          throw withSalesforceCode(err);
        });
      const next = meta.headers?.['sforce-locator'];
      return {
        records: recordsFromBulkCsv(String(csv), types),
        next: next === undefined || next === '' || next === 'null' ? null : next,
      };
    });
  }

  /** Every row of a query, all pages (for the small related tables a bulk sync keeps in memory). */
  async all(soql: string, types: CsvFieldTypes, what: string): Promise<Record<string, unknown>[]> {
    const jobId = await this.start(soql, what);
    await this.waitFor(jobId, what);
    const out: Record<string, unknown>[] = [];
    let locator: string | null = null;
    do {
      const page: BulkResultsPage = await this.page(jobId, locator, types, what);
      out.push(...page.records);
      locator = page.next;
    } while (locator !== null);
    return out;
  }
}
