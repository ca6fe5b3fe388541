/**
 * A deal's score history: what the trend (a score about 7 days old) and live accuracy (the score
 * about 30 days before the deal closed) read. The score step runs every cycle (every 15 minutes on
 * an incremental schedule), so a plain "last N scores" list covered only N cycles: with 60 entries,
 * 15 hours, and neither a 7-day nor a 30-day-old score was ever found. The history is thinned
 * instead: the latest score of each of the last 8 days, then the latest of each 7-day block, up to
 * 70 days back (at most 18 entries, whatever the schedule).
 *
 * Stored as JSON `[[minute, score], ...]` or `[minute, score, priorScore]` when a fitted model was
 * served (the prior-weight score is kept for live accuracy); older `[ms, score]` entries are read.
 */
export interface ScoreEntry {
  /** When the score was computed (epoch ms, minute precision). */
  at: number;
  score: number;
  /** The prior-weight score at the same moment; equal to `score` when the prior was served. */
  priorScore: number;
}

const MINUTE = 60_000;
const DAY = 86_400_000;
const DAILY_DAYS = 8;
const WEEKLY_DAYS = 70;

export function decodeHistory(raw: string | null): ScoreEntry[] {
  if (raw === null) return [];
  const parsed = JSON.parse(raw) as number[][];
  return parsed.map(([t, score, prior]) => {
    // Minutes since the epoch are 8 digits until the year 2160; milliseconds are 13.
    const at = t! > 1e11 ? t! : t! * MINUTE;
    return { at, score: score!, priorScore: prior ?? score! };
  });
}

export function encodeHistory(entries: readonly ScoreEntry[]): string {
  return JSON.stringify(
    entries.map((e) => {
      const minute = Math.round(e.at / MINUTE);
      return e.priorScore === e.score ? [minute, e.score] : [minute, e.score, e.priorScore];
    }),
  );
}

/** `entries` plus `next` (replacing an entry of the same minute), thinned as described above. */
export function appendScore(entries: readonly ScoreEntry[], next: ScoreEntry): ScoreEntry[] {
  const all = entries.filter((e) => Math.round(e.at / MINUTE) !== Math.round(next.at / MINUTE));
  all.push(next);
  all.sort((a, b) => a.at - b.at);
  const now = all[all.length - 1]!.at;
  const today = Math.floor(now / DAY);
  // Walk newest first; keep the first (latest) entry of each bucket.
  const kept: ScoreEntry[] = [];
  const seen = new Set<string>();
  for (let i = all.length - 1; i >= 0; i--) {
    const e = all[i]!;
    const day = Math.floor(e.at / DAY);
    if (today - day >= WEEKLY_DAYS) break;
    const bucket = today - day < DAILY_DAYS ? `d${day}` : `w${Math.floor(day / 7)}`;
    if (seen.has(bucket)) continue;
    seen.add(bucket);
    kept.push(e);
  }
  return kept.reverse();
}

/** The latest entry at or before `time`, or null. */
export function scoreAsOf(entries: readonly ScoreEntry[], time: number): ScoreEntry | null {
  let found: ScoreEntry | null = null;
  for (const e of entries) if (e.at <= time) found = e;
  return found;
}
