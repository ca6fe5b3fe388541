/**
 * ISO-8601 UTC timestamps (`2026-11-27T09:30:00.000Z`) several times faster than
 * `new Date(ms).toISOString()`, for the millions of timestamps a 100,000-deal world holds.
 * The calendar date comes from days since the epoch (Howard Hinnant's civil-from-days), and the
 * string is built from char codes so it is flat (a template literal would make a rope several
 * times larger in memory). Years 1970-9999 only.
 */

const DAY = 86_400_000;
// A plain array: `fromCharCode.apply` is several times faster with it than with a typed array.
const buffer: number[] = new Array<number>(24).fill(48);
buffer[4] = 45; // '-'
buffer[7] = 45;
buffer[10] = 84; // 'T'
buffer[13] = 58; // ':'
buffer[16] = 58;
buffer[19] = 46; // '.'
buffer[23] = 90; // 'Z'

function put2(at: number, value: number): void {
  buffer[at] = 48 + ((value / 10) | 0);
  buffer[at + 1] = 48 + (value % 10);
}

export function fastIso(ms: number): string {
  const days = Math.floor(ms / DAY);
  let rest = ms - days * DAY;
  // Civil date from days since 1970-01-01.
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  put2(0, Math.floor(year / 100));
  put2(2, year % 100);
  put2(5, month);
  put2(8, day);
  const hours = Math.floor(rest / 3_600_000);
  rest -= hours * 3_600_000;
  const minutes = Math.floor(rest / 60_000);
  rest -= minutes * 60_000;
  const seconds = Math.floor(rest / 1000);
  const millis = rest - seconds * 1000;
  put2(11, hours);
  put2(14, minutes);
  put2(17, seconds);
  buffer[20] = 48 + ((millis / 100) | 0);
  buffer[21] = 48 + (((millis / 10) | 0) % 10);
  buffer[22] = 48 + (millis % 10);
  return String.fromCharCode.apply(null, buffer);
}

function digits(text: string, at: number, count: number): number {
  let value = 0;
  for (let i = at; i < at + count; i++) {
    const c = text.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return Number.NaN;
    value = value * 10 + c;
  }
  return value;
}

/**
 * Epoch milliseconds of an ISO timestamp. The canonical `YYYY-MM-DDTHH:MM:SS.sssZ` form (what the
 * sandbox stores) is parsed directly, several times faster than `Date.parse`; anything else falls
 * back to `Date.parse`.
 */
export function parseIsoMs(text: string): number {
  if (text.length !== 24 || text.charCodeAt(23) !== 90 || text.charCodeAt(10) !== 84) return Date.parse(text);
  let year = digits(text, 0, 4);
  const month = digits(text, 5, 2);
  const day = digits(text, 8, 2);
  const ms =
    digits(text, 11, 2) * 3_600_000 +
    digits(text, 14, 2) * 60_000 +
    digits(text, 17, 2) * 1000 +
    digits(text, 20, 3);
  if (Number.isNaN(year + month + day + ms) || month < 1 || month > 12 || day < 1 || day > 31)
    return Date.parse(text);
  // Days from civil (Howard Hinnant).
  year -= month <= 2 ? 1 : 0;
  const era = Math.floor(year / 400);
  const yoe = year - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return (era * 146_097 + doe - 719_468) * DAY + ms;
}
