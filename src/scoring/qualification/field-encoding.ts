// Encodes one qualification field (issue 9) into levels and learns, per level, time-stamped won/lost
// series from closed deals. A deal scored as of T only counts deals closed strictly before T, so a
// deal reconstructed at its own cut-off never sees its own outcome or any later one.

import type { FieldValue } from '../../domain/index.ts';

type QualificationFieldKind = 'category' | 'boolean' | 'number';

/** One entry of Tenant.scoring.qualificationFields. */
export interface QualificationFieldConfig {
  /** CRM property / field API name (a key of Deal.fields). */
  field: string;
  label: string;
  kind: QualificationFieldKind;
}

export interface FieldEncodingOptions {
  /** A category seen fewer times than this (over all deals, open and closed) is pooled into "other". Default 5. */
  minLevelCount?: number;
  /** At most this many categories are kept (the most frequent); the rest are pooled. Default 20. */
  maxCategories?: number;
  /** Number fields are binned at quantiles into this many bins. Default 4. */
  numberBins?: number;
}

/** A closed deal's outcome as the encoding needs it. */
interface FieldOutcome {
  closedAt: number;
  won: boolean;
}

/** A record seen while learning: its field values and, when closed, its outcome. */
export interface FieldSample {
  /** The deal's id: lets training hide its outcome from its own row (out-of-fold encoding). */
  dealId?: string;
  fields: Readonly<Record<string, FieldValue>>;
  outcome: FieldOutcome | null;
}

const MISSING_LEVEL = 'missing';
const OTHER_LEVEL = 'other';

/** The learned encoding of one field: plain data, read-only once built. */
export interface FieldEncoding {
  config: QualificationFieldConfig;
  /** Level names (normalised categories, "yes"/"no", bin labels, then "other" and "missing"). */
  levels: string[];
  /** How each level reads in evidence (original spelling of a category, "No", "not set", "10k-25k"). */
  display: string[];
  /** Number fields: ascending cut points (bin i holds edges[i-1] <= v < edges[i]). */
  edges: number[];
  /** Per level, close times (epoch ms, ascending) of won and of lost deals. */
  won: Float64Array[];
  lost: Float64Array[];
  allWon: Float64Array;
  allLost: Float64Array;
}

const TRUE_WORDS = new Set(['true', 'yes', 'y', '1', 'x', 'checked', 'on', 'ja', 'oui', 'si', 'sí']);
const FALSE_WORDS = new Set(['false', 'no', 'n', '0', 'unchecked', 'off', 'nein', 'non']);

function normaliseText(v: string): string {
  return v.trim().replace(/\s+/g, ' ').toLowerCase();
}

/** Reads a number written as a number or as text ("1,250", "€ 12.000,50", "25%"); NaN when none. */
export function readNumber(v: FieldValue | undefined): number {
  if (typeof v === 'number') return Number.isFinite(v) ? v : Number.NaN;
  if (typeof v !== 'string') return Number.NaN;
  // Words around the number make it text ("Seller 6"); a currency symbol or ISO code, a percent
  // sign and spaces do not.
  const bare = v.trim().replace(/^[A-Za-z]{3}\s*|\s*[A-Za-z]{3}$/g, '');
  if (/[A-Za-z]/.test(bare.replace(/^[A-Za-z]{0,2}[$€£¥₹₩₽₺]/, ''))) return Number.NaN;
  let s = bare.replace(/[^\d.,-]/g, '');
  if (s === '' || s === '-') return Number.NaN;
  const lastDot = s.lastIndexOf('.');
  const lastComma = s.lastIndexOf(',');
  if (lastComma > lastDot) {
    // "12.000,50" or "12,5": the comma is the decimal mark unless it groups exactly three digits
    // with no dot ("1,250" is a thousand two hundred and fifty).
    const tail = s.length - lastComma - 1;
    if (lastDot < 0 && tail === 3) s = s.replace(/,/g, '');
    else s = s.replace(/\./g, '').replace(',', '.');
  } else s = s.replace(/,/g, '');
  const n = Number(s);
  return Number.isFinite(n) ? n : Number.NaN;
}

function isMissing(v: FieldValue | undefined): boolean {
  return v === null || v === undefined || (typeof v === 'string' && v.trim() === '');
}

function readBoolean(v: FieldValue): boolean | null {
  if (v === null) return null;
  if (typeof v === 'boolean') return v;
  if (typeof v === 'number') return v === 1 ? true : v === 0 ? false : null;
  const t = normaliseText(v);
  return TRUE_WORDS.has(t) ? true : FALSE_WORDS.has(t) ? false : null;
}

function formatNumber(x: number): string {
  const a = Math.abs(x);
  if (a >= 1e6) return `${Math.round(x / 1e5) / 10}M`;
  if (a >= 1e3) return `${Math.round(x / 100) / 10}k`;
  return String(Math.round(x * 100) / 100);
}

function quantileEdges(values: number[], bins: number): number[] {
  if (values.length === 0 || bins < 2) return [];
  const sorted = [...values].sort((a, b) => a - b);
  const edges: number[] = [];
  for (let b = 1; b < bins; b++) {
    const q = sorted[Math.min(sorted.length - 1, Math.floor((b * sorted.length) / bins))]!;
    // Equal cut points collapse (a value shared by many deals stays in one bin).
    if (q > sorted[0]! && (edges.length === 0 || q > edges[edges.length - 1]!)) edges.push(q);
  }
  return edges;
}

/** The level index of a value under an encoding (unseen and unreadable values go to "other"). */
export function levelOf(enc: FieldEncoding, v: FieldValue | undefined): number {
  const { levels } = enc;
  if (isMissing(v)) return levels.length - 1;
  const other = levels.length - 2;
  switch (enc.config.kind) {
    case 'boolean': {
      const b = readBoolean(v as FieldValue);
      return b === null ? other : b ? 0 : 1;
    }
    case 'number': {
      const n = readNumber(v);
      if (Number.isNaN(n)) return other;
      let i = 0;
      while (i < enc.edges.length && n >= enc.edges[i]!) i++;
      return i;
    }
    default: {
      const i = levels.indexOf(normaliseText(String(v)));
      return i >= 0 && i < other ? i : other;
    }
  }
}

/**
 * Learns a field's levels from every sample (no outcome is used for that) and its per-level
 * won/lost series from the closed ones. Deterministic for the same samples.
 */
export function learnFieldEncoding(
  config: QualificationFieldConfig,
  samples: Iterable<FieldSample>,
  options: FieldEncodingOptions = {},
): FieldEncoding {
  const minCount = options.minLevelCount ?? 5;
  const maxCategories = options.maxCategories ?? 20;
  const list = [...samples];
  let levels: string[];
  let display: string[];
  let edges: number[] = [];
  if (config.kind === 'boolean') {
    levels = ['yes', 'no'];
    display = ['Yes', 'No'];
  } else if (config.kind === 'number') {
    const values = list.map((s) => readNumber(s.fields[config.field])).filter((n) => !Number.isNaN(n));
    edges = quantileEdges(values, options.numberBins ?? 4);
    levels = [];
    display = [];
    for (let i = 0; i <= edges.length; i++) {
      const lo = edges[i - 1];
      const hi = edges[i];
      const name =
        lo === undefined && hi === undefined
          ? 'any'
          : lo === undefined
            ? `< ${formatNumber(hi!)}`
            : hi === undefined
              ? `>= ${formatNumber(lo)}`
              : `${formatNumber(lo)}-${formatNumber(hi)}`;
      levels.push(name);
      display.push(name);
    }
  } else {
    // Count normalised categories and remember the most common original spelling of each.
    const counts = new Map<string, { n: number; spellings: Map<string, number> }>();
    for (const s of list) {
      const v = s.fields[config.field];
      if (isMissing(v)) continue;
      const raw = String(v).trim().replace(/\s+/g, ' ');
      const key = raw.toLowerCase();
      let c = counts.get(key);
      if (!c) {
        c = { n: 0, spellings: new Map() };
        counts.set(key, c);
      }
      c.n++;
      c.spellings.set(raw, (c.spellings.get(raw) ?? 0) + 1);
    }
    const kept = [...counts.entries()]
      .filter(([key, c]) => c.n >= minCount && key !== OTHER_LEVEL && key !== MISSING_LEVEL)
      .sort((a, b) => b[1].n - a[1].n || (a[0] < b[0] ? -1 : 1))
      .slice(0, maxCategories);
    levels = kept.map(([k]) => k);
    display = kept.map(
      ([, c]) => [...c.spellings.entries()].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))[0]![0],
    );
  }
  levels.push(OTHER_LEVEL, MISSING_LEVEL);
  display.push(config.kind === 'category' ? 'other value' : 'unreadable value', 'not set');
  const enc: FieldEncoding = {
    config,
    levels,
    display,
    edges,
    won: [],
    lost: [],
    allWon: new Float64Array(0),
    allLost: new Float64Array(0),
  };
  const won: number[][] = levels.map(() => []);
  const lost: number[][] = levels.map(() => []);
  for (const s of list) {
    if (!s.outcome || !Number.isFinite(s.outcome.closedAt)) continue;
    const l = levelOf(enc, s.fields[config.field]);
    (s.outcome.won ? won : lost)[l]!.push(s.outcome.closedAt);
  }
  const sorted = (xs: number[]) => Float64Array.from(xs).sort();
  enc.won = won.map(sorted);
  enc.lost = lost.map(sorted);
  enc.allWon = sorted(won.flat());
  enc.allLost = sorted(lost.flat());
  return enc;
}

/** How many entries of an ascending array are strictly before `t`. */
function countBefore(xs: Float64Array, t: number): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Won / lost counts of a level (and overall) among deals closed strictly before `asOf`. */
export function levelCounts(
  enc: FieldEncoding,
  level: number,
  asOf: number,
): { won: number; lost: number; allWon: number; allLost: number } {
  return {
    won: countBefore(enc.won[level]!, asOf),
    lost: countBefore(enc.lost[level]!, asOf),
    allWon: countBefore(enc.allWon, asOf),
    allLost: countBefore(enc.allLost, asOf),
  };
}
