// The order of day and month in one date column, decided once from all its values (issue 15): a
// value read on its own ("05/07/2025") cannot tell, and reading each value by itself read
// "05/07/2025" month-day beside "31/12/2025" day-month in the same column.

import { AppError } from '../shared/app-error.ts';
import { type DateOrder, localDateParts } from './value-parsers.ts';

/** The order used when no value proves one and the mapping sets none: US exports (month-day). */
const DEFAULT_DATE_ORDER: DateOrder = 'mdy';

export interface DateValueAt {
  value: string;
  /** Physical line of the row in its export. */
  line: number;
}

/** How one column's local dates are read, and why (the import report shows it). */
export interface ColumnDateOrder {
  file: 'deals' | 'activities';
  column: string;
  order: DateOrder;
  /**
   * 'values': a value of the column proves it; 'mapping': the mapping's `dateOrder`; 'export':
   * no value proves one but another date column of the same export does; 'default': none of these.
   */
  why: 'values' | 'mapping' | 'export' | 'default';
  /** The first value proving `order`, when one does (with 'export': a value of `proofColumn`). */
  proof: DateValueAt | null;
  /** With 'export': the column whose value proves the order. */
  proofColumn?: string;
  /** With the mapping's order: the first value that can only be read the other way (its row is rejected). */
  against: DateValueAt | null;
  /** Values readable either way (both numbers 12 or less). */
  ambiguous: number;
}

const ORDER_WORDS: Record<DateOrder, string> = { dmy: 'day-month-year', mdy: 'month-day-year' };

export function dateOrderWords(order: DateOrder): string {
  return ORDER_WORDS[order];
}

/** Collects the local dates of one column; `decide` settles the column's order. */
export class DateOrderSurvey {
  readonly #proofs: Record<DateOrder, DateValueAt | null> = { dmy: null, mdy: null };
  #ambiguous = 0;
  #local = 0;

  readonly file: ColumnDateOrder['file'];
  readonly column: string;

  constructor(file: ColumnDateOrder['file'], column: string) {
    this.file = file;
    this.column = column;
  }

  add(raw: string, line: number): void {
    const parts = localDateParts(raw);
    if (parts === null) return;
    const [a, b] = parts;
    this.#local++;
    // Only a value readable in exactly one order proves it (45/03 and 13/13 prove nothing).
    const asDmy = a >= 1 && a <= 31 && b >= 1 && b <= 12;
    const asMdy = a >= 1 && a <= 12 && b >= 1 && b <= 31;
    if (asDmy && asMdy) this.#ambiguous++;
    else if (asDmy) this.#proofs.dmy ??= { value: raw.trim(), line };
    else if (asMdy) this.#proofs.mdy ??= { value: raw.trim(), line };
  }

  /**
   * The column's order: the mapping's when it sets one, else the one its values prove, else the
   * default. Null when the column holds no local dates. A column proving both orders without a
   * mapping order is an error (IMPORT_DATE_ORDER_CONFLICT): no row is read one way or the other.
   */
  decide(declared: DateOrder | undefined): ColumnDateOrder | null {
    if (this.#local === 0) return null;
    const { dmy, mdy } = this.#proofs;
    const base = { file: this.file, column: this.column, ambiguous: this.#ambiguous };
    if (declared !== undefined) {
      const other: DateOrder = declared === 'dmy' ? 'mdy' : 'dmy';
      return {
        ...base,
        order: declared,
        why: 'mapping',
        proof: this.#proofs[declared],
        against: this.#proofs[other],
      };
    }
    if (dmy && mdy) {
      throw new AppError(
        'IMPORT_DATE_ORDER_CONFLICT',
        `${this.file} column "${this.column}" contradicts itself: "${dmy.value}" (line ${dmy.line}) can only be ${ORDER_WORDS.dmy}, "${mdy.value}" (line ${mdy.line}) only ${ORDER_WORDS.mdy}. Set the order in the mapping file (dateOrder: dmy or dateOrder: mdy, with --mapping): the rows that cannot be read in that order are then rejected with their line.`,
        { details: { file: this.file, column: this.column, dmy, mdy } },
      );
    }
    if (dmy) return { ...base, order: 'dmy', why: 'values', proof: dmy, against: null };
    if (mdy) return { ...base, order: 'mdy', why: 'values', proof: mdy, against: null };
    return { ...base, order: DEFAULT_DATE_ORDER, why: 'default', proof: null, against: null };
  }
}

/**
 * A column no value of which proves an order takes the order its export's other date columns
 * prove (one tool wrote them all), when they agree; else it keeps the default.
 */
export function settleUnproven(orders: ColumnDateOrder[]): ColumnDateOrder[] {
  return orders.map((d) => {
    if (d.why !== 'default') return d;
    const proven = orders.filter((o) => o.file === d.file && o.why === 'values');
    const first = proven[0];
    if (first === undefined || proven.some((o) => o.order !== first.order)) return d;
    return { ...d, order: first.order, why: 'export', proof: first.proof, proofColumn: first.column };
  });
}

/** One line for the import report: which order a column is read in, and why. */
export function describeDateOrder(d: ColumnDateOrder): string {
  const head = `${d.file} column "${d.column}": read ${ORDER_WORDS[d.order]}`;
  if (d.why === 'values') return `${head}, proven by "${d.proof!.value}" (line ${d.proof!.line})`;
  if (d.why === 'mapping') {
    const against = d.against
      ? `; "${d.against.value}" (line ${d.against.line}) and any like it cannot be read so and are rejected`
      : '';
    return `${head}, as the mapping's dateOrder says${against}`;
  }
  if (d.why === 'export')
    return `${head}: none of its values proves an order, column "${d.proofColumn}" of the same export does ("${d.proof!.value}", line ${d.proof!.line})`;
  return `${head}, the default: none of its ${d.ambiguous} local dates proves an order (a number above 12 would); set dateOrder in the mapping if it is day-month`;
}
