import { parse } from 'csv-parse/sync';

/** Which CSV columns hold numbers or booleans, by field name (the last part of a dotted column). */
export interface CsvFieldTypes {
  numbers: ReadonlySet<string>;
  booleans: ReadonlySet<string>;
}

function typed(field: string, text: string, types: CsvFieldTypes): unknown {
  if (text === '') return null;
  if (types.numbers.has(field)) {
    const n = Number(text);
    return Number.isNaN(n) ? text : n;
  }
  if (types.booleans.has(field)) return text === 'true' ? true : text === 'false' ? false : text;
  return text;
}

/**
 * Bulk API 2.0 CSV rows → records shaped as the REST API returns them: empty fields null, numbers
 * and booleans typed, parent fields nested (`Account.Name` → `{ Account: { Name } }`, and
 * `Account: null` when every one of its columns is empty, as REST renders an empty lookup).
 * Values the schemas cannot read stay text, so zod quarantines them as it would a REST value.
 */
export function recordsFromBulkCsv(csv: string, types: CsvFieldTypes): Record<string, unknown>[] {
  const rows = parse(csv, { columns: true, skip_empty_lines: true, relax_column_count: false }) as Record<
    string,
    string
  >[];
  return rows.map((row) => {
    const record: Record<string, unknown> = {};
    const parents = new Set<Record<string, unknown>>();
    for (const [column, text] of Object.entries(row)) {
      const parts = column.split('.');
      const field = parts.pop() as string;
      let container = record;
      for (const part of parts) {
        const next = (container[part] ?? {}) as Record<string, unknown>;
        container[part] = next;
        parents.add(next);
        container = next;
      }
      container[field] = typed(field, text, types);
    }
    // Empty lookups: a parent object whose every value is null is null, deepest first.
    const nullOut = (target: Record<string, unknown>) => {
      for (const [key, value] of Object.entries(target)) {
        if (value === null || typeof value !== 'object') continue;
        nullOut(value as Record<string, unknown>);
        if (Object.values(value).every((v) => v === null)) target[key] = null;
      }
    };
    if (parents.size > 0) nullOut(record);
    return record;
  });
}
