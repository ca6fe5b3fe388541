import { SalesforceApiError } from './salesforce-errors.ts';
import { salesforceId } from './salesforce-ids.ts';
import type { LazyQueryResult } from './soql-engine.ts';

/** Records per query batch: default and bounds of `Sforce-Query-Options: batchSize=N`. */
const DEFAULT_BATCH_SIZE = 2000;
const MIN_BATCH_SIZE = 200;
const MAX_BATCH_SIZE = 2000;
/** Salesforce keeps at most 10 open query cursors per user; opening another releases the oldest. */
const MAX_OPEN_CURSORS = 10;
/** Cursors expire after 15 minutes without use. */
const CURSOR_IDLE_MS = 15 * 60_000;

interface Cursor {
  result: LazyQueryResult;
  lastUsed: number;
  batchSize: number;
}

export interface QueryPage {
  totalSize: number;
  done: boolean;
  nextRecordsUrl?: string;
  records: Record<string, unknown>[];
}

/** Parse `Sforce-Query-Options: batchSize=500`, clamped to 200..2000 (Salesforce treats it as a hint). */
export function batchSizeFrom(header: string | string[] | undefined): number | undefined {
  const text = Array.isArray(header) ? header.join(',') : header;
  const match = /batchSize\s*=\s*(\d+)/i.exec(text ?? '');
  if (match === null) return undefined;
  return Math.min(MAX_BATCH_SIZE, Math.max(MIN_BATCH_SIZE, Number(match[1])));
}

/** Open query cursors; `nextRecordsUrl` is `<urlBase>/query/<locator>-<offset>`. */
export class QueryCursors {
  readonly #cursors = new Map<string, Cursor>();
  #counter = 1;
  readonly #now: () => number;

  constructor(now: () => number) {
    this.#now = now;
  }

  /** First page of a result; opens a cursor when more remain. */
  first(urlBase: string, result: LazyQueryResult, batchSize = DEFAULT_BATCH_SIZE): QueryPage {
    const { totalSize } = result;
    if (totalSize <= batchSize) return { totalSize, done: true, records: result.render(0, totalSize) };
    const locator = salesforceId('01g', this.#counter);
    this.#counter += 1;
    if (this.#cursors.size >= MAX_OPEN_CURSORS) {
      const oldest = this.#cursors.keys().next().value;
      if (oldest !== undefined) this.#cursors.delete(oldest);
    }
    this.#cursors.set(locator, { result, lastUsed: this.#now(), batchSize });
    return this.#page(urlBase, locator, 0, totalSize, batchSize);
  }

  /** A later page: `<locator>-<offset>`. */
  more(urlBase: string, locatorAndOffset: string, batchSize: number | undefined): QueryPage {
    const dash = locatorAndOffset.lastIndexOf('-');
    const locator = dash < 0 ? locatorAndOffset : locatorAndOffset.slice(0, dash);
    const offset = dash < 0 ? 0 : Number(locatorAndOffset.slice(dash + 1));
    const cursor = this.#cursors.get(locator);
    if (
      cursor === undefined ||
      !Number.isInteger(offset) ||
      offset < 0 ||
      offset > cursor.result.totalSize ||
      this.#now() - cursor.lastUsed > CURSOR_IDLE_MS
    ) {
      if (cursor !== undefined) this.#cursors.delete(locator);
      throw new SalesforceApiError(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
    }
    cursor.lastUsed = this.#now();
    return this.#page(urlBase, locator, offset, cursor.result.totalSize, batchSize ?? cursor.batchSize);
  }

  #page(urlBase: string, locator: string, offset: number, totalSize: number, batchSize: number): QueryPage {
    const cursor = this.#cursors.get(locator) as Cursor;
    const end = offset + batchSize;
    const records = cursor.result.render(offset, end);
    if (end >= cursor.result.totalSize) {
      this.#cursors.delete(locator);
      return { totalSize, done: true, records };
    }
    return { totalSize, done: false, nextRecordsUrl: `${urlBase}/query/${locator}-${end}`, records };
  }
}
