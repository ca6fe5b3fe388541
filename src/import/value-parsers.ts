// Reading the values of real exports: dates in ISO and common local formats, amounts with currency
// symbols and thousands separators, outcomes mapped to won / lost.

/** Order of day and month in slash / dot / dash dates that are not ISO. */
export type DateOrder = 'dmy' | 'mdy';

const MONTHS: Record<string, number> = {
  jan: 1,
  feb: 2,
  mar: 3,
  apr: 4,
  may: 5,
  jun: 6,
  jul: 7,
  aug: 8,
  sep: 9,
  sept: 9,
  oct: 10,
  nov: 11,
  dec: 12,
};

function utc(y: number, m: number, d: number, hh = 0, mm = 0, ss = 0): number | null {
  if (m < 1 || m > 12 || d < 1 || d > 31 || hh > 23 || mm > 59 || ss > 59) return null;
  const t = Date.UTC(y, m - 1, d, hh, mm, ss);
  const back = new Date(t);
  // Rejects 31/02 and the like instead of rolling over into the next month.
  return back.getUTCDate() === d && back.getUTCMonth() === m - 1 ? t : null;
}

function year(y: string): number {
  const n = Number(y);
  return y.length === 2 ? (n < 70 ? 2000 + n : 1900 + n) : n;
}

function clock(rest: string | undefined): [number, number, number] | null {
  if (!rest || rest.trim() === '') return [0, 0, 0];
  const m =
    /^\s*[T ]?\s*(\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(am|pm|AM|PM)?\s*(Z|[+-]\d{2}:?\d{2}|UTC|GMT)?\s*$/.exec(
      rest,
    );
  if (!m) return null;
  let h = Number(m[1]);
  const ampm = m[4]?.toLowerCase();
  if (ampm) {
    if (h < 1 || h > 12) return null;
    h = (h % 12) + (ampm === 'pm' ? 12 : 0);
  }
  return [h, Number(m[2]), Number(m[3] ?? 0)];
}

/** `DD/MM/YYYY` or `MM/DD/YYYY` (slashes, dots or dashes; two- or four-digit year; optional time). */
const LOCAL_DATE = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4}|\d{2})(?:,)?(.*)$/;

/**
 * The first two numbers of a local date whose day and month order is not self-evident
 * ("05/07/2025" -> [5, 7]); null for ISO, year-first and month-name dates.
 */
export function localDateParts(raw: string): [number, number] | null {
  const m = LOCAL_DATE.exec(raw.trim());
  return m ? [Number(m[1]), Number(m[2])] : null;
}

/**
 * Parses a date or date-time to epoch ms (UTC; local times without a zone are read as UTC):
 * ISO 8601 (with or without time or zone), `YYYY/MM/DD`, `DD/MM/YYYY` / `MM/DD/YYYY` (also with
 * dots or dashes, two-digit years, an optional time with AM/PM), `15 Jan 2025`, `Jan 15, 2025`.
 * With `order` (the importer decides it once per column, date-order.ts) local dates are read
 * strictly in that order: "12/31/2025" in day-month order is null. Without it, a part above 12
 * settles the order of that value, else month-day. Null when unreadable.
 */
export function parseDate(raw: string, order?: DateOrder): number | null {
  const s = raw.trim();
  if (s === '') return null;
  let m =
    /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?\s*(Z|[+-]\d{2}:?\d{2})?)?$/.exec(
      s,
    );
  if (m) {
    if (m[7] && m[7] !== 'Z') {
      const t = Date.parse(s.replace(' ', 'T'));
      return Number.isNaN(t) ? null : t;
    }
    return utc(
      Number(m[1]),
      Number(m[2]),
      Number(m[3]),
      Number(m[4] ?? 0),
      Number(m[5] ?? 0),
      Number(m[6] ?? 0),
    );
  }
  m = /^(\d{4})[/.](\d{1,2})[/.](\d{1,2})(.*)$/.exec(s);
  if (m) {
    const c = clock(m[4]);
    return c ? utc(Number(m[1]), Number(m[2]), Number(m[3]), ...c) : null;
  }
  m = LOCAL_DATE.exec(s);
  if (m) {
    const c = clock(m[4]);
    if (!c) return null;
    const a = Number(m[1]);
    const b = Number(m[2]);
    const dmy = order !== undefined ? order === 'dmy' : a > 12;
    return dmy ? utc(year(m[3]!), b, a, ...c) : utc(year(m[3]!), a, b, ...c);
  }
  m = /^(\d{1,2})[ -]([A-Za-z]{3,9})\.?[ -](\d{4}|\d{2})(.*)$/.exec(s);
  if (m) {
    const mon = MONTHS[m[2]!.slice(0, m[2]!.toLowerCase() === 'sept' ? 4 : 3).toLowerCase()];
    const c = clock(m[4]);
    return mon && c ? utc(year(m[3]!), mon, Number(m[1]), ...c) : null;
  }
  m = /^([A-Za-z]{3,9})\.? (\d{1,2}),? (\d{4})(.*)$/.exec(s);
  if (m) {
    const mon = MONTHS[m[1]!.slice(0, 3).toLowerCase()];
    const c = clock(m[4]);
    return mon && c ? utc(Number(m[3]), mon, Number(m[2]), ...c) : null;
  }
  return null;
}

const CURRENCY_PREFIX = /^(?:[A-Za-z]{3}(?![A-Za-z])|[A-Za-z]{0,2}[$€£¥₹₩₽₺])/;
const CURRENCY_SUFFIX = /(?:(?<![A-Za-z])[A-Za-z]{3}|[$€£¥₹₩₽₺])$/;

/**
 * Parses an amount: currency symbols or codes, spaces (also non-breaking) and thousands separators
 * removed; "1.234,56" and "1,234.56" both read as 1234.56; "(1,000)" is negative. Null when none.
 */
export function parseAmount(raw: string): number | null {
  let s = raw.trim();
  if (s === '') return null;
  let negative = false;
  if (/^\(.*\)$/.test(s)) {
    negative = true;
    s = s.slice(1, -1);
  }
  // Only a currency symbol or a three-letter ISO 4217 code (optionally "US$"-style) may surround
  // the number: "Seller 6" or "Region 12" are text, not amounts.
  s = s
    .replace(/[\s\u00a0\u202f']/g, '')
    .replace(CURRENCY_PREFIX, '')
    .replace(CURRENCY_SUFFIX, '');
  if (s.startsWith('-')) {
    negative = !negative;
    s = s.slice(1);
  }
  s = s.replace(CURRENCY_PREFIX, '');
  if (!/^[\d.,]+$/.test(s)) return null;
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  if (lastComma > lastDot) {
    const tail = s.length - lastComma - 1;
    // "1,250" (one comma, three digits after, no dot) groups thousands; "12,5" is a decimal.
    const grouping = lastDot < 0 && tail === 3 && (s.indexOf(',') !== lastComma || !/^0/.test(s));
    s = grouping ? s.replace(/,/g, '') : s.replace(/\./g, '').replace(',', '.');
  } else if (lastDot > lastComma && lastComma < 0 && s.indexOf('.') !== lastDot) {
    s = s.replace(/\./g, ''); // "1.234.567": dots group thousands
  } else s = s.replace(/,/g, '');
  if (!/^\d*\.?\d+$|^\d+\.$/.test(s)) return null;
  const n = Number(s);
  return Number.isFinite(n) ? (negative ? -n : n) : null;
}

/** Normalises an outcome cell for matching ("Closed Won" -> "closed won"). */
export function normaliseLabel(s: string): string {
  return s.trim().replace(/\s+/g, ' ').toLowerCase();
}
