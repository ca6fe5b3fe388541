/**
 * ISO-8601 UTC timestamps (`2026-11-27T09:30:00.000Z`) several times faster than
 * `new Date(ms).toISOString()`, for the millions of timestamps a 100,000-deal world holds.
 * The string is built from char codes so it is flat (a template literal would make a rope
 * several times larger in memory). Years 0000-9999 only.
 */

const DAY = 86_400_000;
const buffer = new Uint8Array(24);
let cachedDay = Number.NaN;

function put2(at: number, value: number): void {
  buffer[at] = 48 + ((value / 10) | 0);
  buffer[at + 1] = 48 + (value % 10);
}

export function fastIso(ms: number): string {
  const day = Math.floor(ms / DAY);
  if (day !== cachedDay) {
    cachedDay = day;
    const prefix = new Date(day * DAY).toISOString();
    for (let i = 0; i < 11; i++) buffer[i] = prefix.charCodeAt(i);
    buffer[13] = 58; // ':'
    buffer[16] = 58;
    buffer[19] = 46; // '.'
    buffer[23] = 90; // 'Z'
  }
  let rest = ms - day * DAY;
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
  return String.fromCharCode.apply(null, buffer as unknown as number[]);
}
