import { localDayNumber, utcOffsetMs } from './zoned-day.ts';

export interface LocalWeekPosition {
  /** ISO 8601 week of the local calendar day, e.g. "2026-W47" (weeks start on Monday). */
  week: string;
  /** 1 = Monday .. 7 = Sunday. */
  weekday: number;
  /** Local hour 0-23. */
  hour: number;
}

/** Where the instant `ms` falls in the ISO week of the local calendar of `timeZone`. */
export function localWeekPosition(ms: number, timeZone: string): LocalWeekPosition {
  const day = localDayNumber(ms, timeZone);
  // Day 0 (1970-01-01) was a Thursday.
  const weekday = ((((day + 3) % 7) + 7) % 7) + 1;
  // The ISO week belongs to the year of its Thursday.
  const thursday = day - weekday + 4;
  const year = new Date(thursday * 86_400_000).getUTCFullYear();
  const week = Math.floor((thursday - Date.UTC(year, 0, 1) / 86_400_000) / 7) + 1;
  const hour = new Date(ms + utcOffsetMs(ms, timeZone)).getUTCHours();
  return { week: `${year}-W${String(week).padStart(2, '0')}`, weekday, hour };
}
