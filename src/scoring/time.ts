// Time helpers for the scoring engine. Every timestamp inside the engine is epoch milliseconds;
// ISO strings are parsed once, when a deal is compiled. No clock is read here.

export const HOUR_MS = 3_600_000;
export const DAY_MS = 86_400_000;

/** Epoch ms of an ISO date-time, or NaN when missing or unparsable. */
export function parseTime(iso: string | null | undefined): number {
  if (iso == null || iso === '') return Number.NaN;
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
