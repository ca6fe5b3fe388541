/** Levenshtein distance, case-insensitive (so `basepath` is one step from nothing but `basePath`). */
function distance(a: string, b: string): number {
  const s = a.toLowerCase();
  const t = b.toLowerCase();
  let previous = Array.from({ length: t.length + 1 }, (_, j) => j);
  for (let i = 1; i <= s.length; i++) {
    const current = [i];
    for (let j = 1; j <= t.length; j++) {
      const cost = s[i - 1] === t[j - 1] ? 0 : 1;
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[t.length]!;
}

/**
 * The known name closest to `given`, when it is close enough to be a likely typo (at most a third
 * of the name's length, and at least 2 edits allowed), else undefined.
 */
export function closestName(given: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Number.POSITIVE_INFINITY;
  for (const name of known) {
    const d = distance(given, name);
    if (d < bestDistance) {
      best = name;
      bestDistance = d;
    }
  }
  const allowed = Math.max(2, Math.floor(given.length / 3));
  return bestDistance <= allowed ? best : undefined;
}

/** `unknown key "basepath" (did you mean "basePath"?)`, one clause per key. */
export function unknownKeysMessage(keys: readonly string[], known: readonly string[]): string {
  const parts = keys.map((key) => {
    const hint = closestName(key, known);
    return hint === undefined ? `"${key}"` : `"${key}" (did you mean "${hint}"?)`;
  });
  return `unknown key${keys.length === 1 ? '' : 's'} ${parts.join(', ')}`;
}
