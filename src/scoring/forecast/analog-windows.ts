// The past windows a forecast learns from: the same quarter-relative moment in earlier quarters.
// A forecast made 40 days into Q4 learns slip and revenue outside the open pipeline from what
// happened after day 40 of Q3, Q2, ...; one made for next quarter from the same lead time before
// earlier quarters. Only windows whose quarter had fully ended by the time the forecast is made
// (`knownAt`) qualify, so a backtest never sees outcomes from after its own as-of.

import { type ForecastPeriod, shiftQuarter } from './quarter-period.ts';

export interface AnalogWindow {
  period: ForecastPeriod;
  /** The moment in that quarter (or before it) that matches the forecast's as-of. */
  asOf: number;
}

/** A quarter of history before the first deal is a warm-up: its pipeline was still being entered. */
export const WARM_UP_MS = 92 * 86_400_000;

export interface AnalogOptions {
  /** At most this many windows, the most recent first. Default 8. */
  max?: number;
  /** The earliest usable as-of (e.g. the first deal's creation plus {@link WARM_UP_MS}). */
  earliest: number;
}

export function analogWindows(
  period: ForecastPeriod,
  asOf: number,
  knownAt: number,
  timeZone: string,
  options: AnalogOptions,
): AnalogWindow[] {
  const max = options.max ?? 8;
  const offset = asOf - period.startMs;
  const out: AnalogWindow[] = [];
  for (let k = 1; out.length < max; k++) {
    const p = shiftQuarter(period, -k, timeZone);
    const t = Math.min(p.startMs + offset, p.endMs - 1);
    if (t < options.earliest) break;
    if (p.endMs > knownAt) continue;
    out.push({ period: p, asOf: t });
  }
  return out;
}
