import { stringify } from 'csv-stringify/sync';
import { COLUMN_DELIMITERS, type ColumnDelimiter, type LineEnding } from './bulk-query-jobs.ts';

/** A rendered record's value at a dotted column (`Account.Name`); null when a parent is empty. */
function valueAt(record: Record<string, unknown>, column: string): unknown {
  let current: unknown = record;
  for (const part of column.split('.')) {
    if (current === null || typeof current !== 'object') return null;
    current = (current as Record<string, unknown>)[part];
  }
  return current ?? null;
}

/** Salesforce's CSV cells: empty for null, `true`/`false`, numbers and datetimes as the REST API renders them. */
function cell(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/**
 * One results page as Bulk API 2.0 sends it: a header row of the selected columns (parent fields
 * dotted, `Account.Name`), then one row per record, every non-empty value quoted; a null is an
 * empty, unquoted field. Each page carries its own header row.
 */
export function bulkResultsCsv(
  columns: readonly string[],
  records: readonly Record<string, unknown>[],
  format: { columnDelimiter: ColumnDelimiter; lineEnding: LineEnding },
): string {
  // Rows as arrays of strings, header first: csv-stringify reads dotted keys as paths and casts
  // booleans to 1/'' on its own, neither of which Salesforce does.
  return stringify([[...columns], ...records.map((r) => columns.map((c) => cell(valueAt(r, c))))], {
    delimiter: COLUMN_DELIMITERS[format.columnDelimiter],
    record_delimiter: format.lineEnding === 'CRLF' ? 'windows' : 'unix',
    quoted: true,
    quoted_empty: false,
  });
}
