// A qualification field as a `field:<name>` indicator: the deal's level of the field is judged by
// the win rate of that level among deals closed before "as of", against the tenant's overall rate.

import type { IndicatorResult } from '../../domain/index.ts';
import type { ExtraIndicator } from '../context.ts';
import {
  type FieldEncoding,
  type FieldEncodingOptions,
  type FieldSample,
  learnFieldEncoding,
  levelCounts,
  levelOf,
  type QualificationFieldConfig,
} from './field-encoding.ts';

export interface FieldIndicatorOptions extends FieldEncodingOptions {
  /**
   * Pseudo-deals at the tenant's rate a level's win rate is shrunk towards (and the count at which
   * confidence reaches 0.5). Default 5, as for the owner x industry win rate.
   */
  priorStrength?: number;
}

/** The extra indicator with its learned encoding (for reports). */
export interface FieldIndicator extends ExtraIndicator {
  readonly encoding: FieldEncoding;
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

/** Judges a level: shrunk win rate, odds relative to the overall rate as a 0..1 sub-score. */
function judgeLevel(
  enc: FieldEncoding,
  level: number,
  asOf: number,
  priorStrength = 5,
): { rate: number; base: number; n: number; subScore: number; confidence: number } {
  const c = levelCounts(enc, level, asOf);
  const n = c.won + c.lost;
  const all = c.allWon + c.allLost;
  // Laplace-smoothed tenant rate; each level's rate shrinks towards it with `priorStrength` deals.
  const base = (c.allWon + 1) / (all + 2);
  const rate = (c.won + priorStrength * base) / (n + priorStrength);
  // Odds ratio mapped to 0..1: 0.5 at the tenant rate, 0.75 at three times its odds.
  const or = (rate * (1 - base)) / Math.max(1e-12, base * (1 - rate));
  const subScore = or / (1 + or);
  return { rate, base, n, subScore, confidence: n / (n + priorStrength) };
}

/**
 * Builds the indicator of one field from its learned encoding. With `samples` (ids included) it can
 * give its out-of-fold twin for training; `timeless` judges from every outcome in the encoding.
 */
function fieldIndicator(
  enc: FieldEncoding,
  options: FieldIndicatorOptions = {},
  samples: readonly FieldSample[] | null = null,
  timeless = false,
): FieldIndicator {
  const k = options.priorStrength ?? 5;
  const key = `field:${enc.config.field}` as const;
  const label = enc.config.label;
  return {
    key,
    encoding: enc,
    // Out of fold only when every closed sample names its deal (else a row could see its own outcome).
    ...(samples?.every((s) => s.outcome === null || s.dealId !== undefined)
      ? {
          outOfFold(excluded: ReadonlySet<string>): FieldIndicator {
            // Level definitions use no outcome, so hiding outcomes keeps the same levels.
            const hidden = samples!.map((s) =>
              s.dealId !== undefined && excluded.has(s.dealId) ? { ...s, outcome: null } : s,
            );
            return fieldIndicator(learnFieldEncoding(enc.config, hidden, options), options, null, true);
          },
        }
      : {}),
    evaluate(input, _stats, ctx): IndicatorResult {
      const level = levelOf(enc, input.fields[enc.config.field]);
      const j = judgeLevel(enc, level, timeless ? Number.POSITIVE_INFINITY : ctx.asOf, k);
      const shown = enc.display[level]!;
      if (j.n === 0) {
        return {
          key,
          label,
          value: null,
          subScore: 0.5,
          confidence: 0,
          evidence: `${label}: ${shown} (no closed deals with this value yet)`,
        };
      }
      return {
        key,
        label,
        value: Math.round(j.rate * 10_000) / 10_000,
        subScore: j.subScore,
        confidence: j.confidence,
        evidence: `${label}: ${shown}, won ${pct(j.rate)} of ${j.n} closed deals vs ${pct(j.base)} overall`,
      };
    },
  };
}

/**
 * The tenant's qualification-field indicators, learned from its records (open and closed; only
 * closed deals' outcomes, each counted from its close time on). Order follows the configuration.
 */
export function buildQualificationIndicators(
  configs: readonly QualificationFieldConfig[],
  samples: Iterable<FieldSample>,
  options: FieldIndicatorOptions = {},
): FieldIndicator[] {
  if (configs.length === 0) return [];
  const list = [...samples];
  const seen = new Set<string>();
  const out: FieldIndicator[] = [];
  for (const c of configs) {
    if (seen.has(c.field)) continue; // one indicator per field key
    seen.add(c.field);
    out.push(fieldIndicator(learnFieldEncoding(c, list, options), options, list));
  }
  return out;
}

/** Each field's learned effect as of a moment: per level, closed-deal counts and win rates. */
export interface FieldEffect {
  key: string;
  field: string;
  label: string;
  kind: string;
  /** The fitted model's coefficient for this field, when one was fitted. */
  coefficient: number | null;
  levels: { level: string; won: number; lost: number; winRate: number | null; subScore: number }[];
}

export function fieldEffects(
  indicators: readonly FieldIndicator[],
  asOf: number,
  coefficients: Readonly<Record<string, number>> | null = null,
  priorStrength = 5,
): FieldEffect[] {
  return indicators.map((ind) => {
    const enc = ind.encoding;
    return {
      key: ind.key,
      field: enc.config.field,
      label: enc.config.label,
      kind: enc.config.kind,
      coefficient: coefficients?.[ind.key] ?? null,
      levels: enc.levels.map((_, l) => {
        const c = levelCounts(enc, l, asOf);
        const j = judgeLevel(enc, l, asOf, priorStrength);
        const n = c.won + c.lost;
        return {
          level: enc.display[l]!,
          won: c.won,
          lost: c.lost,
          winRate: n === 0 ? null : Math.round((c.won / n) * 10_000) / 10_000,
          subScore: Math.round(j.subScore * 10_000) / 10_000,
        };
      }),
    };
  });
}
