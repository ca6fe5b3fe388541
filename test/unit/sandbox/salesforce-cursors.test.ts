import { describe, expect, it } from 'vitest';
import { batchSizeFrom, QueryCursors } from '../../../src/sandbox/salesforce/query-cursors.ts';
import { SalesforceApiError } from '../../../src/sandbox/salesforce/salesforce-errors.ts';
import type { LazyQueryResult } from '../../../src/sandbox/salesforce/soql-engine.ts';

const BASE = '/services/data/v62.0';

function result(n: number): LazyQueryResult & { rendered: number } {
  const out = {
    totalSize: n,
    columns: ['i'],
    rendered: 0,
    render(from: number, to: number) {
      const rows = Array.from({ length: Math.max(0, Math.min(to, n) - from) }, (_, i) => ({ i: from + i }));
      out.rendered += rows.length;
      return rows;
    },
  };
  return out;
}

function locatorError(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    if (err instanceof SalesforceApiError) return err.errorCode;
    throw err;
  }
  return undefined;
}

describe('query cursors', () => {
  it('pages by the batch size, renders only the pages asked for, and closes when done', () => {
    const cursors = new QueryCursors(() => 0);
    const r = result(4500);
    const first = cursors.first(BASE, r, 2000);
    expect(first).toMatchObject({ totalSize: 4500, done: false });
    expect(first.records).toHaveLength(2000);
    expect(r.rendered).toBe(2000);
    const locator = (first.nextRecordsUrl ?? '').split('/').pop() ?? '';
    const second = cursors.more(BASE, locator, undefined);
    expect(second.records[0]).toEqual({ i: 2000 });
    const third = cursors.more(BASE, (second.nextRecordsUrl ?? '').split('/').pop() ?? '', undefined);
    expect(third).toMatchObject({ done: true });
    expect(third.records).toHaveLength(500);
    expect(third.nextRecordsUrl).toBeUndefined();
    // Finished cursors are released.
    expect(locatorError(() => cursors.more(BASE, locator, undefined))).toBe('INVALID_QUERY_LOCATOR');
  });

  it('answers small results in one page without opening a cursor', () => {
    const first = new QueryCursors(() => 0).first(BASE, result(3), 2000);
    expect(first).toEqual({ totalSize: 3, done: true, records: [{ i: 0 }, { i: 1 }, { i: 2 }] });
  });

  it('expires a cursor idle for more than 15 minutes', () => {
    let now = 0;
    const cursors = new QueryCursors(() => now);
    const first = cursors.first(BASE, result(3000), 2000);
    const locator = (first.nextRecordsUrl ?? '').split('/').pop() ?? '';
    now += 15 * 60_000 + 1;
    expect(locatorError(() => cursors.more(BASE, locator, undefined))).toBe('INVALID_QUERY_LOCATOR');
  });

  it('keeps at most 10 open cursors, releasing the oldest', () => {
    const cursors = new QueryCursors(() => 0);
    const locators = Array.from(
      { length: 11 },
      () => (cursors.first(BASE, result(3000), 2000).nextRecordsUrl ?? '').split('/').pop() ?? '',
    );
    expect(locatorError(() => cursors.more(BASE, locators[0] ?? '', undefined))).toBe(
      'INVALID_QUERY_LOCATOR',
    );
    expect(cursors.more(BASE, locators[10] ?? '', undefined).done).toBe(true);
    expect(cursors.more(BASE, locators[1] ?? '', undefined).done).toBe(true);
  });

  it('reads batchSize from Sforce-Query-Options, clamped to 200..2000', () => {
    expect(batchSizeFrom('batchSize=500')).toBe(500);
    expect(batchSizeFrom('batchSize=50')).toBe(200);
    expect(batchSizeFrom('batchSize=5000')).toBe(2000);
    expect(batchSizeFrom(undefined)).toBeUndefined();
  });
});
