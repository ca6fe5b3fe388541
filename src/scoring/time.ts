// Time helpers for the scoring engine. Every timestamp inside the engine is epoch milliseconds;
// ISO strings are parsed once, when a deal is compiled. No clock is read here.

const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Digits of `s` from `i` to `j` (exclusive) as a number; -1 when any is not a digit. */
function digits(s: string, i: number, j: number): number {
  let v = 0;
  for (let k = i; k < j; k++) {
    const c = s.charCodeAt(k) - 48;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/**
 * Epoch ms of an ISO date-time, or NaN when missing or unparsable. The CRMs' usual UTC forms
 * (`2026-05-01T12:00:00Z`, `2026-05-01T12:00:00.000Z`) take a fast path (compiling a deal parses
 * dozens of these); anything else goes through Date.parse, which agrees on the fast-path forms.
 */
export function parseTime(iso: string | null | undefined): number {
  if (iso == null || iso === '') return Number.NaN;
  const n = iso.length;
  if (
    (n === 20 || n === 24) &&
    iso.charCodeAt(n - 1) === 90 && // Z
    iso.charCodeAt(10) === 84 && // T
    iso.charCodeAt(4) === 45 &&
    iso.charCodeAt(7) === 45 &&
    iso.charCodeAt(13) === 58 &&
    iso.charCodeAt(16) === 58 &&
    (n === 20 || iso.charCodeAt(19) === 46)
  ) {
    const y = digits(iso, 0, 4);
    const mo = digits(iso, 5, 7);
    const d = digits(iso, 8, 10);
    const h = digits(iso, 11, 13);
    const mi = digits(iso, 14, 16);
    const sec = digits(iso, 17, 19);
    const ms = n === 24 ? digits(iso, 20, 23) : 0;
    if (
      y >= 0 &&
      mo >= 1 &&
      mo <= 12 &&
      d >= 1 &&
      d <= 31 &&
      mi >= 0 &&
      mi < 60 &&
      sec >= 0 &&
      sec < 60 &&
      ms >= 0 &&
      ((h >= 0 && h < 24) || (h === 24 && mi === 0 && sec === 0 && ms === 0))
    )
      return Date.UTC(y, mo - 1, d, h, mi, sec, ms);
    return Number.NaN; // what Date.parse says for these too (out-of-range fields)
  }
  return Date.parse(iso);
}

/**
 * Epoch ms of a calendar date (`YYYY-MM-DD`, or a full date-time): midnight UTC of that day.
 * A bare number string is read as epoch ms (HubSpot history sometimes carries those).
 */
export function parseDate(value: string | null | undefined): number {
  if (value == null || value === '') return Number.NaN;
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) return Date.parse(`${value}T00:00:00Z`);
  if (/^\d{10,}$/.test(value)) return Number(value);
  const t = Date.parse(value);
  if (Number.isNaN(t)) return Number.NaN;
  return Math.floor(t / DAY_MS) * DAY_MS;
}

/** Parses an amount as the CRM history returns it ("1200.50", "", null). */
export function parseAmount(value: string | null | undefined): number {
  if (value == null || value.trim() === '') return Number.NaN;
  const n = Number(value);
  return Number.isFinite(n) ? n : Number.NaN;
}

/** Whole days between two epoch-ms instants (floored, never negative). */
export function daysBetween(from: number, to: number): number {
  const d = Math.floor((to - from) / DAY_MS);
  if (!(d > 0)) return 0; // also maps NaN (unknown times) to 0
  return d;
}

/** "1 day" / "12 days". */
export function plural(n: number, one: string, many: string = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}

export function clamp01(x: number): number {
  if (!(x > 0)) return 0; // also maps NaN to 0
  if (!(x < 1)) return 1;
  return x;
}
