// Calendar quarters in the tenant's time zone: a quarter starts at local midnight of its first day,
// so a deal won at 23:30 on 31 March in New York counts in Q1 there, not in Q2 as in UTC.

import { localDayNumber, nextLocalMidnight, utcOffsetMs } from '../../domain/index.ts';
import { DAY_MS } from '../time.ts';

export interface ForecastPeriod {
  /** "2026-Q4". */
  label: string;
  /** First and last local calendar day, inclusive (`YYYY-MM-DD`), as targets name them. */
  start: string;
  end: string;
  /** The instants the quarter spans in the zone: [startMs, endMs). */
  startMs: number;
  endMs: number;
  /** The same days as UTC-midnight epoch ms (how close dates are held): [startDay, endDay). */
  startDay: number;
  endDay: number;
}

/** The first instant of the local calendar day whose UTC-midnight ms is `dayUtcMs`. */
function localMidnight(dayUtcMs: number, timeZone: string): number {
  // Approximately midnight (off by at most a DST hour); six hours earlier is surely the day before.
  const approx = dayUtcMs - utcOffsetMs(dayUtcMs, timeZone);
  return nextLocalMidnight(approx - 6 * 3_600_000, timeZone);
}

function isoDay(dayUtcMs: number): string {
  return new Date(dayUtcMs).toISOString().slice(0, 10);
}

/** Quarter `quarter` (0-3; any integer rolls over into other years) of `year` in `timeZone`. */
export function quarterPeriod(year: number, quarter: number, timeZone: string): ForecastPeriod {
  const startDay = Date.UTC(year, quarter * 3, 1);
  const endDay = Date.UTC(year, quarter * 3 + 3, 1);
  const first = new Date(startDay);
  return {
    label: `${first.getUTCFullYear()}-Q${Math.floor(first.getUTCMonth() / 3) + 1}`,
    start: isoDay(startDay),
    end: isoDay(endDay - DAY_MS),
    startMs: localMidnight(startDay, timeZone),
    endMs: localMidnight(endDay, timeZone),
    startDay,
    endDay,
  };
}

/** The quarter the instant `ms` falls in, by the local calendar of `timeZone`. */
export function quarterContaining(ms: number, timeZone: string): ForecastPeriod {
  const day = new Date(localDayNumber(ms, timeZone) * DAY_MS);
  return quarterPeriod(day.getUTCFullYear(), Math.floor(day.getUTCMonth() / 3), timeZone);
}

/** The quarter `k` quarters after `period` (before it when `k` is negative). */
export function shiftQuarter(period: ForecastPeriod, k: number, timeZone: string): ForecastPeriod {
  const first = new Date(period.startDay);
  return quarterPeriod(first.getUTCFullYear(), Math.floor(first.getUTCMonth() / 3) + k, timeZone);
}
