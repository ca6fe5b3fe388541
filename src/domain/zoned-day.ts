/**
 * Calendar days in an IANA time zone. CRMs count daily quotas per local day of the account
 * (HubSpot: "the daily limits reset at midnight based on the time zone setting of the HubSpot
 * account"), so a reset time is the account's next local midnight, not UTC's.
 */

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** Local wall-clock fields of `ms` in `timeZone`. */
function localParts(ms: number, timeZone: string): { y: number; m: number; d: number; wallMs: number } {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(new Date(ms))) {
    if (p.type !== 'literal') parts[p.type] = Number(p.value);
  }
  const y = parts.year!;
  const m = parts.month!;
  const d = parts.day!;
  const wallMs =
    Date.UTC(y, m - 1, d, parts.hour!, parts.minute!, parts.second!) + (((ms % 1000) + 1000) % 1000);
  return { y, m, d, wallMs };
}

/** The zone's offset from UTC at `ms`, in ms (New York in winter: -18,000,000). */
export function utcOffsetMs(ms: number, timeZone: string): number {
  return localParts(ms, timeZone).wallMs - ms;
}

/** "+05:30" / "-08:00" for an offset in ms. */
export function formatUtcOffset(offsetMs: number): string {
  const sign = offsetMs < 0 ? '-' : '+';
  const minutes = Math.round(Math.abs(offsetMs) / 60_000);
  return `${sign}${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

/** A number that names the local calendar day of `ms` in `timeZone` (equal within one local day). */
export function localDayNumber(ms: number, timeZone: string): number {
  const { y, m, d } = localParts(ms, timeZone);
  return Date.UTC(y, m - 1, d) / 86_400_000;
}

/**
 * The first instant after `now` that falls on the next local calendar day in `timeZone`: local
 * midnight, or the first existing instant of that day where a DST change skips midnight.
 */
export function nextLocalMidnight(now: number, timeZone: string): number {
  const { y, m, d } = localParts(now, timeZone);
  const targetWall = Date.UTC(y, m - 1, d + 1);
  // Walk the offset to a fixed point (two rounds cover a DST change between now and midnight).
  let t = targetWall - utcOffsetMs(now, timeZone);
  for (let i = 0; i < 3; i++) t = targetWall - utcOffsetMs(t, timeZone);
  const today = localDayNumber(now, timeZone);
  // Guarantee the result is the earliest instant of a later local day (never early, never a day late).
  while (localDayNumber(t, timeZone) <= today) t += 15 * 60_000;
  while (localDayNumber(t - 15 * 60_000, timeZone) > today) t -= 15 * 60_000;
  return t;
}

/** True when `tz` is an IANA time zone this runtime knows. */
export function isKnownTimeZone(tz: string): boolean {
  try {
    formatter(tz);
    return true;
  } catch {
    return false;
  }
}
