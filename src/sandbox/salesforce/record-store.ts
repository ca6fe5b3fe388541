import { salesforceId } from './salesforce-ids.ts';
import type { SalesforceSchema, SfObject } from './salesforce-schema.ts';
import { hasMilliseconds, wholeSecondIso } from './whole-seconds.ts';

/** One stored record: canonical field names to values (dates `YYYY-MM-DD`, datetimes ISO-8601 UTC). */
export type SfRow = Record<string, unknown> & { Id: string };

/**
 * In-memory tables for one set of sObjects (data or tooling). Insertion order is kept, which is the
 * order queries without ORDER BY return (Salesforce's is unspecified; stable is kinder to tests).
 */
export class RecordStore {
  readonly schema: SalesforceSchema;
  readonly #tables = new Map<string, Map<string, SfRow>>();
  readonly #counters = new Map<string, number>();

  constructor(schema: SalesforceSchema) {
    this.schema = schema;
  }

  table(object: SfObject): Map<string, SfRow> {
    let t = this.#tables.get(object.name);
    if (t === undefined) {
      t = new Map();
      this.#tables.set(object.name, t);
    }
    return t;
  }

  /** The id for entity `n` of `object`, keeping the counter for new ids above it. */
  idFor(object: SfObject, n: number): string {
    const next = this.#counters.get(object.keyPrefix) ?? 1;
    if (n >= next) this.#counters.set(object.keyPrefix, n + 1);
    return salesforceId(object.keyPrefix, n);
  }

  /** A fresh id for a record created now. */
  nextId(object: SfObject): string {
    const n = this.#counters.get(object.keyPrefix) ?? 1;
    this.#counters.set(object.keyPrefix, n + 1);
    return salesforceId(object.keyPrefix, n);
  }

  /** Store a row; its datetimes are cut to whole seconds, as Salesforce stores them. */
  put(object: SfObject, row: SfRow): void {
    for (const field of object.fields.values()) {
      if (field.type !== 'datetime') continue;
      const value = row[field.name];
      if (hasMilliseconds(value)) row[field.name] = wholeSecondIso(value);
    }
    this.table(object).set(row.Id, row);
  }

  /**
   * Remove every deleted row for good, as the Recycle Bin does after 15 days or when emptied
   * (emptyRecycleBin(); queryAll stops returning them). Returns how many rows went.
   */
  purgeDeleted(): number {
    let purged = 0;
    for (const table of this.#tables.values()) {
      for (const [id, row] of table) {
        if (row.IsDeleted === true) {
          table.delete(id);
          purged += 1;
        }
      }
    }
    return purged;
  }

  /** Find a record by id alone (the key prefix names its object); 15-character ids are accepted. */
  find(id: string): { object: SfObject; row: SfRow } | undefined {
    const object = this.schema.byKeyPrefix(id.slice(0, 3));
    if (object === undefined) return undefined;
    const table = this.#tables.get(object.name);
    if (table === undefined) return undefined;
    const row = table.get(id) ?? (id.length === 15 ? findBy15(table, id) : undefined);
    return row === undefined ? undefined : { object, row };
  }
}

function findBy15(table: Map<string, SfRow>, id15: string): SfRow | undefined {
  for (const [id, row] of table) if (id.startsWith(id15)) return row;
  return undefined;
}
