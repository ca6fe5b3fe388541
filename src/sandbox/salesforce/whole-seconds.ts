/**
 * Salesforce keeps datetimes to the whole second: the API renders `2026-12-04T13:32:48.000+0000`
 * and SOQL datetime literals have no fractions. The sandbox stores them the same way, so records
 * saved within one second share a SystemModstamp exactly as they do in a real org.
 */
export function wholeSecondIso(value: string | number | Date): string {
  const ms = typeof value === 'number' ? value : value instanceof Date ? value.getTime() : Date.parse(value);
  return new Date(Math.floor(ms / 1000) * 1000).toISOString();
}

/** True when `value` is an ISO datetime string with a fraction other than `.000`. */
export function hasMilliseconds(value: unknown): value is string {
  return typeof value === 'string' && /\.\d*[1-9]\d*(?:Z|[+-]\d{2}:?\d{2})$/.test(value);
}
